"""Under ``CI=true`` the tests that need real processes must run, not skip.

A server, browser or worker test (markers ``server``, ``browser``,
``worker``) skips on a developer's machine that lacks what it needs (uWSGI,
``/usr/bin/chromium``, Celery), saying so. In CI a skip would hide that the
suite never ran against a real server, so there the same skip fails the test
with its reason: ``CI=true, so this server test must run; it would skip:
/usr/bin/chromium not found``.

Loaded by ``tests/conftest.py``. It sees every skip made while a test is set
up or run (``skipif`` marks, ``pytest.skip()`` in the test or a fixture,
``pytest.importorskip()`` inside either), so such tests must not skip at
module level, where their marks are not known yet: put the condition in a
``skipif`` mark instead.
"""

from __future__ import annotations

import os
import typing as t

import pytest

#: The marks of tests that must run in CI.
MUST_RUN = ("server", "browser", "worker")


def in_ci() -> bool:
    """Whether the ``CI`` environment variable says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> t.Any:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        kinds = [name for name in MUST_RUN if item.get_closest_marker(name) is not None]
        if kinds:
            report.outcome = "failed"
            report.longrepr = (
                f"CI=true, so this {'/'.join(kinds)} test must run;"
                f" it would skip: {_reason(report.longrepr)}"
            )
    return report


def _reason(longrepr: object) -> str:
    """The reason of a skip report (``(path, line, "Skipped: why")``)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
