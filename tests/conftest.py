"""Shared fixtures: every party a test makes is closed when the test ends.

Under ``CI=true`` server, browser and worker tests fail instead of skipping
(:mod:`tests.must_run`).
"""

from __future__ import annotations

import os
import typing as t

import pytest

from tests.must_run import pytest_runtest_makereport  # noqa: F401 - a hook
from wsgi_party import WSGIParty

# Django allows one settings module per process; the suite's is tests/django_site.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_site.settings")


#: One line per load a server test ran: which test, requests, errors, time.
LOAD_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    """Print what the server tests sent and got, so every run reports it."""
    if LOAD_REPORT:
        terminalreporter.section("real servers under load")
        for line in LOAD_REPORT:
            terminalreporter.write_line(line)


@pytest.fixture
def make_party() -> t.Iterator[t.Callable[..., WSGIParty]]:
    """Build parties with ``make_party(app, ...)``; all are closed afterwards."""
    made: list[WSGIParty] = []

    def make(*args: t.Any, **kwargs: t.Any) -> WSGIParty:
        party = WSGIParty(*args, **kwargs)
        made.append(party)
        return party

    yield make
    for party in made:
        party.close()
