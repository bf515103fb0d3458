"""``RouteDispatcher.explain()`` on real Flask, Pyramid and Django members.

A Flask app, a Pyramid app and the Django test project share the root of one
route dispatcher (Flask first, Django the default). Each test checks what
``explain()`` says against where real requests for its probe paths go.
"""

from __future__ import annotations

import contextlib
import typing as t

import pytest
from flask import Flask
from pyramid.config import Configurator
from pyramid.response import Response
from werkzeug.routing import BaseConverter
from werkzeug.test import Client

from tests.django_site import setup_django
from wsgi_party import (
    PartyMember,
    Route,
    RouteDispatcher,
    RouteExplanation,
    RouteShadow,
    WSGIParty,
)
from wsgi_party.flask import FlaskParty

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MakeParty = t.Callable[..., WSGIParty]


@pytest.fixture(scope="module", autouse=True)
def _django() -> None:
    setup_django()


class YearConverter(BaseConverter):
    """A custom werkzeug converter: four digits, nothing the core knows about."""

    regex = r"\d{4}"


def flask_app() -> Flask:
    app = Flask("new")
    app.url_map.converters["year"] = YearConverter
    FlaskParty(app)

    def view(**values: t.Any) -> str:
        return "flask"

    app.add_url_rule("/about", "about", view)
    app.add_url_rule("/archive/<year:year>", "archive", view)
    app.add_url_rule("/polls/<int:pk>/", "poll", view)  # takes Django's polls:detail
    app.add_url_rule("/regex/<slug>/<int:num>/", "regex", view)  # and its re_path
    app.add_url_rule("/tag/<int:id>", "tag", view)
    app.add_url_rule("/feedback", "feedback", view, methods=["POST"])
    return app


def pyramid_app() -> WSGIApplication:
    config = Configurator(settings={"wsgi_party.name": "mid"})
    config.include("wsgi_party.pyramid")

    def view(request: t.Any) -> Response:
        return Response("pyramid")

    for name, pattern in [
        ("about", "/about"),  # Flask, listed first, takes it
        ("item", r"/items/{id:\d+}"),
        ("tag", "/tag/{name}"),  # Flask takes /tag/1, not /tag/x
        ("files", "/files/*subpath"),  # takes Django's files/<path:name>
    ]:
        config.add_route(name, pattern)
        config.add_view(view, route_name=name)
    return config.make_wsgi_app()


def traced(name: str, app: WSGIApplication, served: list[str]) -> WSGIApplication:
    """``app``, noting its member name in ``served`` for every request it gets."""

    def call(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        served.append(name)
        return app(environ, start_response)

    return call


@pytest.fixture
def site(make_party: MakeParty) -> tuple[RouteDispatcher, WSGIParty, list[str]]:
    from django.core.wsgi import get_wsgi_application

    served: list[str] = []
    dispatcher = RouteDispatcher(
        {
            "new": traced("new", flask_app(), served),
            "mid": traced("mid", pyramid_app(), served),
            "legacy": traced("legacy", get_wsgi_application(), served),
        },
        default="legacy",
    )
    party = make_party(dispatcher)
    served.clear()  # the invitations
    return dispatcher, party, served


def by_endpoint(routes: list[RouteExplanation], member: str) -> dict[str, RouteExplanation]:
    return {r.endpoint: r for r in routes if r.member == member and r.endpoint is not None}


def who_serves(party: WSGIParty, served: list[str], method: str, path: str) -> str:
    """The member a real request for ``method path`` reaches."""
    served.clear()
    # Some views of the Django test project need arguments and raise: who got
    # the request is what counts.
    with contextlib.suppress(Exception):
        Client(party).open(path, method=method)
    assert len(served) == 1, (method, path, served)
    return served[0]


def test_every_probe_lands_where_explain_says(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, served = site
    checked = 0
    for route in dispatcher.explain(party):
        if route.probe is None:
            continue
        claims = {m: s.member for s in route.shadowed_by for m in s.methods}
        methods = [m for m in route.methods if m not in ("HEAD", "OPTIONS")] or ["GET"]
        for method in methods:
            assert who_serves(party, served, method, route.probe) == claims.get(
                method, route.member
            ), route
            checked += 1
        assert route.served_by == claims.get(methods[0], route.member)
    assert checked >= 30


def test_members_come_in_the_order_requests_try_them(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, _served = site
    members = [r.member for r in dispatcher.explain(party)]
    assert list(dict.fromkeys(members)) == ["new", "mid", "legacy"]


def test_flask_custom_converter_is_probed_by_flasks_own_builder_and_matcher(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, served = site
    archive = by_endpoint(dispatcher.explain(party), "new")["archive"]
    # "x" and "1" build but <year:year> does not match them back; "2024" does.
    assert archive.probe == "/archive/2024"
    assert (archive.served_by, archive.shadowed_by, archive.note) == ("new", (), None)
    assert who_serves(party, served, "GET", "/archive/2024") == "new"


def test_pyramid_regex_placeholder_gets_a_value_its_route_matches(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, served = site
    mid = by_endpoint(dispatcher.explain(party), "mid")
    # Pyramid builds /items/x without checking {id:\d+}; it does not match it.
    assert party.ask("mid", "url", ("item", {"id": "x"})) == "/items/x"
    assert mid["item"].probe == "/items/1"
    assert mid["item"].served_by == "mid"
    assert mid["files"].probe == "/files/x"
    assert who_serves(party, served, "GET", "/items/1") == "mid"


def test_earlier_members_shadow_routes_they_claim(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, _served = site
    routes = dispatcher.explain(party)
    mid, legacy = by_endpoint(routes, "mid"), by_endpoint(routes, "legacy")
    assert mid["about"].served_by == "new"
    assert mid["about"].shadowed_by == (RouteShadow("new", ("GET",), "/about"),)
    # /tag/{name} is probed as /tag/x: Flask's /tag/<int:id> does not take it.
    assert (mid["tag"].probe, mid["tag"].served_by, mid["tag"].shadowed_by) == (
        "/tag/x",
        "mid",
        (),
    )
    # Django's <int:pk> and re_path routes, moved to Flask.
    assert legacy["polls:detail"].probe == "/polls/1/"
    assert legacy["polls:detail"].served_by == "new"
    assert legacy["regex"].probe == "/regex/x/1/"
    assert legacy["regex"].shadowed_by == (RouteShadow("new", ("GET",), "/regex/x/1/"),)
    # Pyramid's *subpath takes Django's files/<path:name>.
    assert legacy["files"].served_by == "mid"
    assert legacy["files"].shadowed_by == (RouteShadow("mid", ("GET",), "/files/x"),)
    # Django's own converter builds 1 as 0001; nobody else has the path.
    assert (legacy["archive"].probe, legacy["archive"].served_by) == ("/archive/0001/", "legacy")
    assert legacy["home"].served_by == "legacy"


def test_a_route_no_probe_can_be_built_for_says_so(
    site: tuple[RouteDispatcher, WSGIParty, list[str]],
) -> None:
    dispatcher, party, _served = site
    legacy = by_endpoint(dispatcher.explain(party), "legacy")
    # An unnamed Django pattern is listed by its view's path, which reverse() refuses.
    unnamed = legacy["tests.django_site.views.echo"]
    assert (unnamed.probe, unnamed.served_by, unnamed.shadowed_by) == (None, None, ())
    assert unnamed.note is not None
    assert unnamed.note.startswith("no probe path could be built")


def test_a_dispatcher_under_a_prefix_explains_paths_below_it(make_party: MakeParty) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    served: list[str] = []
    dispatcher = RouteDispatcher(
        {"new": traced("new", flask_app(), served), "mid": traced("mid", pyramid_app(), served)}
    )
    root = traced("root", _not_found, served)
    party = make_party(DispatcherMiddleware(root, {"/site": dispatcher}))
    mid = by_endpoint(dispatcher.explain(party), "mid")
    assert mid["about"].rule == "/site/about"
    assert mid["about"].probe == "/about"
    assert mid["about"].served_by == "new"
    assert who_serves(party, served, "GET", f"/site{mid['item'].probe}") == "mid"


def test_a_member_without_match_is_never_routed_to(make_party: MakeParty) -> None:
    def routes(payload: object) -> list[Route]:
        return [Route("plain", "about", "/about", ())]

    served: list[str] = []
    plain = PartyMember(traced("plain", _not_found, served), services={"routes": routes})
    dispatcher = RouteDispatcher({"plain": plain, "new": traced("new", flask_app(), served)})
    party = make_party(dispatcher)
    [about] = [r for r in dispatcher.explain(party) if r.member == "plain"]
    assert about.served_by is None
    assert about.note == "offers no 'match' service: the dispatcher never routes to it"
    assert who_serves(party, served, "GET", "/about") == "new"


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


def test_werkzeug_converters_get_values_their_own_rules_match(make_party: MakeParty) -> None:
    from werkzeug.routing import Map, Rule

    url_map = Map(
        [
            Rule("/v/<float:x>/<uuid:u>", endpoint="pair"),
            Rule("/f/<path:name>", endpoint="file"),
            Rule("/lang/<any(en, fr):lang>", endpoint="lang"),
        ]
    )
    served: list[str] = []
    member = PartyMember(traced("map", _not_found, served), url_map=url_map)
    dispatcher = RouteDispatcher({"map": member, "new": traced("new", flask_app(), served)})
    party = make_party(dispatcher)
    routes = by_endpoint(dispatcher.explain(party), "map")
    assert routes["pair"].probe == "/v/1.0/00000000-0000-0000-0000-000000000000"
    assert routes["file"].probe == "/f/x"
    for route in (routes["pair"], routes["file"]):
        assert route.served_by == "map"
        assert who_serves(party, served, "GET", route.probe or "") == "map"
    # None of the sample values is one of any()'s words: said, not guessed.
    lang = routes["lang"]
    assert (lang.probe, lang.served_by) == (None, None)
    assert lang.note is not None
    assert lang.note.startswith("no probe path could be built")
