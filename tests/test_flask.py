"""The Flask integration: real Flask apps and a real Werkzeug peer in one party."""

from __future__ import annotations

import json
import threading
import typing as t

import pytest
from flask import Blueprint, Flask, request
from markupsafe import Markup
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import BuildError
from werkzeug.test import Client

from tests.flask_apps import (
    OUTER_PREFIX,
    Site,
    WerkzeugPeer,
    build_site,
    create_blog,
    not_found,
)
from wsgi_party import (
    Identity,
    Match,
    MatchRequest,
    NoAnswer,
    NoPartylineContext,
    PartylineException,
    PartyMember,
    RouteDispatcher,
    UrlBuildError,
    WSGIParty,
    partyline,
)
from wsgi_party.flask import (
    EXTENSION_KEY,
    INVITE_ENDPOINT,
    AlreadyInitialised,
    FlaskParty,
    PartyBuildError,
    party_fragment,
    party_identity,
    party_url,
)

MakeParty = t.Callable[..., WSGIParty]
TOPOLOGIES = list(OUTER_PREFIX)


@pytest.fixture(params=TOPOLOGIES)
def site(request: pytest.FixtureRequest, make_party: MakeParty) -> Site:
    """The standard site, plain, mounted under /site, or behind ProxyFix."""
    return build_site(make_party, request.param)


def get(site: Site, path: str, client: Client | None = None) -> str:
    """GET ``path`` under the party's outer prefix; the body, asserting 200."""
    response = (client or Client(site.wsgi)).get(site.path_prefix + path, headers=site.headers)
    assert response.status_code == 200, (path, response.status, response.text)
    return response.text


def show_number(**values: int) -> str:
    """A view for rules added by a test."""
    return str(values)


def case_query(endpoint: str, values: dict[str, t.Any]) -> str:
    """A ``?case=`` query carrying an endpoint and its values as JSON."""
    from urllib.parse import quote

    return "?case=" + quote(json.dumps([endpoint, values]))


# -- joining ----------------------------------------------------------------------


def test_members_join_with_given_and_derived_names(make_party: MakeParty) -> None:
    site = build_site(make_party)
    names = [m.name for m in site.party.members]
    assert names == ["shop", "blog", "wz"]  # shop chose its name, blog's came from /blog
    assert site.party.declined == ()
    blog_member = site.party.member("blog")
    assert blog_member.script_name == "/blog"
    assert site.blog.extensions[EXTENSION_KEY].operator is blog_member.operator
    assert {"url", "ping", "routes", "match"} <= set(blog_member.services)
    assert {"identity", "layout"} <= set(site.party.member("shop").services)
    assert "identity" not in blog_member.services


def test_member_name_comes_from_config_or_init_app(make_party: MakeParty) -> None:
    configured = create_blog()
    configured.config["WSGI_PARTY_NAME"] = "journal"
    renamed = Flask("renamed")
    FlaskParty(name="ignored").init_app(renamed, name="press")
    party = make_party(DispatcherMiddleware(not_found, {"/blog": configured, "/news": renamed}))
    assert [m.name for m in party.members] == ["journal", "press"]


def test_one_extension_initialises_several_apps(make_party: MakeParty) -> None:
    extension = FlaskParty()
    blog = create_blog(extension)
    docs = Flask("docs")

    @docs.route("/page/<name>")
    def page(name: str) -> str:
        return party_url("post", id=len(name))

    extension.init_app(docs)
    assert not hasattr(extension, "app")  # nothing bound to one app
    party = make_party(DispatcherMiddleware(not_found, {"/blog": blog, "/docs": docs}))
    assert [m.name for m in party.members] == ["blog", "docs"]
    assert blog.extensions[EXTENSION_KEY] is not docs.extensions[EXTENSION_KEY]
    assert Client(party).get("/docs/page/abc").text == "/blog/post/3"


def test_init_app_twice_on_one_app_is_an_error() -> None:
    app = Flask("twice")
    FlaskParty(app)
    with pytest.raises(RuntimeError, match="'twice'"):
        FlaskParty().init_app(app)


def test_init_app_twice_is_a_partyline_error_and_still_a_runtime_error() -> None:
    app = Flask("twice")
    FlaskParty(app)
    state = app.extensions[EXTENSION_KEY]
    with pytest.raises(AlreadyInitialised, match="init_app was already called") as info:
        FlaskParty(name="other").init_app(app)
    assert isinstance(info.value, PartylineException)
    assert isinstance(info.value, RuntimeError)
    assert app.extensions[EXTENSION_KEY] is state  # the first one is kept


def test_invite_route_is_not_reachable_over_http(make_party: MakeParty) -> None:
    site = build_site(make_party)
    client = Client(site.wsgi)
    for path in ("/blog/__invite__/", "/blog/__invite__", "/__invite__/"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/__invite__/", "/__invite__"])
def test_invite_route_without_an_operator_answers_404(method: str, path: str) -> None:
    app = create_blog()
    client = app.test_client()
    # No redirect to the slash, no 405, no OPTIONS: nothing tells the route exists.
    assert client.open(path, method=method).status_code == 404
    forged = client.open(path, method=method, environ_base={"partyline": "let me in"})
    assert forged.status_code == 404
    assert app.extensions[EXTENSION_KEY].operator is None


def test_invitation_bypasses_before_request_hooks(make_party: MakeParty) -> None:
    blog = create_blog()

    @blog.before_request
    def login_wall() -> tuple[str, int]:
        return "login required", 403

    party = make_party(DispatcherMiddleware(not_found, {"/blog": blog}))
    assert [m.name for m in party.members] == ["blog"]
    # Joining is not serving: the app can still be set up after the party starts.
    blog.add_url_rule("/late/<int:n>", "late", show_number)
    assert party.url_for("late", n=4) == "/blog/late/4"


def test_invite_view_accepts_an_invitation_that_reaches_flask(make_party: MakeParty) -> None:
    blog = create_blog()

    def through_flask_only(environ: t.Any, start_response: t.Any) -> t.Any:
        # Flask's own dispatch, without the wrapper FlaskParty put on wsgi_app.
        return Flask.wsgi_app(blog, environ, start_response)

    party = make_party(DispatcherMiddleware(not_found, {"/blog": through_flask_only}))
    assert [m.name for m in party.members] == ["blog"]
    assert party.url_for("post", id=2) == "/blog/post/2"


# -- URLs -------------------------------------------------------------------------

URL_CASES: list[tuple[str, dict[str, t.Any]]] = [
    ("blog:index", {}),  # every member has an "index": target the blog
    ("post", {"id": 3}),
    ("blog:post", {"id": 3}),
    ("post", {"id": 3, "q": "a b&c", "tags": ["x", "y"], "dropped": None}),
    ("post", {"id": 3, "_anchor": "top part"}),
    ("post", {"id": 3, "_external": True}),
    ("about", {}),  # url_defaults fill lang
    ("about", {"lang": "fr"}),
    ("admin.index", {}),
    ("admin.user", {"name": "ann marie"}),
    ("admin.settings", {}),  # blueprint url_defaults fill section
    ("item", {"id": 4, "_method": "POST"}),
    ("item", {"id": 4, "_method": "GET"}),
    ("doc", {"slug": "guides/intro ü"}),
    ("tagged", {"tags": ["red", "green"]}),
    ("blog:static", {"filename": "app.css"}),
]


@pytest.mark.parametrize(("endpoint", "values"), URL_CASES)
def test_cross_app_url_equals_flasks_own_url_for(
    site: Site, endpoint: str, values: dict[str, t.Any]
) -> None:
    local_endpoint = endpoint.removeprefix("blog:")
    local = get(site, "/blog/local" + case_query(local_endpoint, values))
    from_peer = get(site, "/wz/build" + case_query(endpoint, values))
    from_blog = get(site, "/blog/party" + case_query(endpoint, values))
    assert from_peer == local
    assert from_blog == local
    origin = site.origin if values.get("_external") else ""
    assert local.startswith(f"{origin}{site.prefix}/blog/")


def test_party_url_reaches_the_werkzeug_peer_from_view_and_template(site: Site) -> None:
    peer_map = t.cast(WerkzeugPeer, site.peer.app).url_map
    expected = peer_map.bind("localhost", script_name=site.prefix + "/wz").build(
        "gallery", {"n": 2}
    )
    assert get(site, "/blog/party" + case_query("gallery", {"n": 2})) == expected
    page = get(site, "/blog/page")
    assert f"<main>{expected}|" in page
    anchored = peer_map.bind("localhost", script_name=site.prefix + "/wz").build("index", {})
    assert f"|{anchored}#top|" in page


def test_party_url_external_uses_the_browsers_scheme_and_host(site: Site) -> None:
    url = get(site, "/blog/party" + case_query("gallery", {"n": 1, "_external": True}))
    origin = site.origin
    assert url == f"{origin}{site.prefix}/wz/gallery/1"
    assert get(site, "/blog/local" + case_query("index", {"_external": True})) == (
        f"{origin}{site.prefix}/blog/"
    )


def test_a_value_the_route_cannot_take_names_member_and_endpoint(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with pytest.raises(
        UrlBuildError,
        match=r"^member 'blog' has 'post' but could not build it: the converter of 'id' refused ''",
    ) as info:
        site.party.url_for("post", id="")
    assert isinstance(info.value.__cause__, ValueError)


def test_party_url_prefers_the_apps_own_endpoint(make_party: MakeParty) -> None:
    site = build_site(make_party)
    # "index" exists in every member; the blog's own wins inside the blog.
    assert get(site, "/blog/party" + case_query("index", {})) == "/blog/"
    assert get(site, "/blog/party" + case_query("wz:index", {})) == "/wz/"


def test_remembered_links_keep_apart_what_a_link_depends_on(make_party: MakeParty) -> None:
    # Links are remembered between requests; each is asked for twice per
    # request and in several requests, so that later answers come from memory.
    shop, blog = Flask("shop"), Flask("blog")
    blog.add_url_rule("/", "index", lambda: "blog")
    blog.add_url_rule("/post/<int:id>", "post", show_number)
    blog.add_url_rule("/tag/<name>", "tag", show_number)
    shop.add_url_rule("/", "index", lambda: "shop")

    @shop.route("/links")
    def links() -> str:
        built = []
        for _ in range(2):
            built += [
                partyline.url_for("index"),  # asks the others: the blog's index
                party_url("index"),  # the shop's own, though asked for above
                party_url("tag", name=1),
                party_url("tag", name=True),
                party_url("tag", name=1.0),
                party_url("post", id=1, q=1),
                party_url("post", id=1, q=True),
                party_url("post", id=1, q=1.0),
                party_url("post", q=1, id=1),
                party_url("post", q=True, id=1),
                party_url("post", id=1, q=1, r=True),
                party_url("post", id=1, q=True, r=1),
                party_url("blog:post", id=1, _external=True),
            ]
        return "|".join(built)

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    client = Client(make_party(DispatcherMiddleware(shop, {"/blog": blog})))
    for host, root in [("a.example", ""), ("b.example", ""), ("a.example", "/site")]:
        response = client.get(
            "/links", headers={"Host": host}, environ_overrides={"SCRIPT_NAME": root}
        )
        expected = [
            f"{root}/blog/",
            f"{root}/",
            f"{root}/blog/tag/1",
            f"{root}/blog/tag/True",
            f"{root}/blog/tag/1.0",
            f"{root}/blog/post/1?q=1",
            f"{root}/blog/post/1?q=True",
            f"{root}/blog/post/1?q=1.0",
            f"{root}/blog/post/1?q=1",
            f"{root}/blog/post/1?q=True",
            f"{root}/blog/post/1?q=1&r=True",
            f"{root}/blog/post/1?q=True&r=1",
            f"http://{host}{root}/blog/post/1",
        ]
        assert response.text.split("|") == expected * 2


def test_remembered_links_belong_to_the_app_that_built_them(make_party: MakeParty) -> None:
    # A member's view runs another Flask app in the same request: that app
    # is no member, so party_url is Flask's url_for there, whatever the
    # member remembered for the same endpoint in the same place.
    shop, blog, outsider = Flask("shop"), Flask("blog"), Flask("outsider")
    blog.add_url_rule("/about", "about", lambda: "blog")

    @shop.route("/links")
    def links() -> str:
        built = [party_url("blog:about")]
        with outsider.test_request_context("/"):
            try:
                built.append(party_url("blog:about"))
            except BuildError:
                built.append("outsider: BuildError")
        return "|".join(built)

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    client = Client(make_party(DispatcherMiddleware(shop, {"/blog": blog})))
    for _ in range(2):
        assert client.get("/links").text == "/blog/about|outsider: BuildError"


def test_remembered_links_are_forgotten_at_once_when_handlers_change(
    make_party: MakeParty,
) -> None:
    # The blog's url handler leaves in the middle of a request: the link the
    # shop built a moment before is not answered from memory any more.
    shop, blog = Flask("shop"), Flask("blog")
    blog.add_url_rule("/post/<int:id>", "post", show_number)

    @shop.route("/links")
    def links() -> str:
        built = [party_url("blog:post", id=1), party_url("blog:post", id=1)]
        if request.args.get("leave"):
            operator = party.member("blog").operator
            (handler,) = operator.services["url"]
            operator.disconnect("url", handler)
            try:
                built.append(party_url("blog:post", id=1))
            except PartyBuildError as exc:
                built.append(type(exc).__name__)
            # It comes back, the link is remembered again, and it leaves again.
            operator.connect("url", handler)
            built += [party_url("blog:post", id=1), party_url("blog:post", id=1)]
            operator.disconnect("url", handler)
            try:
                built.append(party_url("blog:post", id=1))
            except PartyBuildError as exc:
                built.append(type(exc).__name__)
        return "|".join(built)

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    party = make_party(DispatcherMiddleware(shop, {"/blog": blog}))
    client = Client(party)
    assert client.get("/links").text == "/blog/post/1|/blog/post/1"
    left = "/blog/post/1|/blog/post/1|PartyBuildError"
    assert client.get("/links?leave=1").text == f"{left}|{left}"


def test_remembered_links_are_bounded(make_party: MakeParty) -> None:
    # Links with ever new values, in ever new places: memory stays bounded,
    # and every link is still right.
    shop, blog = Flask("shop"), Flask("blog")
    blog.add_url_rule("/post/<int:id>", "post", show_number)

    @shop.route("/links")
    def links() -> str:
        start = int(request.args["start"])
        return "|".join(party_url("blog:post", id=n) for n in range(start, start + 1000))

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    party = make_party(DispatcherMiddleware(shop, {"/blog": blog}), url_memory_bytes=256 * 1024)
    client = Client(party)

    def links_from(start: int, root: str) -> list[str]:
        response = client.get(f"/links?start={start}", environ_overrides={"SCRIPT_NAME": root})
        return response.text.split("|")

    for start in range(0, 6000, 1000):  # six thousand links in one place
        assert links_from(start, "") == [f"/blog/post/{i}" for i in range(start, start + 1000)]
    for n in range(300):  # then one place after another
        assert links_from(0, f"/site{n}") == [f"/site{n}/blog/post/{i}" for i in range(1000)]
    # What they hold in bytes: tests/test_links.py.


def test_party_url_filter_builds_the_links_the_global_builds(make_party: MakeParty) -> None:
    from flask import render_template_string

    shop, blog = Flask("shop"), Flask("blog")
    blog.add_url_rule("/post/<int:id>", "post", show_number)
    shop.add_url_rule("/item/<name>", "item", show_number)
    spellings = {
        "global": "{{ party_url('blog:post', id=n, q='a&b') }},{{ party_url('item', name=n) }}",
        "filter": "{{ 'blog:post'|party_url(id=n, q='a&b') }},{{ 'item'|party_url(name=n) }}",
        "missing": "{{ 'blog:nowhere'|party_url(id=n) }}",
    }

    @shop.route("/<spelling>/<int:n>")
    def links(spelling: str, n: int) -> str:
        try:
            return render_template_string(spellings[spelling], n=n)
        except PartyBuildError as exc:
            return f"PartyBuildError: {exc}"

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    client = Client(make_party(DispatcherMiddleware(shop, {"/blog": blog})))
    for n in (1, 2, 1):  # built, then remembered
        expected = f"/blog/post/{n}?q=a%26b,/item/{n}"
        assert client.get(f"/global/{n}").text == expected
        assert client.get(f"/filter/{n}").text == expected
    missing = client.get("/missing/1").text
    assert missing.startswith("PartyBuildError: ")
    assert "blog:nowhere" in missing


def test_party_url_leaves_relative_endpoints_to_flask(make_party: MakeParty) -> None:
    blog = Flask("blog")
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    admin.add_url_rule("/user/<name>", "user", lambda name: name)
    admin.add_url_rule("/", "index", lambda: party_url(".user", name="me"))
    blog.register_blueprint(admin)
    FlaskParty(blog, name="blog")
    client = Client(make_party(DispatcherMiddleware(not_found, {"/blog": blog})))
    for _ in range(2):
        assert client.get("/blog/admin/").text == "/blog/admin/user/me"


def test_urls_outside_a_request_use_base_url(make_party: MakeParty) -> None:
    site = build_site(make_party, base_url="https://example.com/app")
    blog_adapter = site.blog.url_map.bind("example.com", "/app/blog", url_scheme="https")
    expected_post = blog_adapter.build("post", {"id": 3}, force_external=True)
    assert site.party.url_for("post", id=3, _external=True) == expected_post
    assert site.party.url_for("post", id=3) == "/app/blog/post/3"
    with site.blog.app_context():
        # Outside a request party_url is external by default, like url_for.
        assert party_url("post", id=3) == expected_post
        assert party_url("gallery", n=2) == "https://example.com/app/wz/gallery/2"
        assert party_url("gallery", n=2, _external=False) == "/app/wz/gallery/2"


def test_unknown_endpoint_raises_flasks_build_error_naming_members(
    make_party: MakeParty,
) -> None:
    site = build_site(make_party)
    with site.blog.test_request_context("/"), pytest.raises(BuildError) as info:
        party_url("nowhere", id=1)
    error = info.value
    assert isinstance(error, PartyBuildError)
    assert error.endpoint == "nowhere"
    assert error.asked == ("shop", "wz")
    assert isinstance(error.__cause__, UrlBuildError)
    message = str(error)
    assert "'nowhere'" in message
    assert "'blog'" in message
    assert "'shop'" in message
    assert "'wz'" in message


def test_party_build_error_is_also_the_partys_url_build_error(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with site.blog.test_request_context("/"), pytest.raises(UrlBuildError) as info:
        party_url("nowhere", id=1, _method="POST", _anchor="top")
    error = info.value
    assert isinstance(error, PartyBuildError)
    assert isinstance(error, BuildError)
    assert isinstance(error, PartylineException)
    assert isinstance(error, LookupError)
    # Both bases' fields, as each constructor sets them.
    assert error.endpoint == "nowhere"
    assert error.values == {"id": 1}
    assert error.method == "POST"
    assert error.asked == ("shop", "wz")
    assert error.app_name == "blog"
    assert error.suggested is None  # no "did you mean" from another app's map
    assert str(error) == error.args[0]
    assert str(error).startswith(
        "Could not build url for endpoint 'nowhere' from Flask app 'blog': "
    )
    assert error.reason in str(error)


def test_a_broken_link_in_another_members_fragment_stays_a_build_error(
    make_party: MakeParty,
) -> None:
    from jinja2 import DictLoader

    owner = Flask("owner")
    owner.jinja_loader = DictLoader({"broken.html": "<nav>{{ party_url('nowhere') }}</nav>"})
    FlaskParty(owner, name="owner", fragments={"broken": "broken.html"})
    blog = create_blog()
    make_party(DispatcherMiddleware(owner, {"/blog": blog}))
    with blog.test_request_context("/"), pytest.raises(PartyBuildError) as info:
        party_fragment("broken")
    # The owner's template failed to build its link; the fragment exists.
    assert info.value.app_name == "owner"
    assert "renders the layout fragment" not in str(info.value)


def test_build_error_handlers_still_get_their_chance(make_party: MakeParty) -> None:
    blog = create_blog()

    def legacy_links(error: BuildError, endpoint: str, values: dict[str, t.Any]) -> str:
        if endpoint == "old.page":
            return "/legacy/page"
        raise error

    blog.url_build_error_handlers.append(legacy_links)
    make_party(DispatcherMiddleware(not_found, {"/blog": blog}))
    with blog.test_request_context("/"):
        assert party_url("old.page") == "/legacy/page"
        with pytest.raises(PartyBuildError):
            party_url("old.other")


def test_scheme_requires_external_like_flask(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with site.blog.test_request_context("/"):
        assert party_url("gallery", n=1, _scheme="https", _external=True) == (
            "https://localhost/wz/gallery/1"
        )
        with pytest.raises(ValueError, match="_external"):
            party_url("gallery", n=1, _scheme="https", _external=False)


def test_not_a_member_falls_back_to_flask() -> None:
    lone = Flask("lone")
    lone.add_url_rule("/post/<int:id>", "post", show_number)
    FlaskParty(lone)
    with lone.test_request_context("/"):
        assert party_url("post", id=1) == "/post/1"
        with pytest.raises(BuildError):
            party_url("gallery", n=1)


# -- routes and match ---------------------------------------------------------------


def test_routes_lists_every_rule_but_the_invite_route(make_party: MakeParty) -> None:
    site = build_site(make_party)
    routes = site.party.ask("blog", "routes", None)
    expected = {
        (str(rule.endpoint), "/blog" + rule.rule)
        for rule in site.blog.url_map.iter_rules()
        if rule.endpoint != INVITE_ENDPOINT
    }
    assert {(r.endpoint, r.rule) for r in routes} == expected
    assert all(r.member == "blog" for r in routes)
    assert ("static", "/blog/static/<path:filename>") in expected
    by_endpoint = {r.endpoint: r for r in routes}
    assert "GET" in by_endpoint["post"].methods
    assert not any("__invite__" in r.rule for r in routes)


def test_match_claims_routes_without_running_views(make_party: MakeParty) -> None:
    site = build_site(make_party)
    ran: list[str] = []
    site.blog.before_request(lambda: ran.append(request.path) and None)

    def match(method: str, path: str) -> Match:
        return t.cast(Match, site.party.ask("blog", "match", MatchRequest(method, path)))

    found = match("GET", "/post/3")
    assert (found.member, found.endpoint, found.allowed) == ("blog", "post", True)
    assert match("POST", "/items/4/edit").endpoint == "item"
    refused = match("POST", "/post/3")
    assert refused.allowed is False
    assert "GET" in refused.methods
    slash = match("GET", "/admin")  # redirects to /admin/: still the blog's
    assert slash.allowed is True
    for method, path in (("GET", "/nowhere/at/all"), ("GET", "/__invite__/")):
        with pytest.raises(NoAnswer):
            match(method, path)
    assert ran == []


def test_route_dispatcher_uses_the_flask_matcher(make_party: MakeParty) -> None:
    blog = create_blog()
    legacy = PartyMember(WerkzeugPeer())
    party = make_party(RouteDispatcher({"new": blog, "legacy": legacy}, default="legacy"))
    handler = party.member("new").operator.services["match"][0]
    assert callable(getattr(handler, "matcher", None))
    client = Client(party)
    assert client.get("/post/3").text == "post 3"
    assert client.get("/gallery/1").text.startswith("wz gallery")
    assert party.url_for("post", id=3) == "/post/3"


def test_helpers_work_in_a_streamed_response(site: Site) -> None:
    client = Client(site.wsgi)
    get(site, "/login/sam", client)
    body = get(site, "/blog/stream", client)
    assert body.startswith(f"{site.prefix}/wz/gallery/1|Sam|<header data-member='shop'>sam|")


# -- identity -------------------------------------------------------------------------


def test_identity_comes_from_the_askers_cookies(site: Site) -> None:
    client = Client(site.wsgi)
    assert get(site, "/wz/whoami", client) == "null"
    assert get(site, "/blog/whoami", client) == "null"
    get(site, "/login/edith", client)
    expected = {"id": "edith", "name": "Edith", "roles": ["editor"]}
    assert json.loads(get(site, "/wz/whoami", client)) == expected  # werkzeug peer asks
    assert json.loads(get(site, "/blog/whoami", client)) == expected  # Flask peer asks
    assert json.loads(get(site, "/whoami", client)) == expected  # the owner itself
    assert get(site, "/blog/whoami") == "null"  # another browser, no cookie


def test_concurrent_requests_each_see_their_own_user(make_party: MakeParty) -> None:
    site = build_site(make_party)
    users = [f"user{i}" for i in range(8)]
    barrier = threading.Barrier(len(users))
    seen: dict[str, set[str]] = {user: set() for user in users}
    errors: list[BaseException] = []

    def browse(user: str) -> None:
        try:
            client = Client(site.wsgi)
            get(site, f"/login/{user}", client)
            barrier.wait(timeout=10)
            for i in range(15):
                path = "/wz/whoami" if i % 2 else "/blog/whoami"
                seen[user].add(json.loads(get(site, path, client))["id"])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=browse, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert seen == {user: {user} for user in users}


def test_identity_outside_a_request_is_an_error(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with pytest.raises(NoPartylineContext, match="identity"):
        site.party.ask("shop", "identity", None)
    with site.shop.app_context(), pytest.raises(NoPartylineContext):
        party_identity()


def test_identity_callable_must_answer_an_identity(make_party: MakeParty) -> None:
    app = Flask("sloppy")
    FlaskParty(app, identity=lambda: "alice")  # type: ignore[arg-type,return-value]
    party = make_party(DispatcherMiddleware(app, {"/wz": PartyMember(WerkzeugPeer(), name="wz")}))
    with pytest.raises(PartylineException, match="'sloppy' returned str"):
        Client(party).get("/wz/whoami")
    with app.test_request_context("/"), pytest.raises(PartylineException, match="str"):
        party_identity()


def test_identity_is_asked_again_for_each_request(make_party: MakeParty) -> None:
    site = build_site(make_party)
    client = Client(site.wsgi)
    get(site, "/login/ann", client)
    assert json.loads(get(site, "/blog/whoami", client))["id"] == "ann"
    get(site, "/login/bob", client)
    assert json.loads(get(site, "/blog/whoami", client))["id"] == "bob"


# -- layout ----------------------------------------------------------------------------


def test_fragment_is_markup_rendered_once_per_request(site: Site) -> None:
    client = Client(site.wsgi)
    get(site, "/login/ann", client)
    before = site.shop.config["HEADER_RENDERS"]
    page = get(site, "/blog/page", client)
    assert site.shop.config["HEADER_RENDERS"] == before + 1  # asked twice, rendered once
    assert page.count("<header data-member='shop'>ann|") == 2  # not escaped
    assert "&lt;header" not in page
    origin = site.origin
    # Rendered for the blog's request: the browser's URL, the shop's own links.
    assert f"|{origin}{site.prefix}/blog/page|" in page
    assert f"<a href='{site.prefix}/'>home</a>" in page
    assert f"<a href='{site.prefix}/blog/post/1'>post</a>" in page
    assert "|Ann|blog</main>" in page


def test_fragment_for_a_werkzeug_peer(site: Site) -> None:
    client = Client(site.wsgi)
    get(site, "/login/zoe", client)
    chrome = get(site, "/wz/chrome/header", client)
    assert chrome.startswith("<header data-member='shop'>zoe|")
    assert f"<a href='{site.prefix}/'>home</a>" in chrome


def test_own_fragments_render_locally(make_party: MakeParty) -> None:
    site = build_site(make_party)
    body = Client(site.wsgi).get("/chrome").text
    assert body.startswith("<header data-member='shop'>guest|http://localhost/chrome|")
    with site.shop.test_request_context("/"):
        assert isinstance(party_fragment("footer"), Markup)
        assert party_fragment("footer") is party_fragment("footer")


def test_owner_escapes_user_data_inside_its_fragment(make_party: MakeParty) -> None:
    site = build_site(make_party)
    client = Client(site.wsgi)
    client.get("/login/<em>mallory")
    page = client.get("/blog/page").text
    assert "&lt;em&gt;mallory|" in page
    assert "<em>" not in page


def test_unknown_fragment_names_the_fragment(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with site.blog.test_request_context("/"), pytest.raises(NoAnswer, match="'sidebar'"):
        party_fragment("sidebar")
    with pytest.raises(NoAnswer):
        site.party.ask("shop", "layout", "sidebar")


def test_fragment_cache_does_not_outlive_its_request(make_party: MakeParty) -> None:
    site = build_site(make_party)
    before = site.shop.config["HEADER_RENDERS"]
    with site.blog.app_context():  # one app context, two requests inside it
        with site.blog.test_request_context("/one"):
            assert "|http://localhost/one|" in party_fragment("header")
        with site.blog.test_request_context("/two"):
            assert "|http://localhost/two|" in party_fragment("header")
    assert site.shop.config["HEADER_RENDERS"] == before + 2


# -- Flask and Werkzeug internals -------------------------------------------------------


def test_compat_adapters_see_what_flask_and_werkzeug_publish() -> None:
    from flask import current_app
    from flask import request as current_request

    from wsgi_party.flask._compat import (
        app_context_getter,
        request_context_getter,
        rules_by_endpoint,
    )

    app = Flask("compat")
    app.add_url_rule("/a", "a", show_number)
    app_context, request_context = app_context_getter(), request_context_getter()
    assert app_context(None) is None
    assert request_context(None) is None
    with app.app_context():
        context = app_context(None)
        assert context is not None
        assert context.app is current_app._get_current_object()  # type: ignore[attr-defined]
        assert request_context(None) is None
        with app.test_request_context("/a"):
            active = request_context(None)
            assert active is not None
            assert active.request is current_request._get_current_object()  # type: ignore[attr-defined]
    rules = rules_by_endpoint(app.url_map)
    assert [rule.rule for rule in rules["a"]] == ["/a"]
    app.add_url_rule("/b", "b", show_number)
    assert "b" in rules  # the same index, filled in place as rules are added
    assert "nowhere" not in rules


# -- lifecycle and context ---------------------------------------------------------------


def test_close_then_a_new_party_over_the_same_apps(make_party: MakeParty) -> None:
    first = build_site(make_party)
    first.party.close()
    state = first.blog.extensions[EXTENSION_KEY]
    assert state.operator is None
    with pytest.raises(NoPartylineContext):
        state.require_operator()
    second = build_site(make_party, shop=first.shop, blog=first.blog, peer=first.peer)
    assert [m.name for m in second.party.members] == ["shop", "blog", "wz"]
    assert state.operator is second.party.member("blog").operator
    assert "<header data-member='shop'>guest" in get(second, "/blog/page")
    assert get(second, "/wz/build" + case_query("post", {"id": 1})) == "/blog/post/1"


def test_a_second_live_party_is_declined_with_a_reason(make_party: MakeParty) -> None:
    site = build_site(make_party)
    other = make_party(DispatcherMiddleware(site.shop, {"/blog": site.blog}))
    assert other.members == ()
    reasons = {d.path: d.reason for d in other.declined}
    assert set(reasons) == {"/__invite__/", "/blog/__invite__/"}
    assert "'blog'" in reasons["/blog/__invite__/"]
    assert "already member" in reasons["/blog/__invite__/"]
    assert "close()" in reasons["/blog/__invite__/"]
    # The first party is untouched.
    assert site.blog.extensions[EXTENSION_KEY].operator is site.party.member("blog").operator
    assert get(site, "/wz/build" + case_query("post", {"id": 1})) == "/blog/post/1"


def test_partyline_is_bound_in_views_and_unbound_outside(make_party: MakeParty) -> None:
    site = build_site(make_party)
    assert get(site, "/blog/scope") == "blog"
    with pytest.raises(NoPartylineContext):
        partyline.name  # noqa: B018 - the access is what raises
    with site.blog.test_request_context("/"), pytest.raises(NoPartylineContext):
        partyline.name  # noqa: B018 - the wrapper did not run: nothing bound


def test_identity_owner_answers_with_identity_objects(make_party: MakeParty) -> None:
    site = build_site(make_party)
    with site.shop.test_request_context("/"):
        from flask import session

        session["user"] = "ed"
        assert party_identity() == Identity("ed", "Ed", frozenset({"editor"}), {"via": "shop"})
