"""The Starlette integration: FastAPI and Starlette apps as party members.

The apps are real (tests/starlette_apps.py): a FastAPI app (member ``api``)
and a plain Starlette app (member ``shop``), each in a
:class:`~wsgi_party.starlette.StarletteMember`, beside a real Flask app
(member ``blog``) and the real Django project (member ``legacy``), driven
through ``werkzeug.test.Client`` here and through waitress and gunicorn
in the server tests at the end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
import typing as t
import uuid
from dataclasses import dataclass

import flask
import pytest
from fastapi import FastAPI, Request
from starlette.routing import NoMatchFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, create_environ, run_wsgi_app

from tests import starlette_apps
from tests.django_site import session_cookie, setup_django
from tests.servers import REPO
from tests.test_guard import SPELLINGS
from wsgi_party import (
    Identity,
    Match,
    MatchRequest,
    NoPartylineContext,
    PartylineException,
    RouteDispatcher,
    UrlBuildError,
    WSGIParty,
)
from wsgi_party.flask import FlaskParty
from wsgi_party.flask import party_fragment as flask_fragment
from wsgi_party.flask import party_identity as flask_identity
from wsgi_party.flask import party_url as flask_url
from wsgi_party.starlette import (
    LifespanFailed,
    PartyBuildError,
    StarletteMember,
    party_identity,
    party_login_url,
    party_url,
)

# -- the site --------------------------------------------------------------------------


class BufferedClient(Client):
    """A test client that reads every response to its end, as a server does.

    a2wsgi's task for a request ends only when its body has been read: a
    response left half read would leave it waiting.
    """

    def open(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def blog_app(*, identity: t.Any = None) -> flask.Flask:
    """The Flask member ``blog``: links to the API, shows the login and the chrome."""
    app = flask.Flask("blog")
    app.config["PROPAGATE_EXCEPTIONS"] = True  # a test sees what a view raised
    FlaskParty(app, name="blog", identity=identity)

    @app.route("/post/<int:id>")
    def post(id: int) -> str:
        return flask_url("api:item", id=id, q="from-blog")

    @app.route("/product/<int:id>")
    def product_link(id: int) -> str:
        return flask_url("product", product_id=id)

    @app.route("/who")
    def who() -> str:
        identity = flask_identity()
        return identity.name if identity is not None else "anonymous"

    @app.route("/chrome")
    def chrome() -> str:
        return str(flask_fragment("header"))

    return app


@dataclass
class Site:
    party: WSGIParty
    api: StarletteMember
    shop: StarletteMember
    client: BufferedClient

    def json(self, path: str, **kwargs: t.Any) -> t.Any:
        response = self.client.get(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    def text(self, path: str, **kwargs: t.Any) -> str:
        response = self.client.get(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)


def build_site(make_party: t.Callable[..., WSGIParty], **member_options: t.Any) -> Site:
    api = StarletteMember(starlette_apps.api(), name="api", **member_options)
    shop = StarletteMember(starlette_apps.shop(), name="shop")
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api, "/shop": shop}))
    return Site(party, api, shop, BufferedClient(party))


def raised_in_app(caplog: pytest.LogCaptureFixture) -> list[BaseException]:
    """What the Starlette apps raised (logged by the member, answered with 500)."""
    return [
        r.exc_info[1]
        for r in caplog.records
        if r.name == "wsgi_party.starlette" and r.exc_info and r.exc_info[1] is not None
    ]


@pytest.fixture
def site(make_party: t.Callable[..., WSGIParty]) -> Site:
    return build_site(make_party)


# -- joining ------------------------------------------------------------------------


def test_the_apps_join_with_url_routes_match_and_ping(site: Site) -> None:
    for name, mount in (("api", "/api"), ("shop", "/shop")):
        member = site.party.member(name)
        assert member.script_name == mount
        assert set(member.services) == {"url", "ping", "routes", "match"}
    assert site.api.operator is site.party.member("api").operator
    assert [p for p in site.party.ask_around("ping", None) if p.member == "api"] == ["pong"]


def test_an_app_without_a_starlette_router_joins_with_ping_only(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    async def bare(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        raise AssertionError("never called")

    member = StarletteMember(bare, name="bare")
    party = make_party(DispatcherMiddleware(blog_app(), {"/bare": member}))
    assert set(party.member("bare").services) == {"ping"}


def test_a_member_declines_a_second_live_party(make_party: t.Callable[..., WSGIParty]) -> None:
    api = StarletteMember(starlette_apps.api(), name="api")
    make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    second = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    assert [d.path for d in second.declined] == ["/api/__invite__/"]
    assert "live party" in second.declined[0].reason


# -- url ----------------------------------------------------------------------------


def test_a_link_to_the_app_is_its_own_url_path_for_under_the_mount(site: Site) -> None:
    app, shop = site.api.app, site.shop.app
    cases = [
        ("api", app, "item", {"id": 3}),
        ("api", app, "product", {"product_id": 4}),
        ("api", app, "v1:thing", {"slug": "hello"}),
        ("shop", shop, "price", {"amount": 2.5}),
        ("shop", shop, "by_id", {"uid": uuid.UUID(int=7)}),
        ("shop", shop, "files", {"name": "a/b/c.txt"}),
        ("shop", shop, "catalog:entry", {"lang": "en", "n": 12}),
        ("shop", shop, "raw", {"path": "x/y"}),
    ]
    for member, own, name, values in cases:
        expected = f"/{member}" + str(own.url_path_for(name, **values))
        assert site.party.url_for(f"{member}:{name}", **values) == expected, name
        assert site.party.url_for(name, **values) == expected, name  # asked around


def test_unused_values_become_the_query_string_as_flask_builds_it(site: Site) -> None:
    values = {"q": "a b&c", "tags": ["x", "y"], "none": None, "n": 3}
    api = site.party.url_for("api:item", id=3, **values)
    blog = site.party.url_for("blog:post", id=3, **values)
    assert api == "/api/items/3?q=a+b%26c&tags=x&tags=y&n=3"
    assert api.partition("?")[2] == blog.partition("?")[2]


def test_values_are_converted_by_starlettes_convertors(site: Site) -> None:
    assert site.party.url_for("api:item", id="12") == "/api/items/12"
    assert site.party.url_for("shop:price", amount=1.5) == "/shop/price/1.5"
    with pytest.raises(UrlBuildError, match=r"member 'shop' .*'shop:catalog:entry'.*-1") as info:
        site.party.url_for("shop:catalog:entry", lang="en", n=-1)
    assert isinstance(info.value.__cause__, AssertionError)
    with pytest.raises(UrlBuildError, match=r"member 'shop' .*the converter of 'word'"):
        site.party.url_for("shop:word", word="a/b")


def test_a_value_a_convertor_refuses_names_it_as_every_framework_does(site: Site) -> None:
    with pytest.raises(UrlBuildError) as info:
        site.party.url_for("shop:catalog:entry", lang="en", n=-1)
    assert str(info.value).startswith(
        "member 'shop' has 'shop:catalog:entry' but could not build it:"
        " the converter of 'n' refused -1 (AssertionError: "
    )
    assert [(r.member, r.refused) for r in info.value.refusals] == [("shop", "n")]
    assert isinstance(info.value.__cause__, AssertionError)
    with pytest.raises(UrlBuildError, match="the converter of 'lang' refused ''"):
        site.party.url_for("shop:catalog:entry", lang="", n=1)
    # Asked around, the refusal passes the ask on, and is said when nobody builds it.
    with pytest.raises(UrlBuildError, match="the converter of 'n' refused 'x'"):
        site.party.url_for("catalog:entry", lang="en", n="x")


def test_path_values_are_quoted_so_the_server_reads_them_back(site: Site) -> None:
    url = site.party.url_for("shop:word", word="50% off?")
    assert url == "/shop/word/50%25%20off%3F"
    assert site.json(url)["params"] == {"word": "50% off?"}


def test_a_missing_value_names_member_endpoint_and_value_chained_from_no_match_found(
    site: Site,
) -> None:
    with pytest.raises(UrlBuildError) as info:
        site.party.url_for("shop:catalog:entry", n=1)
    message = str(info.value)
    assert "member 'shop'" in message
    assert "'shop:catalog:entry'" in message
    assert "missing value 'lang'" in message
    assert isinstance(info.value.__cause__, NoMatchFound)


def test_websocket_routes_build_links_but_are_neither_listed_nor_claimed(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse(
            party_url(request, "chat", room="a b", _external=True, _scheme="wss")
        )

    async def chat(websocket: WebSocket) -> None:
        await websocket.close()

    app = Starlette(
        routes=[Route("/", home, name="home"), WebSocketRoute("/ws/{room}", chat, name="chat")]
    )
    legacy = flask.Flask("legacy")
    FlaskParty(legacy, name="legacy")

    @legacy.route("/ws/<room>")
    def old_chat(room: str) -> str:
        return f"the legacy page of room {room}"

    member = StarletteMember(app)
    party = make_party(RouteDispatcher({"chat": member, "legacy": legacy}, default="legacy"))
    client = BufferedClient(party)
    assert client.get("/").get_data(as_text=True) == "wss://localhost/ws/a%20b"
    assert party.url_for("chat:chat", room="x") == "/ws/x"
    assert "/ws/{room}" not in [rule for _name, rule, _methods in member.route_table.routes()]
    # Not claimed: an HTTP request for the path goes to the next member.
    assert member.match("GET", "/ws/x") is None
    assert client.get("/ws/x").get_data(as_text=True) == "the legacy page of room x"


def test_a_route_of_a_host_route_says_the_party_builds_paths_only(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Host, Route, Router

    async def home(request: Request) -> PlainTextResponse:
        try:
            return PlainTextResponse(party_url(request, "admin:dashboard"))
        except PartyBuildError as exc:
            return PlainTextResponse(str(exc))

    app = Starlette(
        routes=[
            Route("/", home, name="home"),
            Host(
                "admin.example.com",
                Router([Route("/dashboard", home, name="dashboard")]),
                name="admin",
            ),
        ]
    )
    assert app.url_path_for("admin:dashboard").host == "admin.example.com"
    party = make_party(DispatcherMiddleware(blog_app(), {"/site": StarletteMember(app)}))
    hosted = "it is a route of Host('admin.example.com'), whose URLs carry a host of their own"
    with pytest.raises(UrlBuildError, match=re.escape(hosted)) as info:
        party.url_for("site:admin:dashboard")
    assert "member 'site' has 'site:admin:dashboard'" in str(info.value)
    assert hosted in BufferedClient(party).get("/site/").get_data(as_text=True)
    assert party.url_for("site:home") == "/site/"


def test_an_unknown_endpoint_is_high_and_dry_and_asking_goes_on(site: Site) -> None:
    with pytest.raises(UrlBuildError, match="member 'api' has no endpoint 'api:nope'"):
        site.party.url_for("api:nope")
    # "post" is the blog's: the API and the shop say no, the blog answers.
    assert site.party.url_for("post", id=1) == "/post/1"


def test_method_picks_the_route(site: Site) -> None:
    assert site.party.url_for("api:create_item", _method="POST") == "/api/items"
    with pytest.raises(
        UrlBuildError,
        match="member 'api' has 'api:create_item' but could not build it: it serves POST, not GET",
    ):
        site.party.url_for("api:create_item", _method="GET")


def test_method_picks_among_routes_sharing_a_name(make_party: t.Callable[..., WSGIParty]) -> None:
    # FastAPI names a route after its function: a GET form and the POST that
    # handles it, in different routers, often share one name.
    from fastapi import APIRouter

    app = FastAPI()
    api = APIRouter()

    @api.post("/items")
    def create(request: Request) -> dict[str, str]:
        return {}

    app.include_router(api, prefix="/api")

    @app.get("/items/new")
    def create(request: Request) -> dict[str, str]:  # noqa: F811 - the shared name is the case
        return {
            "get": party_url(request, "create", _method="GET"),
            "post": party_url(request, "create", _method="POST"),
        }

    party = make_party(DispatcherMiddleware(blog_app(), {"/shop": StarletteMember(app)}))
    assert party.url_for("shop:create", _method="GET") == "/shop/items/new"
    assert party.url_for("shop:create", _method="POST") == "/shop/api/items"
    # Without a method, the first route, as Starlette's url_path_for builds it.
    assert party.url_for("shop:create") == "/shop" + app.url_path_for("create")
    page = BufferedClient(party).get("/shop/items/new").json
    assert page == {"get": "/shop/items/new", "post": "/shop/api/items"}


def test_external_urls_and_anchors_follow_the_request_and_the_party_prefix(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    api = StarletteMember(starlette_apps.api(), name="api")
    inner = WSGIParty(DispatcherMiddleware(blog_app(), {"/api": api}))
    try:
        outer = DispatcherMiddleware(_not_found, {"/site": inner})
        client = BufferedClient(outer)
        page = client.get("/site/api/async/5", base_url="https://shop.example").json
        assert page["self"] == "/site/api/async/5"
        assert page["blog"] == "https://shop.example/site/post/5#c"
        assert page["script_name"] == "/site/api"
        assert client.get("/site/post/2").get_data(as_text=True) == "/site/api/items/2?q=from-blog"
    finally:
        inner.close()
    party = make_party(
        DispatcherMiddleware(blog_app(), {"/api": StarletteMember(starlette_apps.api())}),
        base_url="https://example.com/root",
    )
    assert party.url_for("api:item", id=1, _external=True) == "https://example.com/root/api/items/1"


def _not_found(environ: t.Any, start_response: t.Any) -> list[bytes]:
    start_response("404 Not Found", [])
    return [b""]


# -- routes and match -----------------------------------------------------------------


def test_routes_lists_every_route_with_its_mounted_rule_and_methods(site: Site) -> None:
    routes = {r.endpoint: r for r in site.party.ask("shop", "routes", None)}
    assert routes["price"].rule == "/shop/price/{amount:float}"
    assert routes["files"].methods == ("GET", "HEAD", "PUT")
    assert routes["catalog:entry"].rule == "/shop/{lang}/catalog/{n:int}"
    assert routes["raw"].rule == "/shop/raw/{path:path}"
    assert "catalog" not in routes  # a mount with routes: they are listed, not it
    api = {r.endpoint: r for r in site.party.ask("api", "routes", None)}
    assert api["item"].rule == "/api/items/{id}"
    assert api["product"].rule == "/api/products/{product_id}"
    assert api["v1:thing"].rule == "/api/v1/things/{slug}"
    assert api["create_item"].methods == ("POST",)


def test_match_claims_as_the_router_routes_without_running_an_endpoint(site: Site) -> None:
    before = starlette_apps.calls["endpoints"]

    def ask(member: str, method: str, path: str) -> Match:
        return t.cast("Match", site.party.ask(member, "match", MatchRequest(method, path)))

    assert ask("api", "GET", "/items/3") == Match("api", "item", True, ("GET",))
    assert ask("api", "GET", "/products/3").endpoint == "product"
    assert ask("api", "GET", "/v1/things/x").endpoint == "v1:thing"
    assert ask("api", "DELETE", "/items/3") == Match("api", "item", False, ("GET",))
    assert ask("shop", "GET", "/en/catalog/4").endpoint == "catalog:entry"
    assert ask("shop", "GET", "/raw/anything/below") == Match("shop", "raw", True, ())
    assert ask("shop", "PUT", "/files/a/b").endpoint == "files"
    # A trailing slash the router redirects is claimed: the app answers it.
    assert ask("api", "GET", "/items/3/") == Match("api", None, True, ())
    for member, path in (("api", "/nothing"), ("api", "/items/3/more"), ("shop", "/en/catalog/x")):
        with pytest.raises(Exception, match="has no route"):
            ask(member, "GET", path)
    assert starlette_apps.calls["endpoints"] == before


def test_route_dispatcher_moves_one_route_from_flask_to_fastapi_at_the_same_url(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    legacy = flask.Flask("legacy")
    FlaskParty(legacy, name="legacy")

    @legacy.route("/items/<int:id>")
    def old_item(id: int) -> str:
        return "old"

    @legacy.route("/about")
    def about() -> str:
        return flask_url("item", id=9)

    api = StarletteMember(starlette_apps.api())
    members = {"api": api, "blog": blog_app(), "legacy": legacy}
    party = make_party(RouteDispatcher(members, default="legacy"))
    client = BufferedClient(party)
    moved = client.get("/items/4").json
    assert moved["member"] == "api"
    assert moved["self"] == "/items/4?q=x"
    assert client.get("/about").get_data(as_text=True) == "/items/9"
    assert client.get("/nothing-here").status_code == 404
    assert party.url_for("old_item", id=1) == "/items/1"  # the old name still builds


def test_explain_probes_every_route_through_starlettes_own_builder_and_matcher(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    shop = StarletteMember(starlette_apps.shop())
    dispatcher = RouteDispatcher({"shop": shop, "blog": blog_app()}, default="blog")
    party = make_party(dispatcher)
    explained = {e.endpoint: e for e in dispatcher.explain(party) if e.member == "shop"}
    assert {name: e.note for name, e in explained.items() if e.note} == {}
    assert explained["catalog:entry"].probe == "/x/catalog/1"
    assert explained["by_id"].served_by == "shop"


# -- partyline in the app -------------------------------------------------------------


def test_partyline_is_bound_in_sync_and_async_endpoints_and_dependencies(site: Site) -> None:
    for path in ("/api/items/1", "/api/async/1"):
        page = site.json(path)
        assert page["member"] == "api"
        assert page["dependency"] == "api"
        assert page["script_name"] == "/api"
    assert site.json("/api/products/2")["member"] == "api"
    assert site.json("/api/v1/things/a")["member"] == "api"
    assert site.json("/shop/en/catalog/3")["params"] == {"lang": "en", "n": 3}


def test_templates_get_the_party_globals(site: Site) -> None:
    page = site.text("/api/page")
    found = dict(re.findall(r"<p id=(\w+)>(.*?)</p>", page))
    assert found == {
        "self": "/api/items/7",
        "blog": "/post/7",
        "filter": "/post/8",
        "member": "api",
        "who": "anonymous",
    }


def test_links_both_ways_with_flask_and_django(make_party: t.Callable[..., WSGIParty]) -> None:
    setup_django()
    from django.core.wsgi import get_wsgi_application

    api = StarletteMember(starlette_apps.api(), name="api")
    party = make_party(
        DispatcherMiddleware(blog_app(), {"/api": api, "/legacy": get_wsgi_application()})
    )
    client = BufferedClient(party)
    # FastAPI -> Flask and Django.
    assert client.get("/api/link?endpoint=blog:post&id=3").get_data(as_text=True) == "/post/3"
    django = client.get("/api/link?endpoint=legacy:polls:detail&pk=3").get_data(as_text=True)
    assert django == "/legacy/polls/3/"
    # Flask and Django -> FastAPI.
    assert client.get("/post/3").get_data(as_text=True) == "/api/items/3?q=from-blog"
    assert client.get("/product/5").get_data(as_text=True) == "/api/products/5"
    values = json.dumps({"product_id": 6})
    from_django = client.get(f"/legacy/link/?endpoint=api:product&values={values}")
    assert from_django.get_data(as_text=True) == "/api/products/6"


def test_the_django_login_reaches_fastapi_endpoints(make_party: t.Callable[..., WSGIParty]) -> None:
    setup_django()
    from django.contrib.auth.models import User
    from django.core.wsgi import get_wsgi_application

    user = User.objects.create_user(username=f"ann-{uuid.uuid4().hex[:8]}", password="pw")
    party = make_party(
        DispatcherMiddleware(
            blog_app(),
            {"/api": StarletteMember(starlette_apps.api()), "/legacy": get_wsgi_application()},
        )
    )
    client = BufferedClient(party)
    assert client.get("/api/items/1").json["user"] is None
    client.set_cookie(*session_cookie(user))
    assert client.get("/api/items/1").json["user"] == user.get_username()
    assert client.get("/api/async/1").json["user"] == user.get_username()
    header = client.get("/api/fragment/header").get_data(as_text=True)
    assert f"Hello {user.get_username()}" in header
    assert 'href="/legacy/polls/"' in header


def test_concurrent_requests_each_see_their_own_user(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    setup_django()
    from django.contrib.auth.models import User
    from django.core.wsgi import get_wsgi_application

    users = [
        User.objects.create_user(username=f"u{i}-{uuid.uuid4().hex[:6]}", password="pw")
        for i in range(8)
    ]
    cookies = [session_cookie(user) for user in users]
    party = make_party(
        DispatcherMiddleware(
            blog_app(),
            {"/api": StarletteMember(starlette_apps.api()), "/legacy": get_wsgi_application()},
        )
    )

    def visit(i: int) -> tuple[str, str | None, int]:
        client = BufferedClient(party)
        client.set_cookie(*cookies[i % len(users)])
        path = f"/api/{'async' if i % 2 else 'items'}/{i}"
        page = client.get(path).json
        return users[i % len(users)].get_username(), page["user"], page["id"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(visit, range(200)))
    assert [(want, got, i) for (want, got, i) in results if want != got] == []
    assert sorted(i for _, _, i in results) == list(range(200))


# -- login and look owned by the app -----------------------------------------------------


def test_a_dependency_sends_anonymous_visitors_to_the_owners_login_page(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from fastapi import Depends, HTTPException

    accounts = flask.Flask("accounts")
    accounts.secret_key = "not-a-secret"

    def session_user() -> Identity | None:
        name = flask.session.get("user")
        return Identity(name, name) if name else None

    FlaskParty(accounts, name="accounts", identity=session_user, login_endpoint="login")

    @accounts.route("/login")
    def login() -> str:
        return "login page"

    @accounts.route("/as/<name>")
    def log_in_as(name: str) -> str:
        flask.session["user"] = name
        return "ok"

    async def logged_in(request: Request) -> Identity:  # the guide's dependency
        user = party_identity(request)
        if user is None:
            raise HTTPException(303, headers={"Location": party_login_url(request)})
        return user

    app = FastAPI()

    login_required = Depends(logged_in)  # not in Annotated[]: a string cannot name a local

    @app.get("/pages/{name}")
    def page(name: str, user: Identity = login_required) -> dict[str, str]:
        return {"page": name, "user": user.name}

    party = make_party(
        DispatcherMiddleware(accounts, {"/api": StarletteMember(app)}),
        owners={"identity": "accounts"},
    )
    client = BufferedClient(party)
    response = client.get("/api/pages/caf%C3%A9%2050%25?ref=mail")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    # Back to this very page: its prefix, its path quoted as it came, its query.
    assert parse_qs(location.query)["next"] == ["/api/pages/caf%C3%A9%2050%25?ref=mail"]
    client.get("/as/ann")
    assert client.get("/api/pages/caf%C3%A9").json == {"page": "café", "user": "ann"}


def test_identity_makes_the_app_the_owner_of_login(make_party: t.Callable[..., WSGIParty]) -> None:
    api = StarletteMember(starlette_apps.api(), identity=starlette_apps.cookie_identity)
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    client = BufferedClient(party)
    assert set(party.member("api").services) >= {"identity"}
    assert client.get("/who").get_data(as_text=True) == "anonymous"
    client.set_cookie("user", "bob")
    assert client.get("/who").get_data(as_text=True) == "Bob"  # Flask asked the API
    assert client.get("/api/items/1").json["user"] == "Bob"  # the API answers itself


def test_an_identity_callable_must_return_an_identity(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    api = StarletteMember(starlette_apps.api(), identity=lambda request: "bob")
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    with pytest.raises(PartylineException, match=r"member 'api' returned str"):
        BufferedClient(party).get("/who")


def test_fragments_are_rendered_by_the_app_for_the_other_members(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    api = StarletteMember(starlette_apps.api(), fragments={"header": "chrome.html"})
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    client = BufferedClient(party)
    client.set_cookie("user", "carol")
    chrome = client.get("/chrome").get_data(as_text=True)
    # Rendered for the blog's request (its cookie), with the API's own links.
    assert chrome == "<nav>API for carol <a href='/api/items/1'>first item</a></nav>"
    assert client.get("/api/framed").get_data(as_text=True).startswith("<nav>API for carol")


def test_fragments_without_templates_say_how_to_give_them(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    app = starlette_apps.shop()
    member = StarletteMember(app, fragments={"header": "chrome.html"})
    party = make_party(DispatcherMiddleware(blog_app(), {"/shop": member}))
    with pytest.raises(PartylineException, match="templates=Jinja2Templates"):
        BufferedClient(party).get("/chrome")


# -- the WSGI side: invitations, errors, the event loop ---------------------------------


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_invite_paths_are_404_in_every_spelling(site: Site, spelling: str) -> None:
    for mount in ("/api", "/shop"):
        environ = create_environ("/")
        environ["PATH_INFO"] = mount + spelling
        _body, status, _headers = run_wsgi_app(site.party, environ, buffered=True)
        assert status.startswith("404"), (mount, spelling)
    # Alone (no party in front), the app itself has no such route.
    alone = StarletteMember(starlette_apps.api())
    try:
        assert BufferedClient(alone).get("/__invite__/").status_code == 404
    finally:
        alone.close()


# FastAPI 0.165 deprecates root_path=; apps written before still set it.
@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")
@pytest.mark.parametrize("mount", ["/v1", "/api"])
def test_a_fastapi_root_path_other_than_the_mount_is_warned_about_once(
    make_party: t.Callable[..., WSGIParty], caplog: pytest.LogCaptureFixture, mount: str
) -> None:
    app = FastAPI(root_path="/api")  # as set for a proxy, before the app joined

    @app.get("/items/{n}", name="item")
    def item(n: int) -> dict[str, int]:
        return {"n": n}

    party = make_party(DispatcherMiddleware(blog_app(), {mount: StarletteMember(app, name="api")}))
    client = BufferedClient(party)
    with caplog.at_level(logging.WARNING, logger="wsgi_party.starlette"):
        first = client.get(f"{mount}/items/1")
        client.get(f"{mount}/items/2")
    warnings = [r.getMessage() for r in caplog.records if r.name == "wsgi_party.starlette"]
    if mount == "/api":
        assert first.json == {"n": 1}
        assert warnings == []
    else:
        assert first.status_code == 404  # FastAPI routes "/v1/items/1" under "/api"
        assert warnings == [
            "member 'api': the app sets root_path='/api' but the party serves it at '/v1';"
            " FastAPI puts its root_path in every request, so its routes may not be found"
            " (404) and request.url_for differs from the party's links: drop root_path="
            " (the party gives each request its root), or serve the app at '/api'"
        ]


def test_an_exception_in_the_app_is_a_500_naming_the_member_in_the_log(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="wsgi_party.starlette"):
        response = site.client.get("/api/boom", buffered=True)
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == "wsgi_party.starlette"]
    assert len(records) == 1
    assert "member 'api'" in records[0].getMessage()
    assert "/api/boom" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)


def test_a_raw_asgi_app_that_raises_is_a_500(
    make_party: t.Callable[..., WSGIParty], caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        raise ValueError("no response at all")

    party = make_party(DispatcherMiddleware(blog_app(), {"/raw": StarletteMember(broken)}))
    with caplog.at_level(logging.ERROR, logger="wsgi_party.starlette"):
        status, body = serve(party, "/raw/x")
    assert status == "500 Internal Server Error"
    assert body == b"Server got itself in trouble"  # a2wsgi's own 500
    assert any("member 'raw'" in r.getMessage() for r in caplog.records)


def serve(app: t.Any, path: str) -> tuple[str, bytes]:
    """Call ``app`` as a WSGI server does (PEP 3333): the last status before
    the body counts, ``exc_info`` replaces headers not sent yet."""
    statuses: list[str] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
        statuses.append(status)
        return lambda data: None

    environ = create_environ(path)
    body = app(environ, start_response)
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return statuses[-1], data


def test_an_untrusted_host_is_a_400(make_party: t.Callable[..., WSGIParty]) -> None:
    api = StarletteMember(starlette_apps.api())
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    client = BufferedClient(party)
    response = client.get("/api/async/1", headers={"Host": "bad host"})  # a link to the blog
    assert response.status_code == 400
    own = client.get("/api/link?endpoint=item&id=1&_external=1", headers={"Host": "bad host"})
    assert own.status_code == 400
    own = client.get("/api/link?endpoint=item&id=1&_external=1", headers={"Host": "good.test"})
    assert own.get_data(as_text=True) == "http://good.test/api/items/1"


def test_closing_the_party_stops_the_event_loop_and_a_new_party_starts_it(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    api = StarletteMember(starlette_apps.api(), name="api")
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    assert api.runner.loop is None  # nothing runs before the first request
    assert BufferedClient(party).get("/api/items/1").status_code == 200
    loop = api.runner.loop
    assert loop is not None and loop.is_running()
    threads = [t for t in threading.enumerate() if t.name == "wsgi_party.starlette loop"]
    party.close()
    assert api.runner.loop is None
    assert loop.is_closed()
    assert not any(t.is_alive() for t in threads if t not in threading.enumerate())
    again = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    assert BufferedClient(again).get("/api/async/2").json["member"] == "api"
    assert api.runner.loop is not None and api.runner.loop is not loop


def test_a_body_closed_before_its_end_cancels_the_apps_task(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    cancelled = threading.Event()

    async def stream(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] != "http":
            return  # no lifespan
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"chunk", "more_body": True})
        except asyncio.CancelledError:
            cancelled.set()
            raise

    party = make_party(DispatcherMiddleware(blog_app(), {"/api": StarletteMember(stream)}))
    body = party(create_environ("/api/stream"), lambda *args: None)
    chunks = iter(body)
    assert next(chunks) == b"chunk"  # the client reads one chunk and goes away
    body.close()  # as the server does then
    # Without the cancel the task would wait for its next send until the party closed.
    assert cancelled.wait(30), "the app's task was never cancelled"


def test_the_lifespan_runs_before_the_first_request_and_ends_with_the_party(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> t.AsyncIterator[dict[str, t.Any]]:
        events.append("startup")
        yield {"pool": "open"}
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/state")
    async def state(request: Request) -> dict[str, t.Any]:
        request.state.mine = "only this request's"
        return {"pool": request.state.pool, "events": list(events)}

    party = make_party(DispatcherMiddleware(blog_app(), {"/api": StarletteMember(app)}))
    client = BufferedClient(party)
    assert events == []  # joining starts nothing
    assert client.get("/api/state").json == {"pool": "open", "events": ["startup"]}
    assert client.get("/api/state").json == {"pool": "open", "events": ["startup"]}
    party.close()
    assert events == ["startup", "shutdown"]


EXIT_WITHOUT_CLOSE = """
import contextlib
from fastapi import FastAPI
from werkzeug.test import Client
from wsgi_party import WSGIParty
from wsgi_party.starlette import StarletteMember

@contextlib.asynccontextmanager
async def lifespan(app):
    yield
    print("shutdown ran", flush=True)

app = FastAPI(lifespan=lifespan)
app.get("/")(lambda: "ok")
party = WSGIParty(StarletteMember(app, name="api"))
assert Client(party).get("/", buffered=True).status_code == 200
# the process ends without party.close(), as a server's worker does
"""


def test_a_process_ending_without_closing_the_party_still_shuts_the_app_down() -> None:
    result = subprocess.run(
        [sys.executable, "-c", EXIT_WITHOUT_CLOSE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "shutdown ran\n"
    assert "Task was destroyed" not in result.stderr, result.stderr


def test_a_failed_lifespan_startup_raises_naming_the_member_and_is_tried_again(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    attempts: list[int] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> t.AsyncIterator[None]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/ok")
    def ok() -> str:
        return "ok"

    member = StarletteMember(app, name="api")
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": member}))
    with pytest.raises(LifespanFailed) as info:
        BufferedClient(party).get("/api/ok")
    assert str(info.value) == (
        "the lifespan startup of member 'api' failed: RuntimeError: database down"
    )
    assert isinstance(info.value.__cause__, RuntimeError)
    assert member.runner.loop is None
    assert BufferedClient(party).get("/api/ok").json == "ok"
    assert len(attempts) == 2


def test_the_app_alone_builds_its_own_links_and_says_the_party_is_missing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = StarletteMember(starlette_apps.api())
    try:
        client = BufferedClient(api)
        link = client.get("/link?endpoint=item&id=3&x=1")
        assert link.get_data(as_text=True) == "/items/3?x=1"
        external = client.get("/link?endpoint=product&product_id=3&_external=1")
        assert external.get_data(as_text=True) == "http://localhost/products/3"
        assert client.get("/link?endpoint=blog:post&id=3", buffered=True).status_code == 500
        # Alone, as every framework: anonymous (see test_a_starlette_app_alone_...).
        assert client.get("/whoami", buffered=True).status_code == 200
    finally:
        api.close()
    (first,) = raised_in_app(caplog)
    assert isinstance(first, PartyBuildError)
    assert "is not in a party" in str(first)


def test_an_unnamed_app_alone_is_named_by_its_framework_not_none() -> None:
    api = StarletteMember(starlette_apps.api())  # no name, in no party
    try:
        assert api.app_label() == "the Starlette app"
        named = StarletteMember(starlette_apps.api(), name="api")
        assert named.app_label() == "Starlette app 'api'"
        named.close()
        from starlette.requests import Request

        request = Request(
            {"type": "http", "path": "/x", "headers": [], "query_string": b"", "app": api.app}
        )
        with pytest.raises(PartyBuildError, match="the Starlette app is not in a party") as info:
            party_url(request, "blog:post", id=1)
        assert "None" not in str(info.value)
    finally:
        api.close()


def test_party_build_error_is_starlettes_no_match_found(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    response = site.client.get("/api/link?endpoint=nobody:builds&id=1", buffered=True)
    assert response.status_code == 500
    [error] = raised_in_app(caplog)
    assert isinstance(error, NoMatchFound)
    assert isinstance(error, UrlBuildError)
    assert "member 'api'" in str(error)
    assert "'nobody:builds'" in str(error)


def test_a_request_not_served_by_a_member_is_refused_clearly() -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "path": "/x", "headers": [], "query_string": b""})
    with pytest.raises(NoPartylineContext, match="StarletteMember"):
        party_url(request, "item", id=1)


def test_identity_given_to_the_app_may_not_be_a_coroutine_function(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    async def identity(request: t.Any) -> Identity | None:
        return None

    api = StarletteMember(starlette_apps.api(), identity=identity)
    party = make_party(DispatcherMiddleware(blog_app(), {"/api": api}))
    with pytest.raises(PartylineException, match="coroutine function"):
        BufferedClient(party).get("/who")


# -- real servers ---------------------------------------------------------------------

SITE = "tests.sites.starlette_site:application"

SERVERS = {
    # 16 threads, one process.
    "waitress": ["{waitress-serve}", "--listen={bind}", "--threads=16", SITE],
    # Two forked workers with threads; the party bootstrapped in the master
    # before the fork, the members' event loops start in each worker.
    "gunicorn-gthread": [
        "{gunicorn}",
        "--bind",
        "{bind}",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--preload",
        "--graceful-timeout",
        "2",
        SITE,
    ],
}


#: Console scripts named in SERVERS as "{name}".
COMMANDS = ("waitress-serve", "gunicorn")


def server_argv(name: str) -> list[str]:
    from tests.test_servers import command

    return [
        command(arg[1:-1]) if arg[1:-1] in COMMANDS and arg[0] == "{" else arg
        for arg in SERVERS[name]
    ]


@pytest.mark.server
@pytest.mark.parametrize("server_name", list(SERVERS))
def test_concurrent_users_under_a_real_server_each_see_their_own(server_name: str) -> None:
    from tests.conftest import LOAD_REPORT
    from tests.servers import Server, load

    users = [f"user{i}" for i in range(12)]

    def path(i: int) -> str:
        return f"/api/{'async' if i % 2 else 'items'}/{i}"

    def headers(i: int) -> dict[str, str]:
        return {"Cookie": f"user={users[i % len(users)]}", "Host": f"h{i % 3}.localhost"}

    with Server(server_argv(server_name)) as server:
        result = load(server.port, path, threads=12, requests=20, headers_for=headers)
        invite = [server.get(f"/api{spelling}").status for spelling in SPELLINGS]
        boom = server.get("/api/boom")
        blog = server.get("/post/5")
        pids = {json.loads(server.get("/api/pid").body)["pid"] for _ in range(20)}
        workers = set(server.children()) if server_name.startswith("gunicorn") else {server.pid}
    LOAD_REPORT.append(f"starlette {server_name}: 12 threads x 20: {result.summary()}")
    assert result.errors == []
    assert result.statuses == {200: 240}
    for reply in result.replies:
        page = json.loads(reply.body)
        i = reply.index
        assert page["user"] == users[i % len(users)].title(), (i, page)
        assert page["id"] == i
        assert page["member"] == "api"
        assert page["dependency"] == "api"
        if i % 2:  # external: the request's own host
            assert page["blog"] == f"http://h{i % 3}.localhost/post/{i}#c"
        else:
            assert page["self"] == f"/api/items/{i}?q=x"
    assert invite == [404] * len(SPELLINGS)
    assert boom.status == 500
    assert "member 'api'" in server.log()
    assert blog.body == b"/api/items/5"
    # Under gunicorn the loop started in the master at import: each worker
    # answered from a loop of its own (a copied one would never run).
    assert pids <= workers, (pids, workers)


def test_a_starlette_app_alone_behaves_as_every_framework_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Alone (served by itself, no party): identity None with one warning,
    other members' fragments from the fallback, links to them a build error
    saying the app is not in a party (see docs/concepts.rst, An app alone)."""
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from wsgi_party.starlette import (
        PartyBuildError,
        StarletteMember,
        party_fragment,
        party_identity,
        party_url,
    )

    def page(request: StarletteRequest) -> JSONResponse:
        try:
            party_url(request, "legacy:index")
        except PartyBuildError as exc:
            link_error = str(exc)
        return JSONResponse(
            {
                "who": party_identity(request),
                "header": str(party_fragment(request, "header")),
                "footer": str(party_fragment(request, "footer")),
                "link_error": link_error,
                "own": party_url(request, "page"),
            }
        )

    app = Starlette(routes=[Route("/page", page, name="page")])
    member = StarletteMember(app, name="api", fragment_fallback={"header": "<header/>"})
    try:
        client = BufferedClient(member)
        with caplog.at_level(logging.WARNING, logger="wsgi_party"):
            first = client.get("/page").get_json()
            second = client.get("/page").get_json()
    finally:
        member.close()
    assert first == second
    assert first["who"] is None
    assert first["header"] == "<header/>"
    assert first["footer"] == ""
    assert "is not in a party" in first["link_error"]
    assert first["own"].endswith("/page")
    alone = [r for r in caplog.records if "party_identity() is None" in r.getMessage()]
    assert len(alone) == 1, "warned once per app, not per request"
    assert "Starlette app 'api'" in alone[0].getMessage()


@pytest.mark.parametrize(
    ("owners", "expected"), [({"identity": "blog"}, "flask-user"), ({}, "api-user")]
)
def test_an_api_with_a_login_of_its_own_asks_the_named_owner(
    make_party: t.Callable[..., WSGIParty], owners: dict[str, str], expected: str
) -> None:
    """party_identity(request) in a FastAPI app given identity= is the
    owner's answer once the party names another member the owner, and the
    app's own answer otherwise (issue: owners)."""
    blog = flask.Flask("blog")
    FlaskParty(blog, name="blog", identity=lambda: Identity(id="1", name="flask-user"))
    api_app = FastAPI()

    @api_app.get("/who")
    def who(request: Request) -> dict[str, t.Any]:
        identity = party_identity(request)
        return {"name": identity.name if identity is not None else None}

    api = StarletteMember(
        api_app, name="api", identity=lambda request: Identity(id="2", name="api-user")
    )
    party = make_party(DispatcherMiddleware(blog, {"/api": api}), owners=owners or None)
    response = BufferedClient(party).get("/api/who")
    assert response.status_code == 200
    assert response.get_json() == {"name": expected}
