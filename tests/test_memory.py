"""Parties come and go without leaking: the test-suite pattern, 1,000 times.

A test suite builds a party over the same app objects for every test and
closes it at the end. Here :data:`CYCLES` such cycles (create, bootstrap,
ask, build URLs, serve a page, close) run over the members of
:mod:`tests.sites.party_site`; afterwards no more ``WSGIParty`` or
``PartylineOperator`` objects are alive than before, and the memory traced
by :mod:`tracemalloc` grew by less than :data:`GROWTH_BOUND` bytes in all.
"""

from __future__ import annotations

import gc
import tracemalloc
import typing as t

import pytest
from werkzeug.test import Client

from tests.sites.party_site import Site, build_site, expected_urls
from wsgi_party import PartylineOperator, WSGIParty

CYCLES = 1_000

#: Bytes the whole run may grow by. One leaked party (its operators, handlers
#: and their closures) costs tens of kilobytes, so leaking even one party in
#: ten cycles would exceed this many times over.
GROWTH_BOUND = 100_000


@pytest.fixture
def site() -> t.Iterator[Site]:
    site = build_site(lazy=True)
    site.party.close()
    yield site


def cycle(site: Site, n: int) -> None:
    """One test's worth of party: create, bootstrap, ask, serve, close."""
    party = site.new_party(lazy=n % 2 == 1)
    try:
        assert len(party.ask_around("ping", None)) == len(party.members)
        assert party.url_for("blog:post", id=n) == f"/blog/post/{n}"
        response = Client(party).get(f"/legacy/page?n={n}")
        assert response.json is not None
        assert response.json["urls"] == expected_urls(n)
    finally:
        party.close()


def live_party_objects() -> int:
    gc.collect()
    # type(), not isinstance(): isinstance would wake lazy objects (Django's).
    kinds = (WSGIParty, PartylineOperator)
    return sum(issubclass(type(obj), kinds) for obj in gc.get_objects())


def test_a_thousand_party_cycles_leave_no_parties_or_memory_behind(site: Site) -> None:
    # Warm up: caches (Werkzeug's, Flask's, the site's oracle) fill once.
    for n in range(50):
        cycle(site, n)
    tracemalloc.start()
    try:
        for n in range(50):
            cycle(site, n)
        objects_before = live_party_objects()
        memory_before = tracemalloc.get_traced_memory()[0]
        for n in range(CYCLES):
            cycle(site, n)
        objects_after = live_party_objects()
        growth = tracemalloc.get_traced_memory()[0] - memory_before
    finally:
        tracemalloc.stop()
    assert objects_after == objects_before
    assert growth < GROWTH_BOUND, f"{growth} bytes more after {CYCLES} cycles"
