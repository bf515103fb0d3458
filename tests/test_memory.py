"""Parties come and go without leaking: the test-suite pattern, 1,000 times.

And parties nobody closed: a site (apps and party) that is dropped without
``close()`` is freed by the garbage collector, while an app whose party is
still alive keeps declining a second one.

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
import weakref

import flask
import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from tests.apps import werkzeug_member
from tests.sites.party_site import Site, build_site, expected_urls
from wsgi_party import PartylineOperator, WSGIParty
from wsgi_party.flask import FlaskParty, party_url

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


# -- parties dropped without close() ------------------------------------------

#: Dropped sites in the memory test, and the bytes they may leave behind in
#: all. One site kept alive costs about 60 kB (its apps, maps, operators,
#: handlers), so keeping even five of the 300 would exceed this.
DROPPED = 300
DROPPED_GROWTH_BOUND = 300_000


def dropped_site(n: int) -> weakref.ref[WSGIParty]:
    """Build a site, serve a page that links across apps, and drop it all unclosed.

    A Flask app (with :class:`~wsgi_party.flask.FlaskParty`) at the root and a
    Werkzeug app (a :class:`~wsgi_party.PartyMember`) at ``/blog``: both ways
    an app holds on to its party.
    """
    app = flask.Flask(f"dropped{n}")

    @app.route("/")
    def index() -> str:
        return party_url("blog:post", id=n)

    FlaskParty(app, name="shop")
    party = WSGIParty(DispatcherMiddleware(app, {"/blog": werkzeug_member("Blog")}))
    assert Client(party).get("/").text == f"/blog/post/{n}"
    return weakref.ref(party)


def test_a_party_dropped_without_close_is_freed_with_its_apps() -> None:
    party = dropped_site(1)
    gc.collect()
    assert party() is None


def test_a_big_site_dropped_without_close_is_freed() -> None:
    site = build_site(lazy=True)
    assert Client(site.party).get("/legacy/page?n=1").json["urls"] == expected_urls(1)  # type: ignore[index]
    party = weakref.ref(site.party)
    del site
    gc.collect()
    assert party() is None


def test_three_hundred_dropped_parties_do_not_grow_memory() -> None:
    for n in range(10):  # warm up caches that fill once
        dropped_site(n)
    gc.collect()
    tracemalloc.start()
    try:
        memory_before = tracemalloc.get_traced_memory()[0]
        parties = [dropped_site(n) for n in range(DROPPED)]
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - memory_before
    finally:
        tracemalloc.stop()
    assert sum(party() is not None for party in parties) == 0
    assert growth < DROPPED_GROWTH_BOUND, f"{growth} bytes more after {DROPPED} dropped sites"


def test_an_app_still_holding_its_dropped_party_declines_a_second_one() -> None:
    member = werkzeug_member("Shop")
    first = WSGIParty(DispatcherMiddleware(member, {}))
    first_ref = weakref.ref(first)
    del first  # the member's operator still holds the party: it is alive
    gc.collect()
    assert first_ref() is not None
    second = WSGIParty(DispatcherMiddleware(member, {}))
    try:
        assert second.members == ()
        (declined,) = second.declined
        assert "already member 'root' of another live party" in declined.reason
    finally:
        second.close()
        party = first_ref()
        assert party is not None
        party.close()


def test_an_app_whose_party_was_freed_joins_a_new_one() -> None:
    # An app that keeps nothing of its membership (a bare callable joining
    # through the operator): once its party is freed, it is in no live party.
    def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
        operator = environ["partyline"]
        if operator.join(app, name="bare"):
            operator.connect("ping", lambda payload: "pong")
        start_response("200 OK", [])
        return [b""]

    first = WSGIParty(app)
    first_ref = weakref.ref(first)
    assert [m.name for m in first.members] == ["bare"]
    del first
    gc.collect()
    assert first_ref() is None
    with WSGIParty(app) as second:
        assert [m.name for m in second.members] == ["bare"]
        assert second.declined == ()
