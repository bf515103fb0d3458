"""PartyMember: its own services, one member per wrapper, and streamed bodies.

* A service given in ``services=`` replaces the standard handler of that name
  (``ping``, ``routes``, ``match``, ``url``): asked, the member answers once,
  with the user's handler.
* The wrapper is the member: one WSGI callable wrapped twice (static files
  at ``/css`` and ``/img``) joins as two members. A framework app that keeps
  its party state on itself (a Flask app, a Pyramid registry, the Django
  project) mounted twice is still refused, with the same message as before.
* ``partyline`` stays bound while a member's streamed body runs (a generator
  that builds links), until it is exhausted or closed, and never leaks into
  the next request served on the same thread.
"""

from __future__ import annotations

import http.client
import threading
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.test import Client, create_environ, run_wsgi_app

from tests.apps import werkzeug_member
from wsgi_party import (
    InvitationError,
    Match,
    MatchRequest,
    PartyMember,
    Route,
    UrlRequest,
    WSGIParty,
    current_scope,
    partyline,
)

MakeParty = t.Callable[..., WSGIParty]


def static_files(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """A plain WSGI app: answers its path, and the member it serves for."""
    name = partyline.name if current_scope() is not None else None
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{name}:{environ['SCRIPT_NAME']}{environ['PATH_INFO']}".encode()]


# -- 3. the user's services replace the standard ones ----------------------------------

ROUTES_MAP = Map([Rule("/post/<int:id>", endpoint="post")])


def own_handlers() -> dict[str, t.Callable[[t.Any], t.Any]]:
    return {
        "ping": lambda payload: "mine: pong",
        "routes": lambda payload: [Route("m", "own", "/own", ("GET",))],
        "match": lambda payload: Match("m", "own"),
        "url": lambda payload: f"/own/{UrlRequest.coerce(payload).endpoint}",
    }


@pytest.mark.parametrize("url_map", [None, ROUTES_MAP], ids=["no-map", "map"])
@pytest.mark.parametrize("service", ["ping", "routes", "match", "url"])
def test_a_service_the_user_gives_replaces_the_standard_one(
    make_party: MakeParty, service: str, url_map: Map | None
) -> None:
    handler = own_handlers()[service]
    member = PartyMember(static_files, name="m", services={service: handler}, url_map=url_map)
    party = make_party(DispatcherMiddleware(static_files, {"/m": member}))
    payload = {
        "ping": None,
        "routes": None,
        "match": MatchRequest("GET", "/post/3"),
        "url": UrlRequest("post", {"id": 3}),
    }[service]
    assert party.ask_around(service, payload) == [handler(payload)]
    assert party.member("m").services.count(service) == 1
    # The other standard services are still there, answered as before.
    assert party.ask("m", "ping", None) == ("mine: pong" if service == "ping" else "pong")
    if url_map is not None and service != "url":
        assert party.url_for("m:post", id=3) == "/m/post/3"
    if url_map is not None and service != "routes":
        rules = [route.rule for route in party.ask("m", "routes", None)]
        assert rules == ["/m/post/<int:id>"]


def test_every_standard_service_replaced_leaves_only_the_users(make_party: MakeParty) -> None:
    handlers = own_handlers()
    member = PartyMember(static_files, name="m", services=handlers, url_map=ROUTES_MAP)
    party = make_party(DispatcherMiddleware(static_files, {"/m": member}))
    for service, handler in handlers.items():
        assert party.member("m").operator.services[service] == [handler]


# -- 4. the wrapper is the member -------------------------------------------------------


def test_two_wrappers_around_one_app_join_as_two_members(make_party: MakeParty) -> None:
    css = PartyMember(static_files, name="css", services={"bundle": lambda p: "css.min"})
    img = PartyMember(static_files, name="img", services={"sprite": lambda p: "img.png"})
    party = make_party(DispatcherMiddleware(static_files, {"/css": css, "/img": img}))
    assert [(m.name, m.script_name) for m in party.members] == [("css", "/css"), ("img", "/img")]
    assert [d.path for d in party.declined] == ["/__invite__/"]  # the plain root app
    assert party.ask("css", "bundle", None) == "css.min"
    assert party.ask("img", "sprite", None) == "img.png"
    assert {pong.member for pong in party.ask_around("ping", None)} == {"css", "img"}
    client = Client(party)
    assert client.get("/css/site.css").text == "css:/css/site.css"
    assert client.get("/img/logo.png").text == "img:/img/logo.png"


def test_one_wrapper_mounted_twice_is_still_refused(make_party: MakeParty) -> None:
    css = PartyMember(static_files, name="css")
    with pytest.raises(InvitationError, match="already joined this party as member 'css'"):
        make_party(DispatcherMiddleware(static_files, {"/css": css, "/again": css}))


def test_a_flask_app_mounted_twice_is_still_refused(make_party: MakeParty) -> None:
    import flask

    from wsgi_party.flask import FlaskParty

    app = flask.Flask("tests.twice")
    FlaskParty(app)
    with pytest.raises(InvitationError, match=r"already joined this party.*mount each app once"):
        make_party(DispatcherMiddleware(static_files, {"/a": app, "/b": app}))


def test_a_pyramid_registry_mounted_twice_is_still_refused(make_party: MakeParty) -> None:
    from pyramid.config import Configurator

    config = Configurator(settings={"wsgi_party.name": "admin"})
    config.include("wsgi_party.pyramid")
    first, second = config.make_wsgi_app(), config.make_wsgi_app()  # one registry
    with pytest.raises(InvitationError, match=r"already joined this party.*mount each app once"):
        make_party(DispatcherMiddleware(static_files, {"/a": first, "/b": second}))


def test_the_django_project_mounted_twice_is_still_refused(make_party: MakeParty) -> None:
    from django.core.wsgi import get_wsgi_application

    from tests.django_site import setup_django

    setup_django()
    first, second = get_wsgi_application(), get_wsgi_application()
    with pytest.raises(InvitationError, match=r"already joined this party.*mount each app once"):
        make_party(DispatcherMiddleware(first, {"/again": second}))


# -- 5. partyline while the body streams -------------------------------------------------

#: What the streaming app saw when its body was closed: (member name, scope bound).
closed: list[tuple[str | None, bool]] = []


def streaming(environ: t.Any, start_response: t.Any) -> t.Iterator[bytes]:
    """A plain app whose body is a generator building a link per chunk."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    count = int(environ.get("QUERY_STRING") or 3)

    def body() -> t.Iterator[bytes]:
        try:
            for id in range(count):
                yield f"{partyline.name} {partyline.url_for('blog:post', id=id)}\n".encode()
        finally:
            closed.append((partyline.name, current_scope() is not None))

    return body()


def scope_reporter(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """A plain app outside the party's members: is any member's scope bound here?"""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [repr(current_scope()).encode()]


def streaming_site(make_party: MakeParty) -> WSGIParty:
    live = PartyMember(streaming, name="live")
    blog = werkzeug_member("blog", name="blog")
    return make_party(DispatcherMiddleware(scope_reporter, {"/live": live, "/blog": blog}))


def test_partyline_is_bound_while_a_streamed_body_builds_links(make_party: MakeParty) -> None:
    closed.clear()
    party = streaming_site(make_party)
    response = Client(party).get("/live/feed")
    assert response.text == "".join(f"live /blog/post/{id}\n" for id in range(3))
    assert closed == [("live", True)]
    assert current_scope() is None  # nothing left bound in the caller


def test_partyline_is_bound_while_a_streamed_body_is_closed_early(
    make_party: MakeParty,
) -> None:
    closed.clear()
    party = streaming_site(make_party)
    body, status, _headers = run_wsgi_app(party, create_environ("/live/feed", query_string="5"))
    chunks = iter(body)
    assert next(chunks) == b"live /blog/post/0\n"
    assert current_scope() is None  # unbound between chunks
    body.close()  # type: ignore[attr-defined]
    assert closed == [("live", True)]
    assert current_scope() is None
    assert status == "200 OK"


def test_a_real_threaded_server_streams_links_without_leaking_the_scope(
    make_party: MakeParty,
) -> None:
    from waitress.server import create_server

    closed.clear()
    party = streaming_site(make_party)
    # One worker thread: the next request runs on the thread that streamed.
    server = create_server(party, host="127.0.0.1", port=0, threads=1)
    port = server.effective_port  # type: ignore[union-attr]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()

    def get(path: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200, path
            return response.read().decode()
        finally:
            connection.close()

    try:
        for _ in range(3):
            assert get("/live/feed?4") == "".join(f"live /blog/post/{id}\n" for id in range(4))
            assert get("/elsewhere") == "None"
    finally:
        server.trigger.pull_trigger(server.close)  # type: ignore[union-attr]
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert closed == [("live", True)] * 3
