"""The Pyramid integration, with real Pyramid apps and real werkzeug peers.

The site: a werkzeug app (``blog``, a PartyMember with a ``Map``) at the root,
the Pyramid app of tests/pyramid_apps (``admin``: login, chrome) at
``/admin`` and, where a second Pyramid app is needed, ``shop`` at ``/shop``;
all under DispatcherMiddleware wrapped in WSGIParty, driven with
werkzeug's test Client.
"""

from __future__ import annotations

import threading
import typing as t

import pytest
from markupsafe import Markup
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import IRoutesMapper, ITweens
from pyramid.request import Request as PyramidRequest
from pyramid.scripting import prepare
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map, Rule
from werkzeug.test import Client, create_environ, run_wsgi_app
from werkzeug.wrappers import Request, Response

import wsgi_party
from tests.pyramid_apps import USERS, make_admin, make_shop
from wsgi_party import (
    HighAndDry,
    Identity,
    MatchRequest,
    NoAnswer,
    NoPartylineContext,
    PartylineException,
    PartyMember,
    RouteDispatcher,
    UrlBuildError,
    WSGIParty,
    bind_request,
    partyline,
    unbind_request,
)
from wsgi_party.pyramid import (
    INVITE_ROUTE,
    NoSuchRoute,
    PartyUrlArgumentError,
    PyramidConfigurationError,
    party_member,
    partyline_tween_factory,
)

MakeParty = t.Callable[..., WSGIParty]


def blog_map() -> Map:
    return Map(
        [
            Rule("/", endpoint="index"),
            Rule("/post/<int:id>", endpoint="post"),
            Rule("/link", endpoint="link"),
            Rule("/whoami", endpoint="whoami"),
            Rule("/chrome/<name>", endpoint="chrome"),
        ]
    )


def make_blog(barrier: threading.Barrier | None = None) -> PartyMember:
    """The werkzeug peer: links, identity and chrome asked of the party."""
    url_map = blog_map()

    @Request.application
    def blog(request: Request) -> Response:
        endpoint, args = url_map.bind_to_environ(request.environ).match()
        if endpoint == "link":
            values: dict[str, t.Any] = {
                k: v[0] if len(v) == 1 else v for k, v in request.args.lists()
            }
            return Response(partyline.url_for(values.pop("endpoint"), **values))
        if endpoint == "whoami":
            first = partyline.ask_first("identity", None)
            if barrier is not None:
                barrier.wait()  # every thread's request is in flight at once
            return Response(f"{describe(first)};{describe(partyline.ask_first('identity', None))}")
        if endpoint == "chrome":
            return Response(partyline.ask_first("layout", args["name"]))
        return Response(f"blog {endpoint} {args}")

    return PartyMember(blog, name="blog", url_map=url_map)


def describe(identity: Identity | None) -> str:
    if identity is None:
        return "anonymous"
    return f"{identity.id}|{identity.name}|{','.join(sorted(identity.roles))}"


def expected_identity(userid: str | None) -> str:
    if userid is None:
        return "anonymous"
    user = USERS[userid]
    return f"{userid}|{user['name']}|{','.join(sorted(user['groups']))}"


def not_found(environ: t.Any, start_response: t.Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"outer 404"]


@pytest.fixture
def admin() -> t.Any:
    return make_admin()


@pytest.fixture
def party(make_party: MakeParty, admin: t.Any) -> WSGIParty:
    return make_party(DispatcherMiddleware(make_blog(), {"/admin": admin, "/shop": make_shop()}))


@pytest.fixture
def client(party: WSGIParty) -> Client:
    return Client(party)


def renders_of(app: t.Any, template: str) -> list[t.Any]:
    """The requests ``template`` was rendered with in ``app``."""
    return [request for spec, request in app.registry["test.renders"] if spec.endswith(template)]


# -- joining -------------------------------------------------------------------


def test_app_joins_under_the_name_from_its_settings(party: WSGIParty, admin: t.Any) -> None:
    member = party.member("admin")
    assert member.script_name == "/admin"
    assert party_member(admin.registry).operator is member.operator
    assert set(member.services) == {"url", "ping", "routes", "match", "identity", "layout"}
    assert party.ask("admin", "ping", None).member == "admin"


def test_app_without_a_name_setting_is_named_after_its_mount(make_party: MakeParty) -> None:
    party = make_party(DispatcherMiddleware(make_blog(), {"/staff/area": make_admin(name=None)}))
    assert [m.name for m in party.members] == ["blog", "staff.area"]


def test_invite_route_is_not_found_over_http(client: Client, admin: t.Any) -> None:
    through_party = client.get("/admin/__invite__/")
    assert through_party.status_code == 404
    alone = Client(admin).get("/__invite__/")
    assert alone.status_code == 404
    assert alone.text == "not found (admin)"  # the app's own not-found view
    forged = create_environ("/__invite__/")
    forged["partyline"] = "an operator, honest"
    _app_iter, status, _headers = run_wsgi_app(admin, forged, buffered=True)
    assert status.startswith("404")


def test_second_live_party_is_declined_with_a_clear_reason(
    make_party: MakeParty, party: WSGIParty, admin: t.Any
) -> None:
    other = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    assert [m.name for m in other.members] == ["blog"]
    [declined] = other.declined
    assert declined.path == "/admin/__invite__/"
    assert "already member 'admin'" in declined.reason
    assert "close()" in declined.reason
    # The app itself answers such an invitation with 409 and the reason.
    environ = create_environ("/__invite__/")
    environ[WSGIParty.partyline_key] = other.operator_class(other)
    app_iter, status, _headers = run_wsgi_app(admin, environ, buffered=True)
    assert status.startswith("409")
    assert b"already member 'admin'" in b"".join(app_iter)
    assert party_member(admin.registry).operator is party.member("admin").operator


def test_closed_party_releases_the_app_for_a_new_party(
    make_party: MakeParty, party: WSGIParty, admin: t.Any
) -> None:
    party.close()
    assert party_member(admin.registry).operator is None
    again = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    assert party_member(admin.registry).operator is again.member("admin").operator
    assert again.url_for("admin:post", id=5) == "/admin/post/5"
    assert Client(again).get("/admin/scope").text == "admin True"


def test_including_twice_registers_once() -> None:
    config = Configurator(settings={"wsgi_party.name": "twice"})
    config.include("wsgi_party.pyramid")
    member = party_member(config.registry)
    config.include("wsgi_party.pyramid")
    app = config.make_wsgi_app()
    assert party_member(app.registry) is member


def test_fragments_setting_accepts_a_dict_or_lines() -> None:
    lines = Configurator(
        settings={"wsgi_party.fragments": "\n# chrome\nheader = pkg:h.pt\nfooter=pkg:f.pt\n"}
    )
    lines.include("wsgi_party.pyramid")
    mapping = {"header": "pkg:h.pt", "footer": "pkg:f.pt"}
    as_dict = Configurator(settings={"wsgi_party.fragments": mapping})
    as_dict.include("wsgi_party.pyramid")
    assert party_member(lines.registry).fragments == mapping
    assert party_member(as_dict.registry).fragments == mapping


@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [
        ("wsgi_party.fragments", "header pkg:h.pt", "'header pkg:h.pt' is not 'name = renderer'"),
        ("wsgi_party.fragments", "header =", "needs both a name and a renderer"),
        ("wsgi_party.name", "a:b", "wsgi_party.name must be a non-empty string without ':'"),
        ("wsgi_party.identity", "tests.pyramid_apps.USERS", "wsgi_party.identity must name a"),
    ],
)
def test_bad_settings_fail_at_configuration_naming_the_setting(
    setting: str, value: str, complaint: str
) -> None:
    config = Configurator(settings={setting: value})
    with pytest.raises(ConfigurationError, match=complaint):
        config.include("wsgi_party.pyramid")


def test_bad_settings_are_a_partyline_configuration_error() -> None:
    config = Configurator(settings={"wsgi_party.name": "a:b"})
    with pytest.raises(PyramidConfigurationError) as caught:
        config.include("wsgi_party.pyramid")
    assert isinstance(caught.value, ConfigurationError)  # what Pyramid apps catch
    assert isinstance(caught.value, wsgi_party.ConfigurationError)
    assert isinstance(caught.value, PartylineException)


def test_party_member_names_the_missing_include() -> None:
    config = Configurator()
    with pytest.raises(
        PyramidConfigurationError, match=r'config\.include\("wsgi_party\.pyramid"\)'
    ):
        party_member(config.registry)


# -- the tween -----------------------------------------------------------------


def test_tween_is_registered_under_its_public_dotted_name() -> None:
    config = Configurator()
    config.include("wsgi_party.pyramid")
    app = config.make_wsgi_app()
    tweens = dict(app.registry.getUtility(ITweens).implicit())
    name = "wsgi_party.pyramid.partyline_tween_factory"
    assert tweens[name] is partyline_tween_factory
    assert config.maybe_dotted(name) is partyline_tween_factory


def test_tween_binds_partyline_during_the_apps_requests(client: Client) -> None:
    assert client.get("/admin/scope").text == "admin True"
    # Exception views (here the not-found view) run inside the binding too.
    assert client.get("/admin/no/such/page").text == "not found (admin)"
    with pytest.raises(NoPartylineContext):
        partyline.name  # noqa: B018 - outside any request


# -- url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "values"),
    [
        ("post", {"id": "3"}),
        ("home", {}),
        ("docs", {"slug": "intro"}),  # the pregenerator fills lang from the registry
        ("docs", {"slug": "intro", "lang": "fr"}),
        ("feed", {}),  # the pregenerator adds an element and a _query
        ("feed", {"format": "atom"}),
        ("files", {"subpath": "a/b c"}),  # *subpath
        ("post", {"id": "café & crème/?"}),
        ("post", {"id": "3", "_anchor": "part 2/b"}),
        ("post", {"id": "3", "_external": "1"}),
        ("docs", {"slug": "intro", "_external": "1"}),
    ],
)
def test_cross_app_url_equals_the_apps_own_route_path(
    client: Client, route: str, values: dict[str, str]
) -> None:
    own = client.get(f"/admin/own-path/{route}", query_string=values)
    assert own.status_code == 200
    from_blog = client.get("/link", query_string={"endpoint": f"admin:{route}", **values})
    assert from_blog.text == own.text
    from_itself = client.get(f"/admin/party-link/{route}", query_string=values)
    assert from_itself.text == own.text


def test_unused_values_become_the_query_string_as_werkzeug_writes_it(
    party: WSGIParty,
) -> None:
    values: dict[str, t.Any] = {
        "q": "a b&c=d",
        "tags": ["x", "y/z"],
        "empty": None,
        "ünï": "cödé?",
        "n": 7,
    }
    pyramid_url = party.url_for("admin:post", id=3, **values)
    werkzeug_url = party.url_for("blog:post", id=3, **values)
    direct = blog_map().bind("localhost").build("post", {"id": 3, **values}, append_unknown=True)
    assert pyramid_url.startswith("/admin/post/3?")
    assert pyramid_url.split("?", 1)[1] == werkzeug_url.split("?", 1)[1]
    assert pyramid_url.split("?", 1)[1] == direct.split("?", 1)[1]


def test_built_paths_are_cached_by_value_and_type(party: WSGIParty, admin: t.Any) -> None:
    own = PyramidRequest.blank("/", base_url="http://localhost/admin")
    own.registry = admin.registry
    for value in (1, True, 1.0, "1", 1):  # equal as dict keys, different paths
        assert party.url_for("admin:post", id=value) == own.route_path("post", id=value)
        assert party.url_for("admin:archive", year=2024, month=value) == own.route_path(
            "archive", year=2024, month=value
        )


def test_party_url_takes_pyramids_query_argument(party: WSGIParty, admin: t.Any) -> None:
    with prepare(registry=admin.registry) as env:
        request = env["request"]
        assert request.party_url("post", id=3, _query={"page": 2}) == party.url_for(
            "admin:post", id=3, page=2
        )
        pairs = request.party_url("blog:post", id=3, _query=[("t", "a"), ("t", "b")])
        assert pairs == party.url_for("blog:post", id=3, t=["a", "b"])
        with pytest.raises(TypeError, match="_host"):
            request.party_url("post", id=3, _host="example.com")


@pytest.mark.parametrize(
    ("argument", "complaint"),
    [
        ({"_app_url": "http://example.com"}, "does not take _app_url"),
        ({"_host": "example.com"}, "does not take _host"),
        ({"_port": "8080"}, "does not take _port"),
        ({"_query": "a=1"}, "takes _query as a mapping or"),
    ],
)
def test_bad_party_url_arguments_are_partyline_type_errors(
    party: WSGIParty, admin: t.Any, argument: dict[str, str], complaint: str
) -> None:
    with (
        prepare(registry=admin.registry) as env,
        pytest.raises(PartyUrlArgumentError, match=complaint) as caught,
    ):
        env["request"].party_url("post", id=3, **argument)
    assert "party_url('post')" in str(caught.value)
    assert isinstance(caught.value, TypeError)  # what callers caught before 0.3
    assert isinstance(caught.value, PartylineException)


def test_party_url_links_both_ways_from_views_and_templates(
    client: Client, party: WSGIParty
) -> None:
    # Pyramid -> werkzeug, from a view and from a template.
    assert client.get("/admin/party-link/blog:post?id=4&x=1").text == party.url_for(
        "blog:post", id=4, x=1
    )
    assert (
        f'<a href="{party.url_for("blog:post", id=3)}">link</a>' in client.get("/admin/page").text
    )
    # werkzeug -> Pyramid, and Pyramid -> Pyramid from a template.
    assert client.get("/link?endpoint=admin:post&id=3").text == party.url_for("admin:post", id=3)
    assert (
        f'<a href="{party.url_for("admin:post", id=7)}">link</a>' in client.get("/shop/cart").text
    )


def test_party_url_prefers_the_apps_own_route(client: Client, party: WSGIParty) -> None:
    local = client.get("/admin/party-link/post?id=4").text
    assert local == client.get("/admin/own-path/post?id=4").text
    assert party.url_for("post", id=4) != local  # asked around, the blog answers first


def test_links_carry_the_partys_own_prefix(make_party: MakeParty, admin: t.Any) -> None:
    party = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    client = Client(DispatcherMiddleware(not_found, {"/outer": party}))
    own = client.get("/outer/admin/own-path/post?id=3").text
    assert own.startswith("/outer/admin/post/")
    assert client.get("/outer/link?endpoint=admin:post&id=3").text == own
    to_blog = client.get("/outer/admin/party-link/blog:index").text
    assert to_blog == "/outer/"
    header = client.get("/outer/chrome/header").text
    assert 'data-script="/outer/admin"' in header
    assert f'href="{client.get("/outer/admin/own-path/home").text}"' in header
    assert f'href="{to_blog}"' in header


def test_external_links_behind_a_proxy_use_the_forwarded_scheme_and_host(
    make_party: MakeParty, admin: t.Any
) -> None:
    party = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    client = Client(ProxyFix(party, x_proto=1, x_host=1))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.org"}
    own = client.get("/admin/own-path/post?id=3&_external=1", headers=headers).text
    assert own.startswith("https://shop.example.org/admin/")
    assert client.get("/link?endpoint=admin:post&id=3&_external=1", headers=headers).text == own
    to_blog = client.get("/admin/party-link/blog:post?id=3&_external=1", headers=headers).text
    assert to_blog == "https://shop.example.org" + party.url_for("blog:post", id=3)


def test_urls_outside_a_request_use_the_partys_base_url(
    make_party: MakeParty, admin: t.Any
) -> None:
    party = make_party(
        DispatcherMiddleware(make_blog(), {"/admin": admin}), base_url="https://example.com/site"
    )
    own = PyramidRequest.blank("/", base_url="https://example.com/site/admin")
    own.registry = admin.registry
    assert party.url_for("admin:post", id=3, _external=True) == own.route_url("post", id=3)
    assert party.url_for("admin:docs", slug="x") == own.route_path("docs", slug="x")


def test_unknown_endpoint_raises_key_error_naming_endpoint_and_members(
    client: Client, party: WSGIParty, admin: t.Any
) -> None:
    others = tuple(m.name for m in party.members if m.name != "admin")
    with prepare(registry=admin.registry) as env, pytest.raises(KeyError) as caught:
        env["request"].party_url("nope", id=1)
    error = caught.value
    assert isinstance(error, NoSuchRoute)
    assert isinstance(error, UrlBuildError)
    assert (error.endpoint, error.asked) == ("nope", others)
    assert "'nope'" in str(error)
    assert ", ".join(map(repr, others)) in str(error)
    over_http = client.get("/admin/party-link/nope")
    assert over_http.text == f"KeyError: {error}"


def test_missing_values_and_wrong_methods_do_not_build(party: WSGIParty, admin: t.Any) -> None:
    with prepare(registry=admin.registry) as env:
        with pytest.raises(
            KeyError, match=r"member 'admin' has 'post' but could not build it: missing value 'id'"
        ) as missing:
            env["request"].party_url("post")
        assert type(missing.value.__cause__) is KeyError  # Pyramid's own, from route.generate
        assert env["request"].party_url("submit", _method="POST").endswith("/submit")
    with pytest.raises(
        UrlBuildError, match=r"'admin:post' but could not build it: missing value 'id'"
    ):
        party.url_for("admin:post")
    with pytest.raises(UrlBuildError, match=r"'admin:submit' but .*: it serves POST, not GET$"):
        party.url_for("admin:submit", _method="GET")
    assert party.url_for("admin:submit", _method="POST") == "/admin/submit"


def test_a_value_missing_outside_any_party_names_the_value(admin: t.Any) -> None:
    with prepare(registry=admin.registry) as env, pytest.raises(KeyError) as missing:
        env["request"].party_url("post")
    # The app's configured name, though it is in no party.
    assert "member 'admin' has 'post' but could not build it: missing value 'id'" in str(
        missing.value
    )
    assert type(missing.value.__cause__) is KeyError  # Pyramid's own, from route.generate


# -- routes and match ------------------------------------------------------------


def test_routes_lists_names_patterns_and_request_methods(party: WSGIParty, admin: t.Any) -> None:
    routes = {r.endpoint: r for r in party.ask("admin", "routes", None)}
    mapper = admin.registry.getUtility(IRoutesMapper)
    assert list(routes) == [r.name for r in mapper.get_routes() if r.name != INVITE_ROUTE]
    assert routes["post"].rule == "/admin" + mapper.get_route("post").pattern
    assert routes["post"].methods == ()
    assert routes["submit"].methods == ("POST",)  # the route's request_method
    assert routes["edit"].methods == ("POST", "PUT")  # its views' request_method


def test_match_follows_the_routers_predicates_without_calling_a_view(
    party: WSGIParty, admin: t.Any
) -> None:
    calls = admin.registry["test.calls"]

    def match(method: str, path: str) -> tuple[str | None, bool, tuple[str, ...]]:
        found = party.ask("admin", "match", MatchRequest(method, path))
        return found.endpoint, found.allowed, found.methods

    assert match("GET", "/post/3") == ("post", True, ())
    assert match("GET", "/submit") == (None, False, ("POST",))
    assert match("POST", "/submit") == ("submit", True, ("POST",))
    assert match("GET", "/edit/3") == (None, False, ("POST", "PUT"))
    assert match("PUT", "/edit/3") == ("edit", True, ("POST", "PUT"))
    assert match("GET", "/v2/items") == ("items", True, ())  # path_info predicate holds
    assert match("GET", "/caf%C3%A9/docs/x".replace("%C3%A9", "\xc3\xa9")) == ("docs", True, ())
    for method, path in [("GET", "/beta/items"), ("GET", "/edit/x"), ("GET", "/__invite__/")]:
        with pytest.raises(NoAnswer):
            party.ask("admin", "match", MatchRequest(method, path))
    assert calls == []


def test_route_dispatcher_sends_a_pyramid_apps_routes_to_it(
    make_party: MakeParty, admin: t.Any
) -> None:
    party = make_party(RouteDispatcher({"admin": admin, "legacy": make_blog()}, default="legacy"))
    client = Client(party)
    assert client.get("/post/3").text == "post"  # both have it; admin is listed first
    assert client.post("/submit").text == "submit"
    assert client.get("/whoami").text == "anonymous;anonymous"  # admin has no such route
    assert admin.registry["test.calls"] == ["post", "submit"]


# -- identity --------------------------------------------------------------------


def test_identity_comes_from_the_apps_security_policy(client: Client) -> None:
    assert client.get("/whoami").text == "anonymous;anonymous"
    client.get("/admin/login/alice")
    alice = expected_identity("alice")
    assert client.get("/whoami").text == f"{alice};{alice}"


def test_each_concurrent_request_sees_its_own_user(make_party: MakeParty) -> None:
    users = ["alice", "bob", "carol", None]
    barrier = threading.Barrier(len(users), timeout=10)
    party = make_party(DispatcherMiddleware(make_blog(barrier), {"/admin": make_admin()}))
    seen: dict[str | None, str] = {}

    def visit(userid: str | None) -> None:
        client = Client(party)
        if userid is not None:
            client.get(f"/admin/login/{userid}")
        seen[userid] = client.get("/whoami").text

    threads = [threading.Thread(target=visit, args=(userid,)) for userid in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {u: f"{expected_identity(u)};{expected_identity(u)}" for u in users}


def test_identity_is_only_answered_inside_a_request(party: WSGIParty) -> None:
    with pytest.raises(NoPartylineContext, match="'admin'"):
        party.ask("admin", "identity", None)


def test_app_without_a_security_policy_offers_no_identity(make_party: MakeParty) -> None:
    party = make_party(DispatcherMiddleware(make_blog(), {"/admin": make_admin(security=False)}))
    assert "identity" not in party.member("admin").services


def test_identity_setting_offers_identity_without_a_security_policy(
    make_party: MakeParty,
) -> None:
    admin = make_admin(
        security=False, **{"wsgi_party.identity": "tests.pyramid_apps.build_identity"}
    )
    party = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    assert "identity" in party.member("admin").services


def test_identity_setting_builds_the_identity(make_party: MakeParty) -> None:
    admin = make_admin(**{"wsgi_party.identity": "tests.pyramid_apps.build_identity"})
    party = make_party(DispatcherMiddleware(make_blog(), {"/admin": admin}))
    client = Client(party)
    client.get("/admin/login/carol")
    cookie = client.get_cookie("auth_tkt")
    assert cookie is not None
    environ = create_environ("/whoami", headers={"Cookie": f"auth_tkt={cookie.value}"})
    token = bind_request(party.member("blog").operator, environ)
    try:
        identity = party.ask("admin", "identity", None)
    finally:
        unbind_request(token)
    carol = USERS["carol"]
    assert identity == Identity(
        "carol",
        carol["name"],
        frozenset(g.removeprefix("group:") for g in carol["groups"]),
        {"email": carol["email"]},
    )


def test_pyramid_peer_gets_identity_and_renderer_globals(client: Client) -> None:
    client.get("/admin/login/bob")
    cart = client.get("/shop/cart").text
    assert 'data-member="shop"' in cart
    assert f"<span>{USERS['bob']['name']}</span>" in cart


# -- layout ----------------------------------------------------------------------


def test_layout_fragment_is_rendered_for_the_current_request(
    client: Client, party: WSGIParty, admin: t.Any
) -> None:
    client.get("/admin/login/alice")
    header = client.get("/chrome/header").text
    assert f'data-user="{USERS["alice"]["name"]}"' in header
    assert f'href="{party.url_for("blog:index")}"' in header
    [request] = renders_of(admin, "header.jinja2")
    assert request.registry is admin.registry
    assert request.script_name == party.member("admin").script_name
    assert "auth_tkt" in request.cookies
    assert "&copy; admin" in client.get("/chrome/footer").text


def test_party_fragment_renders_once_per_request_and_is_not_escaped(
    client: Client, admin: t.Any
) -> None:
    client.get("/admin/login/bob")
    header = client.get("/chrome/header").text
    for page in ("/shop/cart", "/shop/cart", "/admin/page"):
        before = len(renders_of(admin, "header.jinja2"))
        html = client.get(page).text
        assert html.count(header) == 2  # the template inserts it twice
        assert len(renders_of(admin, "header.jinja2")) == before + 1
    assert "&lt;b&gt;escaped&lt;/b&gt;" in html  # other values still are escaped
    # The app's own fragment is rendered with the page's own request.
    assert renders_of(admin, "header.jinja2")[-1] is renders_of(admin, "page.jinja2")[-1]


def test_each_answer_for_another_request_gets_an_app_request_of_its_own(
    party: WSGIParty, admin: t.Any
) -> None:
    # As each of the app's own requests: its tweens around it, its finished
    # callbacks after it (tests/test_answering_state.py), so none is shared.
    blog = party.member("blog").operator
    for _ in range(2):
        token = bind_request(blog, create_environ("/somewhere"))
        try:
            party.ask("admin", "layout", "header")
            party.ask("admin", "layout", "footer")
        finally:
            unbind_request(token)
    requests = renders_of(admin, "header.jinja2") + renders_of(admin, "footer.jinja2")
    assert len({id(request) for request in requests}) == 4
    assert all(request.path == "/admin/" for request in requests)


def test_party_fragment_is_markup_and_unknown_fragments_name_themselves(
    party: WSGIParty, admin: t.Any
) -> None:
    with prepare(registry=admin.registry) as env:
        fragment = env["request"].party_fragment("footer")
        assert isinstance(fragment, Markup)
        assert env["request"].party_fragment("footer") is fragment
    shop = next(app for app in _mounted(party) if party_member(app.registry).name == "shop")
    with prepare(registry=shop.registry) as env, pytest.raises(NoAnswer) as caught:
        env["request"].party_fragment("sidebar")
    assert "'sidebar'" in str(caught.value)
    assert "'admin'" in str(caught.value)
    with pytest.raises(NoPartylineContext):
        party.ask("admin", "layout", "header")
    with pytest.raises(NoAnswer):
        party.ask("admin", "layout", "sidebar")


def _mounted(party: WSGIParty) -> list[t.Any]:
    dispatcher = party.application
    assert isinstance(dispatcher, DispatcherMiddleware)
    return list(dispatcher.mounts.values())


def test_high_and_dry_for_routes_the_app_does_not_have(party: WSGIParty, admin: t.Any) -> None:
    member = party_member(admin.registry)
    for endpoint in ("nope", INVITE_ROUTE):
        with pytest.raises(HighAndDry):
            member.build_path(endpoint, {}, None)
