"""Every framework links to every other, logs in once and dresses alike.

One party holds one app of each framework (tests/matrix_site): Django at the
root (member ``legacy``, owning login and the header and footer), Flask at
``/flask``, Pyramid at ``/pyramid``, a Werkzeug app at ``/wz`` and a WebOb
app at ``/webob``. The tests drive it through werkzeug's test ``Client`` (and
one real waitress server) and prove, for every ordered pair of apps:

* a URL built in a view and in a template of one app reaches the target
  route of the other, and equals what the target's own framework builds;
* unused values, ``_anchor`` and ``_external`` come out byte-identical from
  every framework, under an outer prefix, a server's ``SCRIPT_NAME`` and
  ``ProxyFix``; outside any request (a Celery job) ``base_url`` locates them;
* an unknown endpoint raises each framework's own error, naming it and the
  members asked;
* closing the party and inviting the same app objects again works;
* every app's page shows the Django user of its own request inside Django's
  chrome, also under concurrent requests of many users.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import threading
import time
import typing as t
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode, urlsplit

import flask
import pytest
from django.test import override_settings
from django.urls import NoReverseMatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid.request import Request as PyramidRequest
from pyramid.scripting import prepare
from werkzeug.routing import BuildError, Map, Rule
from werkzeug.test import Client, TestResponse

from tests.django_site import session_cookie, setup_django
from tests.matrix_site import (
    APPS,
    DJANGO_URLCONF,
    TOPOLOGIES,
    WEBOB_URLS,
    App,
    Apps,
    Topology,
    wrap,
)
from wsgi_party import MatchRequest, RouteDispatcher, UrlBuildError, UrlOptionError, WSGIParty

MakeParty = t.Callable[..., WSGIParty]

#: Every ordered pair (source, target) of different members.
PAIRS = [(source, target) for source in APPS for target in APPS if source != target]
KINDS = ["link", "tlink"]  # built in a view, built in a template


@pytest.fixture(scope="module", autouse=True)
def _django_urls() -> t.Iterator[None]:
    """Django with the matrix URLconf (tests/django_site's plus the matrix pages)."""
    setup_django()
    with override_settings(ROOT_URLCONF=DJANGO_URLCONF):
        yield


@pytest.fixture(scope="module")
def apps(_django_urls: None) -> Apps:
    """The app objects: built once, invited by a new party in every test."""
    return Apps()


# -- driving the site --------------------------------------------------------------


@dataclass
class Site:
    """A party over the apps, reached through one topology."""

    party: WSGIParty
    apps: Apps
    topology: Topology
    client: Client

    def open(
        self, browser_path: str, client: Client | None = None, query: str | None = None
    ) -> TestResponse:
        """GET ``browser_path`` (with its ``query``) as the browser asks for it."""
        topology = self.topology
        assert browser_path.startswith(topology.stripped), (browser_path, topology)
        path = browser_path[len(topology.stripped) :]
        base_url = "http://localhost" + (topology.stripped if topology.server_script else "")
        return (client or self.client).get(
            path, query_string=query, base_url=base_url, headers=topology.headers
        )

    def text(
        self, browser_path: str, client: Client | None = None, query: str | None = None
    ) -> str:
        response = self.open(browser_path, client, query)
        assert response.status_code == 200, (browser_path, response.status, response.text)
        return response.text

    def link(
        self,
        source: App,
        kind: str,
        endpoint: str,
        values: t.Mapping[str, t.Any],
        client: Client | None = None,
    ) -> str:
        """The URL ``source`` builds for ``endpoint`` in a view or a template."""
        body = self.text(
            self.topology.prefix + source.path(kind), client, link_query(endpoint, values)
        )
        if kind == "link":
            return body
        found = re.search(r'<a id="link" href="([^"]*)">', body)
        assert found is not None, body
        return html.unescape(found[1])

    def fetch(self, url: str, client: Client | None = None) -> dict[str, t.Any]:
        """Follow ``url`` as a browser would; the ``items`` page it reaches."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            assert f"{parts.scheme}://{parts.netloc}" == self.topology.origin, url
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        page: dict[str, t.Any] = json.loads(self.text(target, client))
        return page


def link_query(endpoint: str, values: t.Mapping[str, t.Any]) -> str:
    """The query of a ``link``/``tlink`` request: every reserved character quoted."""
    return urlencode({"endpoint": endpoint, "values": json.dumps(values)}, quote_via=quote)


def build_site(
    make_party: MakeParty, apps: Apps, topology: str = "plain", **options: t.Any
) -> Site:
    party = make_party(apps.dispatcher(), **options)
    chosen = TOPOLOGIES[topology]
    return Site(party, apps, chosen, Client(wrap(party, chosen)))


@pytest.fixture
def site(make_party: MakeParty, apps: Apps) -> Site:
    return build_site(make_party, apps)


# -- what each framework builds by itself ------------------------------------------


def own_path(apps: Apps, app: App, id: int, name: str, route: str | None = None) -> str:
    """The path of ``route`` (``items``) inside ``app``, built by its own framework alone."""
    values = {"id": id, "name": name}
    route = route or app.item
    if app.framework == "flask":
        with apps.flask.test_request_context():
            return flask.url_for(route, **values)
    if app.framework == "pyramid":
        request = PyramidRequest.blank("/")
        request.registry = apps.pyramid.registry
        return str(request.route_path(route, **values))
    if app.framework == "django":
        from django.urls import get_script_prefix, reverse, set_script_prefix

        # The script prefix is thread-local and a Django request leaves its own.
        previous = get_script_prefix()
        set_script_prefix("/")
        try:
            return reverse(route, kwargs=values)
        finally:
            set_script_prefix(previous)
    url_map = apps.wz.app.url_map if app.framework == "werkzeug" else WEBOB_URLS  # type: ignore[attr-defined]
    return str(url_map.bind("localhost").build(route, values))


def party_query(values: t.Mapping[str, t.Any]) -> str:
    """The query string every member writes for unused route values.

    Werkzeug's (so Flask's), but for ``;``: WebOb (so Pyramid) reads a raw
    ``;`` as a separator, so the party writes it ``%3B``.
    """
    built = Map([Rule("/", endpoint="x")]).bind("localhost").build("x", dict(values))
    return built.partition("?")[2].replace(";", "%3B")


def flask_anchor(apps: Apps, anchor: str) -> str:
    """The ``#fragment`` Flask's own ``url_for`` writes for ``anchor``."""
    with apps.flask.test_request_context():
        return flask.url_for("item", id=1, name="x", _anchor=anchor).partition("#")[2]


def parsed_query(values: t.Mapping[str, t.Any]) -> dict[str, list[str]]:
    """What a framework should parse back from the query of ``values``."""
    query: dict[str, list[str]] = {}
    for key, value in values.items():
        if key in ("id", "name") or key.startswith("_") or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        query.setdefault(key, []).extend(str(v) for v in items if v is not None)
    return {key: items for key, items in query.items() if items}


def item_page(
    app: App, values: t.Mapping[str, t.Any], route: str | None = None
) -> dict[str, t.Any]:
    """The page ``app`` answers for ``values`` at ``route`` (``items``)."""
    return {
        "framework": app.framework,
        "member": app.member,
        "route": route or app.item,
        "id": values["id"],
        "name": values["name"],
        "query": parsed_query(values),
    }


# -- 1. the party ----------------------------------------------------------------


def test_one_app_of_each_framework_joins_one_party(site: Site) -> None:
    members = {m.name: m for m in site.party.members}
    assert set(members) == set(APPS)
    assert site.party.declined == ()
    for app in APPS.values():
        assert members[app.member].script_name == app.mount
        assert {"url", "ping"} <= set(members[app.member].services)
    owners = {name for name, m in members.items() if {"identity", "layout"} & set(m.services)}
    assert owners == {"legacy"}  # Django owns login and chrome; the others ask


# -- 2. the whole matrix -----------------------------------------------------------


MATRIX_VALUES = {"id": 7, "name": "café & crème", "q": ["x", "y z"]}


def check_link(
    site: Site, source: str, target: str, kind: str, values: t.Mapping[str, t.Any]
) -> None:
    """``source`` links to ``target`` (in a view or a template) and the link leads there."""
    app = APPS[target]
    url = site.link(APPS[source], kind, app.endpoint, values)
    own = own_path(site.apps, app, values["id"], values["name"])
    assert url == f"{app.mount}{own}?{party_query(parsed_query(values))}", (source, target, kind)
    assert site.fetch(url) == item_page(app, values), (source, target, kind)


def check_matrix(site: Site, values: t.Mapping[str, t.Any] = MATRIX_VALUES) -> int:
    """Every source links to every other target from a view and a template."""
    checked = 0
    for source, target in PAIRS:
        for kind in KINDS:
            check_link(site, source, target, kind, values)
            checked += 1
    return checked


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_app_links_to_every_other_apps_route(
    site: Site, source: str, target: str, kind: str
) -> None:
    # Values differ per pair, so an answer meant for another pair shows.
    values = {**MATRIX_VALUES, "id": 100 * list(APPS).index(source) + list(APPS).index(target)}
    check_link(site, source, target, kind, values)


def test_a_local_link_equals_every_cross_app_link_to_the_same_route(site: Site) -> None:
    for app in APPS.values():
        links = {site.link(APPS[s], "link", app.endpoint, MATRIX_VALUES) for s in APPS}
        assert len(links) == 1, links  # "member:endpoint" from anywhere, itself included
        if app.framework in ("flask", "pyramid", "django"):
            # The helpers build the app's own endpoint names locally first;
            # partyline.url_for never asks the asking app itself.
            for kind in KINDS:
                assert {site.link(app, kind, app.item, MATRIX_VALUES)} == links


# -- 3. query strings, anchors, prefixes, hosts ------------------------------------

RICH_QUERY: dict[str, t.Any] = {
    "q": "a b&c=d/é?",
    "tag": ["x", "y/z", None],
    "none": None,
    "ünï": "cödé;+~*'()",
    "n": 7,
    "empty": "",
}


@pytest.mark.parametrize("source", list(APPS))
def test_unused_values_become_byte_identical_query_strings(site: Site, source: str) -> None:
    reference = party_query(RICH_QUERY)
    assert reference  # the values do make a query
    for app in APPS.values():
        values = {"id": 3, "name": "n", **RICH_QUERY}
        url = site.link(APPS[source], "link", app.endpoint, values)
        assert urlsplit(url).query == reference, (source, app.member)
        assert site.fetch(url)["query"] == parsed_query(values)
        # Templates pass the values by name: Django's tag takes no **values.
        templated = {"id": 3, "name": "n", "q": ["a b&c", "é/?", None]}
        url = site.link(APPS[source], "tlink", app.endpoint, templated)
        assert urlsplit(url).query == party_query({"q": templated["q"]}), (source, app.member)
        assert site.fetch(url)["query"] == parsed_query(templated)


@pytest.mark.parametrize("source", list(APPS))
@pytest.mark.parametrize("topology", list(TOPOLOGIES))
def test_prefix_scheme_host_and_anchor_in_every_topology(
    make_party: MakeParty, apps: Apps, topology: str, source: str
) -> None:
    site = build_site(make_party, apps, topology)
    prefix, origin = site.topology.prefix, site.topology.origin
    anchor = "part 2/ü#x"
    fragment = flask_anchor(apps, anchor)
    for app in APPS.values():
        path = prefix + app.mount + own_path(apps, app, 4, "p q")
        for kind in KINDS:
            values = {"id": 4, "name": "p q", "q": "r", "_anchor": anchor}
            url = site.link(APPS[source], kind, app.endpoint, values)
            assert url == f"{path}?q=r#{fragment}", (kind, app.member)
            assert site.fetch(url) == item_page(app, values)
            external = site.link(APPS[source], kind, app.endpoint, {**values, "_external": True})
            assert external == f"{origin}{url}", (kind, app.member)
            assert site.fetch(external) == item_page(app, values)


def test_a_real_server_at_a_script_name_prefixes_every_link(
    make_party: MakeParty, apps: Apps
) -> None:
    import http.client

    from waitress.server import create_server

    party = make_party(apps.dispatcher())
    server = create_server(
        party, host="127.0.0.1", port=0, url_prefix="/mnt", threads=4, asyncore_loop_timeout=0.1
    )
    port = server.effective_port  # type: ignore[union-attr]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()

    def get(path: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode()
        finally:
            connection.close()
        assert response.status == 200, (path, response.status, body)
        return body

    try:
        for source in APPS.values():
            for app in APPS.values():
                values = {"id": 5, "name": "s", "_external": True}
                url = get(f"/mnt{source.path('link')}?{link_query(app.endpoint, values)}")
                own = own_path(apps, app, 5, "s")
                assert url == f"http://127.0.0.1:{port}/mnt{app.mount}{own}"
                assert json.loads(get(urlsplit(url).path)) == item_page(app, values)
    finally:
        # Closed from inside the server's own loop, which then ends.
        server.trigger.pull_trigger(server.close)  # type: ignore[union-attr]
        runner.join(timeout=10)
    assert not runner.is_alive()


def test_a_background_job_builds_links_with_base_url(make_party: MakeParty, apps: Apps) -> None:
    """A worker process opens the party at start, as Celery's ``worker_process_init``."""
    base_url = "https://jobs.example.com/app"
    state: dict[str, WSGIParty] = {}

    def open_party(**kwargs: t.Any) -> None:
        state["party"] = make_party(apps.dispatcher(), base_url=base_url)

    def close_party(**kwargs: t.Any) -> None:
        state.pop("party").close()

    def build_links(values: dict[str, t.Any]) -> dict[str, list[str]]:
        from wsgi_party.django import party_url as django_url
        from wsgi_party.flask import party_url as flask_url

        party = state["party"]
        links: dict[str, list[str]] = {}
        for app in APPS.values():
            with apps.flask.app_context():
                from_flask = flask_url(app.endpoint, **values)  # external by default
            with prepare(registry=apps.pyramid.registry) as env:
                from_pyramid = env["request"].party_url(app.endpoint, **values)
            links[app.member] = [
                party.url_for(app.endpoint, **values),
                party.url_for(app.endpoint, _external=True, **values),
                from_flask,
                from_pyramid,
                django_url(app.endpoint, **values),
            ]
        return links

    values = {"id": 9, "name": "job", "page": 2}
    if importlib.util.find_spec("celery") is not None:
        from celery import Celery
        from celery.signals import worker_process_init, worker_process_shutdown

        worker = Celery("tests.matrix", set_as_current=False)
        worker.conf.update(task_always_eager=True, task_eager_propagates=True)
        task = worker.task(name="tests.matrix.build_links")(build_links)
        worker_process_init.connect(open_party, weak=False)
        worker_process_shutdown.connect(close_party, weak=False)
        try:
            worker_process_init.send(sender=None)
            links = task.delay(values).get(timeout=30)
            worker_process_shutdown.send(sender=None, pid=os.getpid(), exitcode=0)
        finally:
            worker_process_init.disconnect(open_party)
            worker_process_shutdown.disconnect(close_party)
    else:  # pragma: no cover - celery is a test dependency
        open_party()
        links = build_links(values)
        close_party()
    assert state == {}  # the worker's shutdown closed its party
    for app in APPS.values():
        path = f"/app{app.mount}{own_path(apps, app, 9, 'job')}?page=2"
        external = f"https://jobs.example.com{path}"
        assert links[app.member] == [path, external, external, path, path], app.member


# -- 4. unknown endpoints --------------------------------------------------------------

ERRORS: dict[str, type[Exception]] = {
    "flask": BuildError,
    "pyramid": KeyError,
    "django": NoReverseMatch,
    "werkzeug": UrlBuildError,
    "webob": UrlBuildError,
}


@pytest.mark.parametrize("endpoint", ["nowhere", "ghost:item"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", list(APPS))
def test_unknown_endpoint_raises_the_frameworks_own_error(
    site: Site, source: str, kind: str, endpoint: str
) -> None:
    app = APPS[source]
    with pytest.raises(ERRORS[app.framework]) as caught:
        site.link(app, kind, endpoint, {"id": 1})
    message = str(caught.value)
    assert repr(endpoint) in message
    for other in APPS:
        if other != source:
            assert repr(other) in message, (other, message)


# -- 5. close, then a new party over the same app objects --------------------------


def test_close_then_a_new_party_over_the_same_apps_serves_the_matrix(
    make_party: MakeParty, apps: Apps
) -> None:
    from wsgi_party.django.apps import party_config
    from wsgi_party.flask import EXTENSION_KEY
    from wsgi_party.pyramid import party_member

    def operators() -> list[object]:
        return [
            party_config().operator,
            apps.flask.extensions[EXTENSION_KEY].operator,
            party_member(apps.pyramid.registry).operator,
            apps.wz.operator,
            apps.webob.operator,
        ]

    first = build_site(make_party, apps)
    assert check_matrix(first) == len(PAIRS) * len(KINDS)
    first.party.close()
    assert operators() == [None] * len(APPS)
    second = build_site(make_party, apps)
    assert second.party.declined == ()
    assert operators() == [second.party.member(m).operator for m in APPS]
    assert check_matrix(second, {**MATRIX_VALUES, "id": 8}) == len(PAIRS) * len(KINDS)


# -- 6. identity and layout from Django ----------------------------------------------


def make_user(prefix: str) -> t.Any:
    from django.contrib.auth.models import User

    return User.objects.create_user(
        username=f"{prefix}-{uuid.uuid4().hex[:8]}", password="secret-pw"
    )


def log_in(site: Site, client: Client, username: str) -> None:
    """Log in through Django's own LoginView, CSRF token and all."""
    form = site.text("/accounts/login/", client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None, form
    response = client.post(
        "/accounts/login/",
        data={"username": username, "password": "secret-pw", "csrfmiddlewaretoken": token[1]},
    )
    assert response.status_code == 302, response.text


PAGE = re.compile(
    r"(?P<header><header>.*</header>)\s*"
    r'<main data-member="(?P<member>[^"]*)">who=(?P<who>[^<]*)</main>'
    r"(?P<footer><footer>.*</footer>)\s*",
    re.S,
)


def read_page(body: str) -> dict[str, str]:
    found = PAGE.fullmatch(body)
    assert found is not None, body
    return found.groupdict()


def check_pages(site: Site, client: Client, username: str | None) -> None:
    """Every app's page shows ``username`` inside Django's header and footer."""
    who = username or "anonymous"
    django_page = read_page(site.text(APPS["legacy"].path("page"), client))
    assert f"Hello {who}" in django_page["header"]
    for app in APPS.values():
        page = read_page(site.text(app.path("page"), client))
        assert page["member"] == app.member
        assert page["who"] == who
        assert page["header"] == django_page["header"]  # the chrome Django draws itself
        assert page["footer"] == f"<footer>footer of {app.path('page')}</footer>"


def test_django_login_shows_in_every_apps_page_inside_djangos_chrome(site: Site) -> None:
    client = Client(site.party)
    check_pages(site, client, None)
    user = make_user("mx-login")
    log_in(site, client, user.username)
    check_pages(site, client, user.username)
    other, other_user = Client(site.party), make_user("mx-cookie")
    other.set_cookie(*session_cookie(other_user))
    check_pages(site, other, other_user.username)
    check_pages(site, client, user.username)  # the other login changed nothing here
    token = client.get_cookie("csrftoken")
    assert token is not None
    client.post("/accounts/logout/", headers={"X-CSRFToken": token.value})
    check_pages(site, client, None)


#: The concurrency test's size: threads, requests per thread, distinct users.
THREADS, REQUESTS, USERS = 16, 40, 6


def test_concurrent_requests_each_show_their_own_user(site: Site) -> None:
    users = [make_user(f"mx-t{i}") for i in range(USERS)]
    identities: list[str | None] = [u.username for u in users] + [None]  # and anonymous
    cookies = {u.username: session_cookie(u) for u in users}
    pages = [app.path("page") for app in APPS.values()]
    names = {u.username for u in users}
    start = threading.Barrier(THREADS, timeout=30)
    errors: list[str] = []
    served = [0] * THREADS

    def browse(index: int) -> None:
        username = identities[index % len(identities)]
        client = Client(site.party)
        if username is not None:
            client.set_cookie(*cookies[username])
        who = username or "anonymous"
        try:
            start.wait()
            for n in range(REQUESTS):
                path = pages[(index + n) % len(pages)]
                response = client.get(path)
                body = response.text
                page = read_page(body) if response.status_code == 200 else None
                strangers = {name for name in names - {username} if name in body}
                if (
                    page is None
                    or page["who"] != who
                    or f"Hello {who}" not in page["header"]
                    or page["footer"] != f"<footer>footer of {path}</footer>"
                    or strangers
                ):
                    errors.append(f"thread {index} ({who}) {path}: {response.status} {body!r}")
                served[index] += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"thread {index} ({who}): {exc!r}")

    began = time.perf_counter()
    threads = [threading.Thread(target=browse, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(served) == THREADS * REQUESTS
    print(
        f"\n{THREADS} threads x {REQUESTS} requests ({sum(served)} pages of {len(pages)} apps,"
        f" {USERS} users + anonymous) in {elapsed:.2f}s: every page showed its own user"
    )


# -- 7. round trips over generated values ---------------------------------------------

SETTINGS = settings(
    max_examples=int(os.environ.get("MATRIX_EXAMPLES", "100")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Values every ``items`` route accepts: ``<int:id>`` (>= 0) and one path segment.
ids = st.integers(min_value=0, max_value=10**12)
segments = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1, max_size=12
).filter(lambda s: s not in (".", ".."))  # a browser would resolve dot segments away
#: Query keys: not a route value, not a ``_`` option, not a helper's own parameter.
keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6).filter(
    lambda k: k not in ("id", "name", "endpoint", "request") and not k.startswith("_")
)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
queries = st.dictionaries(
    keys,
    st.one_of(st.none(), texts, st.integers(), st.lists(texts, min_size=1, max_size=3)),
    max_size=3,
)


@pytest.mark.parametrize("target", list(APPS))
def test_built_urls_route_back_to_their_route(site: Site, target: str) -> None:
    app = APPS[target]

    @SETTINGS
    @given(
        route=st.sampled_from([app.item, app.uber]),
        id=ids,
        name=segments,
        query=queries,
        source=st.sampled_from([None, *APPS]),
    )
    def round_trip(
        route: str, id: int, name: str, query: dict[str, t.Any], source: str | None
    ) -> None:
        values = {"id": id, "name": name, **query}
        endpoint = f"{target}:{route}"
        if source is None:  # outside any request
            url = site.party.url_for(endpoint, **values)
        else:
            url = site.link(APPS[source], "link", endpoint, values)
        path = urlsplit(url).path
        assert path == app.mount + own_path(site.apps, app, id, name, route)
        # The member's own router claims it: match, given the PATH_INFO a server sets.
        claim = site.party.ask(target, "match", MatchRequest("GET", path_info(path, app.mount)))
        assert (claim.member, claim.endpoint) == (target, route)
        # And a real request reaches the route with the same values and query.
        assert site.fetch(url) == item_page(app, values, route)

    round_trip()


def path_info(path: str, mount: str = "") -> str:
    """The ``PATH_INFO`` an app mounted at ``mount`` gets for the URL path ``path``:
    the decoded bytes as a latin-1 string, as WSGI servers give it."""
    assert path.startswith(mount), (path, mount)
    return unquote(path[len(mount) :], encoding="latin-1", errors="strict")


@pytest.mark.parametrize("target", list(APPS))
def test_a_route_dispatcher_routes_a_non_ascii_route_to_its_member(
    make_party: MakeParty, apps: Apps, target: str
) -> None:
    """Matching gets ``PATH_INFO`` as WSGI gives it, in every integration."""
    app = APPS[target]
    party = make_party(RouteDispatcher({target: apps.of(target)}))
    client = Client(party)
    values = {"id": 2, "name": "ünï", "q": "ß"}
    for route in (app.item, app.uber):
        url = party.url_for(f"{target}:{route}", **values)
        path = urlsplit(url).path
        assert path == own_path(apps, app, 2, "ünï", route)  # mounted at the root
        claim = party.ask(target, "match", MatchRequest("GET", path_info(path)))
        assert claim.endpoint == route
        response = client.get(url)
        assert response.status_code == 200, (url, response.status, response.text)
        assert json.loads(response.text) == item_page(app, values, route)


# -- 8. _scheme, as in Flask ---------------------------------------------------------


@pytest.mark.parametrize("source", list(APPS))
def test_scheme_works_as_in_flask_in_every_framework(site: Site, source: str) -> None:
    """``_scheme`` makes the URL external with that scheme; with ``_external=False``
    it is Flask's ``ValueError``, here a ``UrlOptionError``; never a query value."""
    app = APPS[source]
    for target in APPS.values():
        endpoints = [target.endpoint]
        if target is app and app.framework in ("flask", "pyramid", "django"):
            endpoints.append(app.item)  # the helper builds its own names locally
        path = f"{target.mount}{own_path(site.apps, target, 6, 's')}?q=r"
        for endpoint in endpoints:
            values = {"id": 6, "name": "s", "q": "r", "_scheme": "https"}
            assert site.link(app, "link", endpoint, values) == f"https://localhost{path}"
            external = {**values, "_external": True}
            assert site.link(app, "link", endpoint, external) == f"https://localhost{path}"
            with pytest.raises(UrlOptionError, match="'_scheme'") as caught:
                site.link(app, "link", endpoint, {**values, "_external": False})
            assert isinstance(caught.value, ValueError)
