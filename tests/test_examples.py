"""The examples serve the pages they promise.

* ``examples/migration/``: the whole site, driven with werkzeug's test client
  in a process of its own (the demo is a Django project, and this process has
  the suite's): every link of every page leads to a page of the app that
  should serve it (a guest asking for a page that requires login is sent to
  Django's login page, and comes back after logging in), login shows the
  user in every app, and the moved product page is served by the new Flask
  app at its old URL, by its old names too. Then the real servers:
  ``wsgi-party check``, ``wsgi-party serve`` and gunicorn.
* ``examples/flask/`` and ``examples/pyramid/``: two apps linking to each
  other, in this process, and each run as a script.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from examples.migration.data import DATABASE_ENV, PASSWORD, USERNAME
from tests.isolated_client import IsolatedClient
from tests.migration_site import (
    LOGIN_PAGE,
    LOGIN_REQUIRED,
    MEMBERS,
    MOVED,
    TARGET,
    guest_landing,
    intended_member,
    intended_section,
    read_page,
    walk,
)
from tests.servers import Server, uvicorn

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.migration_site import Page

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "http://localhost"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo's environment: a database of its own, created by the first start."""
    return {DATABASE_ENV: str(tmp_path_factory.mktemp("demo") / "shop.sqlite3")}


@pytest.fixture(scope="module")
def site(database: dict[str, str]) -> Iterator[IsolatedClient]:
    with IsolatedClient(TARGET, env=database) as client:
        yield client


def visit(site: IsolatedClient, browser: str) -> dict[str, tuple[int, str, Page]]:
    """Walk the whole site from the front page with the test client ``browser``.

    Redirects are not followed: the final URL of a redirect is its location.
    """

    def fetch(url: str) -> tuple[int, str, str]:
        reply = site.get(path_of(url), browser=browser)
        final = ORIGIN + reply.path
        if 300 <= reply.status < 400:
            final = urljoin(final, reply.headers["location"])
        return reply.status, final, reply.text

    return walk(fetch, f"{ORIGIN}/")


def html_pages(pages: dict[str, tuple[int, str, Page]]) -> dict[str, tuple[int, str, Page]]:
    """The pages that are HTML, leaving out the API's JSON."""
    return {url: seen for url, seen in pages.items() if seen[2].json is None}


def log_in(
    site: IsolatedClient,
    browser: str,
    next_path: str = "/",
    *,
    username: str = USERNAME,
    password: str = PASSWORD,
) -> None:
    login = f"/accounts/login/?next={next_path}"
    form = read_page(site.get(login, browser=browser).text)
    assert form.csrf_token, "the login page has no CSRF token"
    reply = site.post(
        login,
        browser=browser,
        data={
            "username": username,
            "password": password,
            "next": next_path,
            "csrfmiddlewaretoken": form.csrf_token,
        },
    )
    assert (reply.status, reply.headers.get("location")) == (302, next_path), reply.text[:2000]


def members(site: IsolatedClient) -> set[str]:
    joined = {name for name, _mount in site.members()}
    assert joined == MEMBERS
    return joined


# -- the migration demo, with the test client ----------------------------------------


@pytest.mark.parametrize("logged_in", [False, True], ids=["guest", "alice"])
def test_every_link_of_every_page_leads_to_a_page_of_its_app(site, logged_in):
    browser = f"walker-{logged_in}"
    if logged_in:
        log_in(site, browser)
    pages = visit(site, browser)

    def expected(url: str) -> tuple[int, str, str | None]:
        if logged_in or guest_landing(url) == url:
            return 200, url, intended_member(url)
        return 302, guest_landing(url), None  # to Django's login page

    wrong = {
        url: (status, final, page.member)
        for url, (status, final, page) in pages.items()
        if (status, final, page.member) != expected(url)
    }
    assert wrong == {}, "pages answered by the wrong app, or not as expected"
    served = {page.member for _s, _f, page in pages.values()} - {None}
    # A guest sees no page of the admin, which is for staff only.
    assert served == members(site) - ({"admin"} if not logged_in else set())
    assert any(LOGIN_REQUIRED.fullmatch(path_of(url)) for url in pages), "no page needs login"


def test_every_page_wears_the_same_chrome(site):
    log_in(site, "chrome")
    pages = html_pages(visit(site, "chrome"))
    navs = {tuple(page.nav) for _s, _f, page in pages.values()}
    footers = {tuple(page.footer) for _s, _f, page in pages.values()}
    sheets = {tuple(page.stylesheets) for _s, _f, page in pages.values()}
    assert len(navs) == len(footers) == len(sheets) == 1, (navs, footers, sheets)
    [nav] = navs
    assert [intended_member(href) for _label, href in nav] == [
        "legacy",
        "legacy",
        "blog",
        "admin",
        "status",
    ]
    [(stylesheet,)] = sheets
    css = site.get(stylesheet)
    assert (css.status, css.headers["content-type"]) == (200, "text/css; charset=utf-8")


def test_the_demo_runs_in_utc_whatever_the_machine_s_time_zone(database):
    script = (
        "import time; from django.conf import settings; settings.TIME_ZONE;"
        " print(time.strftime('%z'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            **database,
            "TZ": "America/Chicago",
            "DJANGO_SETTINGS_MODULE": "examples.migration.legacy.settings",
        },
    )
    assert result.stdout.strip() == "+0000", result.stdout + result.stderr


@pytest.mark.server
def test_the_demo_served_by_waitress_logs_each_request_in_utc(database):
    command = [sys.executable, "-m", "examples.migration", "--port", "{port}"]
    with Server(command, env={**database, "TZ": "America/Chicago"}, startup_timeout=60) as server:
        reply = server.get("/blog/?page=1")
        assert reply.status == 200
    line = re.compile(
        r"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\]"
        r' "GET /blog/\?page=1 HTTP/1\.1" 200 (\d+) [\d.]+ms$',
        re.MULTILINE,
    )
    found = line.search(server.log())
    assert found is not None, server.log()
    assert int(found[1]) == len(reply.body)


def test_every_page_links_the_icon_and_favicon_ico_finds_it(site):
    pages = html_pages(visit(site, "icons"))
    icons = {tuple(page.icons) for status, _f, page in pages.values() if status == 200}
    [(icon,)] = icons
    svg = site.get(icon)
    assert (svg.status, svg.headers["content-type"]) == (200, "image/svg+xml")
    assert svg.text.startswith("<svg ")
    # Browsers ask for /favicon.ico before reading any page: no 404 there.
    ico = site.get("/favicon.ico", follow_redirects=False)
    assert (ico.status, ico.headers["location"]) == (301, icon)


def test_each_page_marks_its_own_section_active(site):
    log_in(site, "sections")
    pages = visit(site, "sections")
    actives = {url: page.active for url, (_s, _f, page) in pages.items()}
    assert actives == {url: intended_section(url) for url in pages}


def test_logging_in_shows_the_user_in_every_app(site):
    guest = visit(site, "guest")
    shown = {url: (page.user, page.main_user) for url, (s, _f, page) in guest.items() if s == 200}
    assert set(shown.values()) == {(None, "")}

    log_in(site, "alice", next_path="/blog/")
    pages = visit(site, "alice")
    one_page_each = {page.member: url for url, (_s, _f, page) in pages.items()}
    assert set(one_page_each) == members(site)
    # The header is Django's (request.user), main's data-user the serving app's own.
    assert {(page.user, page.main_user) for _s, _f, page in pages.values()} == {
        (USERNAME, USERNAME)
    }


def test_logging_out_forgets_the_user_in_every_app(site):
    log_in(site, "leaving")
    paths = [
        "/",
        "/products/1/",
        "/api/products/1",
        "/api/products/",
        "/blog/",
        "/admin/",
        "/status/",
    ]
    assert {read_page(site.get(p, browser="leaving").text).user for p in paths} == {USERNAME}
    form = read_page(site.get("/accounts/logout/", browser="leaving").text)
    reply = site.post(
        "/accounts/logout/", browser="leaving", data={"csrfmiddlewaretoken": form.csrf_token or ""}
    )
    assert (reply.status, reply.headers["location"]) == (302, "/")
    for path in paths:
        reply = site.get(path, browser="leaving")
        if path == "/admin/":  # for logged-in staff only
            assert (reply.status, reply.headers["location"]) == (302, ORIGIN + guest_landing(path))
            continue
        page = read_page(reply.text)
        assert (page.user, page.main_user) == (None, ""), path


def test_the_moved_product_page_is_served_by_flask_at_its_legacy_url(site):
    routes = site.routes()
    product_rules = {(member, rule) for member, _endpoint, rule in routes if "products" in rule}
    assert product_rules == {
        ("shopfront", "/products/<int:pk>/"),
        ("legacy", "/products/"),
        ("api", "/api/products/{pk}"),
        ("api", "/api/products/"),
    }

    for legacy_page in ("/", "/products/"):
        page = read_page(site.get(legacy_page).text)
        assert page.member == "legacy"
        moved = [href for href in page.links if intended_member(href) == "shopfront"]
        assert moved, f"{legacy_page} links to no product page"
        for href in moved:
            reply = site.get(href)
            product = read_page(reply.text)
            assert (reply.status, reply.path, product.member) == (200, href, "shopfront")
            assert "served by the new Flask app" in product.main_text


def test_old_links_that_name_the_legacy_member_lead_to_the_moved_page(site):
    # home.html says {% party_url "legacy:product" %}: the legacy app no longer
    # has that route, and the shopfront declares it answers for the name.
    home = read_page(site.get("/").text)
    shop = read_page(site.get("/products/").text)
    moved_home = [href for href in home.links if MOVED.fullmatch(href)]
    moved_shop = {href for href in shop.links if MOVED.fullmatch(href)}
    assert moved_home and set(moved_home) <= moved_shop
    routes = {(member, endpoint) for member, endpoint, _rule in site.routes()}
    assert ("legacy", "product") not in routes and ("shopfront", "product") in routes


def test_the_new_apps_link_to_the_moved_page_by_its_name(site):
    log_in(site, "staff")
    for path in ("/admin/inventory/", "/blog/tea-time/"):
        page = read_page(site.get(path, browser="staff").text)
        moved = [href for href in page.links if MOVED.fullmatch(href)]
        assert moved, path
        assert all(site.get(href).status == 200 for href in moved)


def test_the_feed_moved_to_fastapi_is_served_at_its_legacy_url_and_name(site):
    routes = site.routes()
    assert ("api", "product_feed", "/api/products/") in routes
    assert [r for r in routes if r[1] == "product_feed" and r[0] != "api"] == []
    page = read_page(site.get("/products/").text)
    assert page.member == "legacy"
    # The Django template still says {% party_url "product_feed" %}.
    assert "/api/products/" in page.links
    reply = site.get("/api/products/")
    feed = read_page(reply.text)
    assert (reply.status, reply.headers["content-type"]) == (200, "application/json")
    assert feed.member == "api" and feed.json is not None
    products = feed.json["products"]
    shop = [href for href in page.links if MOVED.fullmatch(href)]
    assert [product["url"] for product in products] == shop
    assert [product["api"] for product in products] == [
        f"/api/products/{product['id']}" for product in products
    ]


def test_the_api_links_back_to_the_pages_of_the_other_apps(site):
    product_page = read_page(site.get("/products/1/").text)
    assert "/api/products/1" in product_page.links  # the Flask page links to the API
    reply = site.get("/api/products/1")
    document = read_page(reply.text).json
    assert reply.status == 200 and document is not None
    assert document["product"]["url"] == "/products/1/"
    assert document["links"]["shop"] == "/products/"
    assert document["links"]["feed"] == "/api/products/"
    with_story = [
        read_page(site.get(f"/api/products/{product['id']}").text).json
        for product in read_page(site.get("/api/products/").text).json["products"]
    ]
    stories = {d["product"]["slug"]: d["links"]["story"] for d in with_story if d["links"]["story"]}
    assert stories == {"tea-set": "/blog/tea-time/", "pocket-watch": "/blog/always-late/"}
    for url in [document["product"]["url"], *stories.values(), document["links"]["shop"]]:
        linked = site.get(url)
        assert (linked.status, read_page(linked.text).member) == (200, intended_member(url))


def test_the_api_reads_the_legacy_login_for_each_request(site):
    for path in ("/api/products/2", "/api/products/"):
        assert read_page(site.get(path, browser="api-guest").text).json["user"] is None
    log_in(site, "api-alice")
    for path in ("/api/products/2", "/api/products/"):
        assert read_page(site.get(path, browser="api-alice").text).json["user"] == USERNAME
        assert read_page(site.get(path, browser="api-guest").text).json["user"] is None


def test_unknown_products_are_not_found_by_the_api(site):
    reply = site.get("/api/products/999999")
    assert reply.status == 404
    assert json.loads(reply.text) == {"detail": "no product 999999"}
@pytest.mark.parametrize(
    ("path", "app"),
    [("/admin/inventory/?sort=price", "admin"), ("/blog/drafts/", "blog")],
    ids=["pyramid-permission", "flask-login-required"],
)
def test_a_guest_logs_in_on_djangos_page_and_comes_back_to_the_page(site, path, app):
    browser = f"comes-back-{app}"
    asked = site.get(path, browser=browser)
    login = guest_landing(path)
    assert urlsplit(login).path == LOGIN_PAGE
    assert asked.status == 302, asked.text[:500]
    assert asked.headers["location"] in (login, ORIGIN + login)
    # Django's login page, then back where the guest was going.
    log_in(site, browser, next_path=path)
    back = site.get(path, browser=browser)
    page = read_page(back.text)
    assert (back.status, page.member, page.user) == (200, app, USERNAME)


def test_a_reader_who_is_not_staff_reads_the_drafts_but_is_refused_the_admin(site, database):
    # A second user of the legacy shop, made with Django, without is_staff.
    script = (
        "import examples.migration.legacy.wsgi;"
        " from django.contrib.auth.models import User;"
        " User.objects.create_user('bill', password='lizard-in-the-chimney')"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        timeout=60,
        check=True,
        env={**os.environ, **database, "PYTHONPATH": str(REPO)},
    )
    log_in(site, "bill", username="bill", password="lizard-in-the-chimney")
    drafts = site.get("/blog/drafts/", browser="bill")
    assert (drafts.status, read_page(drafts.text).user) == (200, "bill")
    # Logged in, so not sent to log in again: Pyramid's 403, for want of "role:staff".
    assert site.get("/admin/", browser="bill").status == 403


def test_the_admin_shows_the_inventory_to_staff_only(site):
    guest = site.get("/admin/inventory/")
    assert (guest.status, guest.headers["location"]) == (
        302,
        ORIGIN + guest_landing("/admin/inventory/"),
    )
    log_in(site, "inventory")
    staff = read_page(site.get("/admin/inventory/", browser="inventory").text)
    shop = read_page(site.get("/products/").text)
    assert [h for h in staff.links if intended_member(h) == "shopfront"] == [
        h for h in shop.links if intended_member(h) == "shopfront"
    ]


def test_the_status_page_lists_every_member_and_its_routes(site):
    page = read_page(site.get("/status/").text)
    assert page.member == "status"
    for name in members(site):
        assert re.search(rf"\b{name}\b", page.main_text), name
    for _member, _endpoint, rule in site.routes():
        assert rule in page.main_text
    assert f"All {len(members(site))} apps of the site answered" in page.main_text


def test_a_second_start_reuses_the_database(site, database):
    products = [h for h in read_page(site.get("/products/").text).links if MOVED.match(h)]
    with IsolatedClient(TARGET, env=database) as again:
        assert [
            h for h in read_page(again.get("/products/").text).links if MOVED.match(h)
        ] == products
        log_in(again, "again")


def test_unknown_products_are_not_found_by_the_new_app(site):
    missing = site.get("/products/999999/")
    assert missing.status == 404
    slashless = site.get("/products/1")
    assert (slashless.status, slashless.headers["location"]) == (308, f"{ORIGIN}/products/1/")


# -- the migration demo, on real servers ------------------------------------------------


def test_wsgi_party_check_accepts_the_demo(database):
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_party", "check", "examples/migration/site.py:application"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **database},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"members: {len(MEMBERS)}" in result.stdout and "declined: 0" in result.stdout
    for name in MEMBERS:
        assert re.search(rf"^  {name} ", result.stdout, re.MULTILINE), name


SERVERS = {
    "wsgi-party-serve": [
        sys.executable,
        "-m",
        "wsgi_party",
        "serve",
        "examples/migration/site.py:application",
        "--port",
        "{port}",
    ],
    "gunicorn-2-workers": [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        "{bind}",
        TARGET,
    ],
}


@pytest.mark.server
@pytest.mark.parametrize("server", SERVERS)
def test_the_demo_runs_on_real_servers(server, tmp_path):
    # A fresh database: gunicorn's two workers create it together.
    env = {DATABASE_ENV: str(tmp_path / "shop.sqlite3")}
    with Server(SERVERS[server], env=env) as running:
        for _ in range(3):  # reach both workers
            for path in ("/", "/products/2/", "/api/products/2", "/blog/", "/status/"):
                reply = running.get(path)
                page = read_page(reply.body.decode())
                assert (reply.status, page.member) == (200, intended_member(path)), running.log()
            # The admin, for staff only, sends a guest to Django's login page.
            reply = running.get("/admin/")
            location = reply.headers.get("location", "")
            assert reply.status == 302 and location.endswith(guest_landing("/admin/")), location


@pytest.mark.server
def test_the_demo_runs_under_uvicorn_with_every_link_under_its_root_path(tmp_path):
    # The party inside an ASGI server (a2wsgi), the FastAPI member inside the party.
    env = {DATABASE_ENV: str(tmp_path / "shop.sqlite3")}
    argv = uvicorn("examples.migration.asgi:application", "--workers", "2", "--root-path", "/shop")
    with Server(argv, env=env) as running:
        for _ in range(3):  # reach both workers
            for path in ("/", "/products/2/", "/api/products/2", "/blog/", "/status/"):
                reply = running.get(path)
                page = read_page(reply.body.decode())
                assert (reply.status, page.member) == (200, intended_member(path)), running.log()
                local = [href for href in page.links if href.startswith("/")]
                assert local and all(href.startswith("/shop/") for href in local), (path, local)
        document = json.loads(running.get("/api/products/2").body)
        assert document["product"]["url"] == "/shop/products/2/"
        assert document["links"]["story"] == "/shop/blog/tea-time/"
        assert "/shop/api/products/2" in read_page(running.get("/products/2/").body.decode()).links
        assert "/shop/api/products/" in read_page(running.get("/products/").body.decode()).links


# -- the Flask and Pyramid examples ----------------------------------------------------


TWO_APPS = {
    "flask": REPO / "examples" / "flask" / "two_apps.py",
    "pyramid": REPO / "examples" / "pyramid" / "two_apps.py",
}


def load_example(path: Path) -> t.Any:
    name = f"example_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.mark.parametrize("framework", TWO_APPS)
def test_two_apps_link_to_each_other(framework):
    from werkzeug.test import Client

    example = load_example(TWO_APPS[framework])
    application = example.application
    try:
        client = Client(application)

        def fetch(url: str) -> tuple[int, str, str]:
            reply = client.get(path_of(url))
            return reply.status_code, url, reply.get_data(as_text=True)

        pages = walk(fetch, f"{ORIGIN}/")
        served = {path_of(url): (status, page.member) for url, (status, _f, page) in pages.items()}
        expected_member = {
            path: "guide" if path.startswith("/guide/") else "front" for path in served
        }
        assert served == {path: (200, expected_member[path]) for path in served}
        # Both directions: the front links into the guide, the guide back home.
        assert "/guide/" in served and "/guide/chapter/3" in served
        guide = read_page(client.get("/guide/chapter/1").get_data(as_text=True))
        assert "/" in guide.links
    finally:
        application.close()


@pytest.mark.server
@pytest.mark.parametrize("framework", TWO_APPS)
def test_two_apps_run_as_a_script(framework):
    script = [sys.executable, str(TWO_APPS[framework]), "--port", "{port}"]
    with Server(script, ready_path="/") as running:
        front = running.get("/")
        link = read_page(front.body.decode()).links[0]
        reply = running.get(link)
        assert (front.status, reply.status) == (200, 200)
        assert read_page(reply.body.decode()).member == "guide"
        assert f"http://127.0.0.1:{running.port}/" in running.log()


# -- the blog's own tests, the rest of the shop stood in -------------------------------


def test_the_blogs_own_tests_pass_with_stand_ins_for_the_shop():
    # This checkout's plugin, even where an installed entry point would load another.
    plugin = ["-p", "no:wsgi_party", "-p", "wsgi_party.pytest_plugin"]
    suite = "examples/migration/test_blog_alone.py"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, suite],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 passed" in result.stdout
