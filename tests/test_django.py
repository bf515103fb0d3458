"""The Django integration, with a real Django project and a real Werkzeug peer.

The Django project is tests/django_site (member ``legacy``); the peer is a
plain Werkzeug app routed by a ``Map`` (member ``blog``). Both sit under a
``DispatcherMiddleware`` wrapped in ``WSGIParty`` and are driven through
``werkzeug.test.Client``.
"""

from __future__ import annotations

import html
import json
import re
import threading
import typing as t
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from tests.django_site import session_cookie, setup_django
from wsgi_party import (
    HighAndDry,
    Match,
    MatchRequest,
    NoAnswer,
    NoPartylineContext,
    PartyMember,
    Route,
    RouteDispatcher,
    UrlBuildError,
    UrlRequest,
    WSGIParty,
    partyline,
)
from wsgi_party.testing import StandIn, party_for

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


@pytest.fixture(scope="module", autouse=True)
def _django() -> None:
    setup_django()


# -- the Werkzeug peer ---------------------------------------------------------


class Blog:
    """A plain Werkzeug app whose views ask the party."""

    def __init__(self) -> None:
        self.url_map = Map(
            [
                Rule("/", endpoint="index"),
                Rule("/post/<int:id>", endpoint="post"),
                Rule("/link", endpoint="link"),
                Rule("/who", endpoint="who", methods=["GET", "POST"]),
                Rule("/frag/<name>", endpoint="frag"),
            ]
        )
        self.sidebar_renders = 0

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        response: Response = getattr(self, f"on_{endpoint}")(request, **args)
        return response(environ, start_response)

    def on_index(self, request: Request) -> Response:
        return Response("blog")

    def on_post(self, request: Request, id: int) -> Response:
        return Response(f"post {id}")

    def on_link(self, request: Request) -> Response:
        values = json.loads(request.args.get("values", "{}"))
        return Response(partyline.url_for(request.args["endpoint"], **values))

    def on_who(self, request: Request) -> Response:
        from django.db import connections

        identity = partyline.ask_first("identity", None)
        answer = None
        if identity is not None:
            answer = {
                "id": identity.id,
                "name": identity.name,
                "roles": sorted(identity.roles),
                "extra": dict(identity.extra),
            }
        # Django's connection in this (non-Django) thread must be closed again.
        closed = connections["default"].connection is None
        body = request.get_data(as_text=True)
        return Response(json.dumps({"identity": answer, "db_closed": closed, "body": body}))

    def on_frag(self, request: Request, name: str) -> Response:
        return Response(partyline.ask_first("layout", name), mimetype="text/html")

    def layout(self, payload: object) -> str:
        """This member's own ``layout`` handler: it owns the sidebar."""
        if payload != "sidebar":
            raise HighAndDry(f"blog has no fragment {payload!r}")
        self.sidebar_renders += 1
        return "<aside>sidebar</aside>"


@dataclass
class Site:
    party: WSGIParty
    blog: Blog
    django_app: t.Any
    client: Client
    #: Headers sent with every request of :meth:`text`.
    headers: dict[str, str] = field(default_factory=dict)

    def text(self, path: str, /, **query: t.Any) -> str:
        response = self.client.get(path, query_string=_query(query), headers=self.headers)
        assert response.status_code == 200, (path, response.status, response.get_data(True))
        return response.get_data(as_text=True)

    def reverse(self, name: str, /, prefix: str = "/legacy", **values: t.Any) -> dict[str, str]:
        """Django's own reverse() inside a Django request of this site."""
        return t.cast(
            dict[str, str], json.loads(self.text(f"{prefix}/reverse/", name=name, values=values))
        )

    def blog_link(self, endpoint: str, /, **values: t.Any) -> str:
        """``partyline.url_for`` from the Werkzeug member's view."""
        return self.text("/blog/link", endpoint=endpoint, values=values)

    def django_link(self, endpoint: str, /, **values: t.Any) -> str:
        """``party_url()`` from a Django view."""
        return self.text("/legacy/link/", endpoint=endpoint, values=values)


def _query(query: dict[str, t.Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in query.items()}


def build_site(
    make_party: t.Callable[..., WSGIParty],
    *,
    django_mount: str = "/legacy",
    django_app: t.Any = None,
    **party_options: t.Any,
) -> Site:
    from django.core.wsgi import get_wsgi_application

    blog = Blog()
    django_app = django_app or get_wsgi_application()
    member = PartyMember(blog, name="blog", services={"layout": blog.layout})
    mounts: dict[str, t.Any] = {"/blog": member}
    if django_mount:
        mounts[django_mount] = django_app
        root: t.Any = NotFound()
    else:
        root = django_app
    party = make_party(DispatcherMiddleware(root, mounts), **party_options)
    return Site(party, blog, django_app, Client(party))


@pytest.fixture
def site(make_party: t.Callable[..., WSGIParty]) -> Site:
    return build_site(make_party)


def make_user(*, groups: t.Iterable[str] = (), **fields: t.Any) -> t.Any:
    from django.contrib.auth.models import Group, User

    username = fields.pop("username", "user") + "-" + uuid.uuid4().hex[:8]
    user = User.objects.create_user(username=username, password="secret-pw", **fields)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def log_in(client: Client, username: str, prefix: str = "/legacy") -> None:
    """Log in through Django's real LoginView, CSRF token and all."""
    form = client.get(f"{prefix}/accounts/login/").get_data(as_text=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    response = client.post(
        f"{prefix}/accounts/login/",
        data={"username": username, "password": "secret-pw", "csrfmiddlewaretoken": token[1]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def django_config() -> t.Any:
    from wsgi_party.django.apps import party_config

    return party_config()


# -- joining -------------------------------------------------------------------


def test_django_joins_under_WSGI_PARTY_NAME_with_every_service(site: Site) -> None:
    member = site.party.member("legacy")
    assert member.script_name == "/legacy"
    assert set(member.services) == {"url", "ping", "routes", "match", "identity", "login", "layout"}
    assert django_config().operator is member.operator
    assert [p for p in site.party.ask_around("ping", None) if p.member == "legacy"] == ["pong"]


def test_the_project_joins_through_a_membership_held_by_the_app_config(site: Site) -> None:
    from wsgi_party.integration import Membership

    config = django_config()
    assert isinstance(config.membership, Membership)
    assert config.membership.holder is config
    assert config.membership.operator is site.party.member("legacy").operator
    assert config.membership.url is site.party.member("legacy").operator.services["url"][0]
    site.party.close()
    assert config.membership.operator is None
    assert config.membership.url is None


def test_member_name_comes_from_the_mount_without_WSGI_PARTY_NAME(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    with override_settings(WSGI_PARTY_NAME=None):
        site = build_site(make_party, django_mount="/old-site")
    assert "old-site" in [m.name for m in site.party.members]


def test_services_follow_the_settings(make_party: t.Callable[..., WSGIParty]) -> None:
    with override_settings(WSGI_PARTY_IDENTITY=False, WSGI_PARTY_FRAGMENTS={}):
        site = build_site(make_party)
    assert set(site.party.member("legacy").services) == {"url", "ping", "routes", "match"}


def test_invite_path_over_http_is_djangos_own_404(site: Site) -> None:
    from django.core.wsgi import get_wsgi_application

    bare = Client(get_wsgi_application())
    assert bare.get("/__invite__/").status_code == 404
    forged = bare.get("/__invite__/", environ_overrides={"partyline": "an operator, honest"})
    assert forged.status_code == 404
    assert site.client.get("/legacy/__invite__/").status_code == 404
    assert site.party.member("legacy").operator is django_config().operator


def test_views_are_bound_to_the_party(site: Site) -> None:
    scope = json.loads(site.text("/legacy/scope/"))
    assert scope == {"request.partyline": "legacy", "wsgi_party.partyline": "legacy"}


# -- url: equal to Django's own reverse() ------------------------------------------

REVERSE_CASES = [
    ("home", {}),
    ("polls:index", {}),
    ("polls:detail", {"pk": 3}),
    ("old-polls:detail", {"pk": 3}),
    ("polls:results", {"pk": 3, "kind": "final-2"}),
    ("archive", {"year": 7}),
    ("regex", {"slug": "a-b", "num": 4}),
    ("feed", {}),
    ("feed", {"format": "rss"}),
    ("feed", {"format": "atom"}),
    ("word", {"word": "héllo wörld?&#%"}),
    ("files", {"name": "a/b c.txt"}),
    ("api:item", {"version": 2, "pk": 5}),
    ("api:inner:thing", {"version": 2, "slug": "x-y"}),
]


@pytest.mark.parametrize(("name", "values"), REVERSE_CASES)
def test_cross_app_url_equals_djangos_reverse(
    site: Site, name: str, values: dict[str, t.Any]
) -> None:
    expected = site.reverse(name, **values)["path"]
    assert site.blog_link(name, **values) == expected
    assert site.blog_link(f"legacy:{name}", **values) == expected
    assert site.django_link(name, **values) == expected


def test_django_at_the_root_mount(make_party: t.Callable[..., WSGIParty]) -> None:
    site = build_site(make_party, django_mount="")
    assert site.party.member("legacy").script_name == ""
    expected = site.reverse("polls:detail", prefix="", pk=3)["path"]
    assert expected == "/polls/3/"
    assert site.blog_link("polls:detail", pk=3) == expected
    assert site.party.url_for("polls:detail", pk=3) == expected


def test_unused_values_become_the_query_string_werkzeug_would_build(site: Site) -> None:
    extra = {"page": 2, "q": "a b&c/é?", "tag": ["x", "y"], "none": None}
    django_url = site.party.url_for("polls:detail", pk=3, **extra)
    werkzeug_url = site.party.url_for("blog:post", id=3, **extra)
    own = site.blog.url_map.bind("localhost", script_name="/blog").build("post", {"id": 3, **extra})
    assert werkzeug_url == own
    assert urlsplit(django_url).path == site.reverse("polls:detail", pk=3)["path"]
    assert urlsplit(django_url).query == urlsplit(werkzeug_url).query != ""


def test_pattern_using_most_values_wins_and_defaults_are_consumed(site: Site) -> None:
    feed = site.reverse("feed", format="atom")["path"]
    assert site.party.url_for("feed", format="atom", page=2) == f"{feed}?page=2"
    # A default kwarg of the pattern is used by it, never put in the query.
    plain = site.reverse("feed")["path"]
    assert site.party.url_for("feed", page=2) == f"{plain}?page=2"


def test_anchor_and_external_match_django_and_werkzeug(site: Site) -> None:
    reference = site.reverse("polls:detail", pk=3)
    anchored = site.blog_link("polls:detail", pk=3, _anchor="top part/1")
    werkzeug_anchored = site.blog_link("blog:post", id=3, _anchor="top part/1")
    assert anchored == reference["path"] + "#" + urlsplit(werkzeug_anchored).fragment
    assert urlsplit(anchored).fragment == "top%20part/1"
    assert site.blog_link("polls:detail", pk=3, _external=True) == reference["absolute"]
    assert site.django_link("polls:detail", pk=3, _external=True) == reference["absolute"]


def test_namespaced_link_honours_current_app_like_the_url_tag(site: Site) -> None:
    expected = site.reverse("old-polls:index")["path"]
    link = site.text("/legacy/old-polls/3/link/", endpoint="polls:index")
    assert link == expected == "/legacy/old-polls/"


def test_unknown_name_is_high_and_dry(site: Site) -> None:
    handler = site.party.member("legacy").operator.services["url"][0]
    for endpoint, values in [("nope", {}), ("nope:detail", {}), ("polls:detail", {"x": 1})]:
        with pytest.raises(HighAndDry, match="legacy"):
            handler(UrlRequest(endpoint, values).located())
    with pytest.raises(UrlBuildError) as info:
        site.party.url_for("nope")
    assert set(info.value.asked) == {"blog", "legacy"}


# -- party_url from views and templates -----------------------------------------


def test_party_url_from_a_view_reaches_the_werkzeug_member(site: Site) -> None:
    werkzeug = site.blog.url_map.bind("localhost", script_name="/blog")
    assert site.django_link("blog:post", id=3, x="y") == werkzeug.build("post", {"id": 3, "x": "y"})
    assert site.django_link("post", id=3) == werkzeug.build("post", {"id": 3})


def test_party_url_from_a_view_builds_local_names_first(site: Site) -> None:
    path = site.reverse("polls:detail", pk=5)["path"]
    assert site.django_link("polls:detail", pk=5, page=2) == f"{path}?page=2"
    assert site.django_link("legacy:polls:detail", pk=5) == path


def test_template_tags_link_both_ways(site: Site) -> None:
    page = site.text("/legacy/tags/")

    def href(element_id: str) -> str:
        found = re.search(rf'id="{element_id}" href="([^"]*)"', page)
        assert found is not None, page
        return html.unescape(found[1])

    werkzeug = site.blog.url_map.bind("localhost", script_name="/blog")
    assert href("post") == werkzeug.build("post", {"id": 3})
    assert href("as") == werkzeug.build("post", {"id": 4, "page": 2}) + "#c"
    assert href("local") == site.reverse("polls:detail", pk=5)["path"] + "?page=2&q=x"
    assert "&amp;q=x" in page  # escaped like {% url %}
    assert href("external") == "http://localhost" + werkzeug.build("index", {})
    assert '<div id="sidebar"><aside>sidebar</aside></div>' in page
    assert '<span id="who">anonymous</span>' in page


def test_outer_prefix_and_proxy_fix(site: Site) -> None:
    outer = ProxyFix(
        DispatcherMiddleware(NotFound(), {"/outer": site.party}),
        x_for=1,
        x_proto=1,
        x_host=1,
        x_prefix=1,
    )
    site.client = Client(outer)
    site.headers = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "www.example.com",
        "X-Forwarded-Prefix": "/site",
    }
    reference = site.reverse("polls:detail", prefix="/outer/legacy", pk=3)
    assert reference["path"] == "/site/outer/legacy/polls/3/"
    assert (
        site.text("/outer/blog/link", endpoint="polls:detail", values={"pk": 3})
        == reference["path"]
    )
    external = site.text(
        "/outer/blog/link", endpoint="polls:detail", values={"pk": 3, "_external": True}
    )
    assert external == reference["absolute"] == "https://www.example.com/site/outer/legacy/polls/3/"
    from_django = site.text(
        "/outer/legacy/link/", endpoint="blog:post", values={"id": 3, "_external": True}
    )
    assert from_django == "https://www.example.com/site/outer/blog/post/3"


def test_links_outside_a_request_use_base_url(make_party: t.Callable[..., WSGIParty]) -> None:
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from wsgi_party.django import party_url

    site = build_site(make_party, base_url="https://example.com/app")
    previous = get_script_prefix()
    set_script_prefix("/app/legacy/")
    try:
        expected = reverse("polls:detail", kwargs={"pk": 3})
    finally:
        set_script_prefix(previous)
    # As a management command or a background job would build them.
    assert party_url("polls:detail", pk=3) == expected == "/app/legacy/polls/3/"
    assert party_url("polls:detail", pk=3, _external=True) == "https://example.com" + expected
    assert site.party.url_for("polls:detail", pk=3, _external=True) == (
        "https://example.com" + expected
    )
    assert party_url("blog:post", id=3, _external=True) == "https://example.com/app/blog/post/3"


def test_no_reverse_match_names_the_endpoint_and_the_members_asked() -> None:
    from django.core.wsgi import get_wsgi_application
    from django.test import Client as DjangoClient
    from django.urls import NoReverseMatch

    blog = StandIn("blog", routes={"post": "/post/<int:id>"}, mount="/blog")
    with party_for(get_wsgi_application(), "/legacy", blog), pytest.raises(NoReverseMatch) as info:
        DjangoClient(raise_request_exception=True).get(
            "/link/", {"endpoint": "nowhere:at-all", "values": json.dumps({"id": 1})}
        )
    message = str(info.value)
    assert "'nowhere:at-all'" in message
    assert "'blog'" in message
    assert "'legacy'" in message


def test_no_reverse_match_outside_any_party() -> None:
    from django.urls import NoReverseMatch

    from wsgi_party.django import party_url

    assert django_config().operator is None
    with pytest.raises(NoReverseMatch, match=r"'blog:post'.*Django project is not in a party"):
        party_url("blog:post", id=3)


def test_a_value_missing_outside_any_party_says_the_project_has_the_name() -> None:
    from django.urls import NoReverseMatch

    from wsgi_party.django import party_url

    assert django_config().operator is None
    with pytest.raises(NoReverseMatch) as info:
        party_url("polls:detail")
    message = str(info.value)
    assert "the app has 'polls:detail' but could not build it: missing value 'pk'" in message
    assert "not a URL name" not in message
    assert isinstance(info.value.__cause__, NoReverseMatch)
    assert not isinstance(info.value.__cause__, UrlBuildError)


def test_no_url_is_both_no_reverse_match_and_url_build_error() -> None:
    from django.core.wsgi import get_wsgi_application
    from django.test import Client as DjangoClient
    from django.urls import NoReverseMatch

    from wsgi_party.django import party_url

    blog = StandIn("blog", routes={"post": "/post/<int:id>"}, mount="/blog")
    with party_for(get_wsgi_application(), "/legacy", blog), pytest.raises(UrlBuildError) as info:
        DjangoClient(raise_request_exception=True).get(
            "/link/", {"endpoint": "nowhere:at-all", "values": json.dumps({"id": 1})}
        )
    assert isinstance(info.value, NoReverseMatch)
    assert info.value.endpoint == "nowhere:at-all"
    assert info.value.asked == ("blog",)  # the asker is not asked

    assert django_config().operator is None
    with pytest.raises(UrlBuildError) as outside:
        party_url("blog:post", id=3)
    assert isinstance(outside.value, NoReverseMatch)
    assert (outside.value.endpoint, outside.value.asked) == ("blog:post", ())
    with pytest.raises(UrlBuildError, match=r"'polls:detail'.*outside a request") as external:
        party_url("polls:detail", pk=3, _external=True)
    assert isinstance(external.value, NoReverseMatch)


# -- routes and match ------------------------------------------------------------


def test_routes_lists_names_with_namespaces_and_readable_rules(site: Site) -> None:
    routes = {r.endpoint: r for r in site.party.ask("legacy", "routes", None)}
    assert routes["polls:detail"] == Route("legacy", "polls:detail", "/legacy/polls/<int:pk>/", ())
    assert routes["old-polls:detail"].rule == "/legacy/old-polls/<int:pk>/"
    assert routes["api:inner:thing"].rule == "/legacy/api/<int:version>/inner/things/<slug:slug>/"
    assert routes["regex"].rule == "/legacy/regex/(?P<slug>[a-z-]+)/(?P<num>[0-9]+)/"
    assert routes["archive"].rule == "/legacy/archive/<yyyy:year>/"
    assert routes["tests.django_site.views.echo"].rule == "/legacy/unnamed/"


def test_match_resolves_without_calling_the_view(site: Site) -> None:
    from tests.django_site import views

    before = views.calls["side_effect"]
    ask = site.party.ask
    assert ask("legacy", "match", MatchRequest("GET", "/polls/3/")) == Match(
        "legacy", "polls:detail", True, ()
    )
    assert ask("legacy", "match", MatchRequest("POST", "/side-effect/")).endpoint == "side-effect"
    assert views.calls["side_effect"] == before
    # CommonMiddleware would redirect to the slashed URL: claimed for its view.
    assert ask("legacy", "match", MatchRequest("GET", "/polls/3")) == Match(
        "legacy", "polls:detail", True
    )
    with pytest.raises(NoAnswer):
        ask("legacy", "match", MatchRequest("GET", "/nowhere/"))


def test_route_dispatcher_sends_djangos_routes_to_django(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from django.core.wsgi import get_wsgi_application

    blog = Blog()
    dispatcher = RouteDispatcher(
        {"blog": PartyMember(blog, name="blog"), "legacy": get_wsgi_application()},
        default="legacy",
    )
    client = Client(make_party(dispatcher))
    detail = json.loads(client.get("/polls/3/").get_data(as_text=True))
    assert detail == {"view": "polls:detail", "kwargs": {"pk": 3}}
    assert client.get("/post/3").get_data(as_text=True) == "post 3"
    assert (
        client.get(
            "/link", query_string={"endpoint": "polls:detail", "values": '{"pk": 3}'}
        ).get_data(as_text=True)
        == "/polls/3/"
    )


# -- identity --------------------------------------------------------------------


def who(client: Client) -> dict[str, t.Any]:
    response = client.get("/blog/who")
    assert response.status_code == 200, response.get_data(as_text=True)
    answer: dict[str, t.Any] = json.loads(response.get_data(as_text=True))
    assert answer["db_closed"], "identity left a database connection open"
    return answer


def test_identity_of_a_user_logged_in_through_the_login_view(site: Site) -> None:
    alice = make_user(
        username="alice", email="alice@example.com", is_staff=True, groups=["editors"]
    )
    log_in(site.client, alice.username)
    identity = who(site.client)["identity"]
    assert identity["id"] == str(alice.pk)
    assert identity["name"] == alice.get_username()
    assert identity["roles"] == ["editors", "staff"]
    assert identity["extra"]["email"] == "alice@example.com"
    local = json.loads(site.text("/legacy/whoami/"))["identity"]
    assert local == {"id": str(alice.pk), "name": alice.username, "roles": ["editors", "staff"]}

    token = site.client.get_cookie("csrftoken")
    assert token is not None
    logout = site.client.post("/legacy/accounts/logout/", headers={"X-CSRFToken": token.value})
    assert logout.status_code in (200, 302)
    assert who(site.client)["identity"] is None


def test_identity_is_derived_again_for_every_request(site: Site) -> None:
    from django.contrib.auth.models import Group

    bob = make_user(username="bob")
    site.client.set_cookie(*session_cookie(bob))
    assert who(site.client)["identity"]["roles"] == []
    bob.groups.add(Group.objects.get_or_create(name="admins")[0])
    assert who(site.client)["identity"]["roles"] == ["admins"]
    bob.is_active = False
    bob.save()
    assert who(site.client)["identity"] is None


def test_anonymous_and_forged_credentials_are_nobody(site: Site) -> None:
    admin = make_user(username="root", is_superuser=True)
    assert who(site.client)["identity"] is None
    forged = site.client.get(
        "/blog/who",
        headers={"X-Remote-User": admin.username, "Remote-User": admin.username},
        environ_overrides={"REMOTE_USER": admin.username},
    )
    assert json.loads(forged.get_data(as_text=True))["identity"] is None
    site.client.set_cookie("sessionid", "x" * 32)
    assert who(site.client)["identity"] is None


def test_each_thread_sees_its_own_user(site: Site) -> None:
    users = [make_user(username=f"t{i}") for i in range(8)]
    cookies = [session_cookie(user) for user in users]
    errors: list[str] = []

    def browse(index: int) -> None:
        client = Client(site.party)
        client.set_cookie(*cookies[index])
        try:
            for _ in range(50):
                identity = who(client)["identity"]
                if identity is None or identity["id"] != str(users[index].pk):
                    errors.append(f"thread {index} saw {identity}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"thread {index}: {exc!r}")

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_identity_leaves_the_askers_request_body_unread(site: Site) -> None:
    dave = make_user(username="dave")
    site.client.set_cookie(*session_cookie(dave))
    response = site.client.post("/blog/who", data={"comment": "first!"})
    answer = json.loads(response.get_data(as_text=True))
    assert answer["identity"]["id"] == str(dave.pk)
    assert answer["body"] == "comment=first!"


def test_identity_outside_a_request_is_an_error(site: Site) -> None:
    with pytest.raises(NoPartylineContext, match="identity"):
        site.party.ask("legacy", "identity", None)


# -- layout ----------------------------------------------------------------------


def in_fresh_thread(func: t.Callable[[], str]) -> str:
    """Run ``func`` in a thread that never served a Django request."""
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join(timeout=60)
    assert result, "the call failed (see the thread's traceback)"
    return result[0]


def test_layout_is_rendered_for_the_current_request_and_user(site: Site) -> None:
    anonymous = in_fresh_thread(lambda: site.text("/blog/frag/header"))
    assert "Hello anonymous" in anonymous
    carol = make_user(username="carol")
    site.client.set_cookie(*session_cookie(carol))
    header = in_fresh_thread(lambda: site.text("/blog/frag/header"))
    assert f"Hello {carol.username}" in header
    # {% url %} and {% party_url %} in the fragment link under Django's mount.
    assert f'href="{site.reverse("polls:index")["path"]}"' in header
    assert f'href="{site.reverse("polls:detail", pk=1)["path"]}"' in header
    assert site.text("/blog/frag/footer") == "<footer>footer of /blog/frag/footer</footer>\n"


def test_unknown_fragment_is_high_and_dry(site: Site) -> None:
    with pytest.raises(NoAnswer):
        site.party.ask("legacy", "layout", "nope")
    # Outside a request a declared fragment still renders, without a request.
    assert site.party.ask("legacy", "layout", "footer") == "<footer>footer of </footer>\n"


def test_fragments_are_rendered_once_per_request(site: Site) -> None:
    from tests.django_site.counting import renders

    headers_before = renders["header"]
    page = site.text("/legacy/page/")
    assert renders["header"] == headers_before + 1
    assert site.blog.sidebar_renders == 1
    assert page.count("<header>") == 3
    assert page.count("<aside>sidebar</aside>") == 2
    site.text("/legacy/page/")
    assert renders["header"] == headers_before + 2
    assert site.blog.sidebar_renders == 2


# -- lifecycle -------------------------------------------------------------------


def test_close_lets_the_same_django_app_join_a_new_party(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    first = build_site(make_party)
    first.party.close()
    assert django_config().operator is None
    assert json.loads(first.text("/legacy/scope/"))["request.partyline"] is None
    second = build_site(make_party, django_app=first.django_app)
    assert "legacy" in [m.name for m in second.party.members]
    assert second.blog_link("polls:detail", pk=3) == second.reverse("polls:detail", pk=3)["path"]


def test_second_live_party_is_declined(site: Site, make_party: t.Callable[..., WSGIParty]) -> None:
    from django.core.wsgi import get_wsgi_application

    other = make_party(DispatcherMiddleware(NotFound(), {"/other": get_wsgi_application()}))
    assert [m.name for m in other.members] == []
    declined = {d.path: d.reason for d in other.declined}
    assert "another live party" in declined["/other/__invite__/"]
    assert "'legacy'" in declined["/other/__invite__/"]
    assert json.loads(site.text("/legacy/scope/"))["request.partyline"] == "legacy"


def test_system_checks_report_missing_middleware_and_bad_settings() -> None:
    from django.conf import settings
    from django.core import checks

    without = [m for m in settings.MIDDLEWARE if "wsgi_party" not in m]
    with override_settings(MIDDLEWARE=without, WSGI_PARTY_FRAGMENTS=["header"]):
        ids = {message.id for message in checks.run_checks(tags=["wsgi_party"])}
    assert ids == {"wsgi_party.W001", "wsgi_party.E001"}
    assert checks.run_checks(tags=["wsgi_party"]) == []


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("WSGI_PARTY_NAME", "a:b", "WSGI_PARTY_NAME"),
        ("WSGI_PARTY_FRAGMENTS", {"header": 3}, "WSGI_PARTY_FRAGMENTS"),
    ],
)
def test_a_bad_setting_is_both_improperly_configured_and_a_party_error(
    setting: str, value: object, named: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from wsgi_party import ConfigurationError
    from wsgi_party.django import PartyImproperlyConfigured
    from wsgi_party.django.apps import fragments, member_name

    setup_django()
    read = member_name if setting == "WSGI_PARTY_NAME" else fragments
    with override_settings(**{setting: value}), pytest.raises(PartyImproperlyConfigured) as caught:
        read()
    assert isinstance(caught.value, ImproperlyConfigured)
    assert isinstance(caught.value, ConfigurationError)
    assert named in str(caught.value)
