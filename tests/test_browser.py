"""The migration demo in a real browser: headless Chromium driven by Playwright.

The demo runs as its users run it (``python -m examples.migration``, waitress
on 127.0.0.1, a free port), with a database of its own. Chromium walks every
link of every page, as a guest and logged in, and checks each lands on a page
of the app that should serve it (a guest asking for a page that requires
login lands on Django's login page); it logs in once and sees the user on a
page of every app; asking for the admin or the blog's drafts as a guest, it
logs in on Django's page and comes back; it follows a legacy link to the
moved product page, and the Flask page's link to the FastAPI JSON and back;
and it saves a screenshot of the front page to ``artifacts/front-page.png``.

Only the system's Chromium (``/usr/bin/chromium``) is used, never a
downloaded one; without it these tests are skipped (and fail under
``CI=true``).
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

import pytest

from examples.migration.data import DATABASE_ENV, PASSWORD, USERNAME
from tests.migration_site import (
    MEMBERS,
    MOVED,
    guest_landing,
    intended_member,
    read_page,
    walk,
)
from tests.servers import Server

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "artifacts" / "front-page.png"

# Skipped by marks, not at module level, so that under CI=true a missing
# browser fails these tests (tests/must_run.py).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"
    ),
]

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - the [test] extra installs it
    sync_api = None  # type: ignore[assignment]
    pytestmark.append(pytest.mark.skip(reason="Playwright is not installed"))

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo served by ``python -m examples.migration`` on a free port."""
    database = tmp_path_factory.mktemp("browser-demo") / "shop.sqlite3"
    command = [sys.executable, "-m", "examples.migration", "--port", "{port}"]
    with Server(command, env={DATABASE_ENV: str(database)}, startup_timeout=60) as server:
        address = f"http://127.0.0.1:{server.port}"
        yield address
        assert f"{address}/" in server.log(), "the demo did not print its address"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser window (no cookies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def walk_site(page: Page, origin: str) -> dict[str, tuple[int, str, t.Any]]:
    """Visit every URL reachable by links from the front page, once each."""

    def fetch(url: str) -> tuple[int, str, str]:
        response = page.goto(url)
        assert response is not None, url
        return response.status, page.url, body(response, page)

    return walk(fetch, f"{origin}/")


def is_json(response: t.Any) -> bool:
    """Whether the response is JSON (from the demo's API)."""
    return str(response.headers.get("content-type", "")).startswith("application/json")


def body(response: t.Any, page: Page) -> str:
    """The page as served: JSON as it came, not Chromium's viewer around it."""
    return str(response.text()) if is_json(response) else page.content()


def assert_each_page_is_served_by_its_app(
    pages: dict[str, tuple[int, str, t.Any]], *, logged_in: bool
) -> None:
    """Each page is its app's; a guest asking for one that needs login is at Django's login."""
    landing = {url: url if logged_in else guest_landing(url) for url in pages}
    wrong = {
        url: (status, final, found.member)
        for url, (status, final, found) in pages.items()
        if (status, final, found.member) != (200, landing[url], intended_member(landing[url]))
    }
    assert wrong == {}, "pages answered by the wrong app, redirected, or not 200"
    assert {found.member for _s, _f, found in pages.values()} == members_seen(logged_in)


def members_seen(logged_in: bool) -> frozenset[str]:
    """The apps whose pages a visitor sees: the admin is for logged-in staff only."""
    return MEMBERS if logged_in else MEMBERS - {"admin"}


def log_in(page: Page, origin: str, next_path: str) -> None:
    page.goto(f"{origin}/accounts/login/?next={next_path}")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert page.url == f"{origin}{next_path}"


def test_a_guest_can_follow_every_link_to_a_page_of_its_app(page, origin):
    pages = walk_site(page, origin)
    assert_each_page_is_served_by_its_app(pages, logged_in=False)
    assert {found.user for _s, _f, found in pages.values()} == {None}
    assert f"{origin}/admin/" in pages, "the header links to the admin"


def test_after_logging_in_once_every_app_shows_the_user(page, origin):
    log_in(page, origin, "/blog/")
    pages = walk_site(page, origin)
    assert_each_page_is_served_by_its_app(pages, logged_in=True)
    users = {(found.member, found.user, found.main_user) for _s, _f, found in pages.values()}
    assert users == {(member, USERNAME, USERNAME) for member, _u, _m in users}
    # The admin's inventory is for staff only: reached only now.
    assert f"{origin}/admin/inventory/" in pages


@pytest.mark.parametrize(
    ("path", "app", "shows"),
    [("/admin/inventory/", "admin", "Inventory"), ("/blog/drafts/", "blog", "Drafts")],
    ids=["pyramid-permission", "flask-login-required"],
)
def test_a_guest_logs_in_on_djangos_page_and_comes_back(page, origin, path, app, shows):
    page.goto(f"{origin}{path}")
    assert page.url == f"{origin}{guest_landing(path)}"
    assert read_page(page.content()).member == "legacy"
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert page.url == f"{origin}{path}"
    back = read_page(page.content())
    assert (back.member, back.user) == (app, USERNAME)
    assert page.locator("main h1").inner_text() == shows


def test_the_legacy_shop_links_to_the_moved_page_which_flask_serves(page, origin):
    page.goto(f"{origin}/products/")
    assert read_page(page.content()).member == "legacy"
    product_link = page.locator("main table a").first
    href = product_link.get_attribute("href") or ""
    assert MOVED.fullmatch(href), href
    with page.expect_navigation():
        product_link.click()
    assert page.url == f"{origin}{href}"
    assert read_page(page.content()).member == "shopfront"
    notice = page.locator("aside.moved")
    assert notice.is_visible()
    assert "served by the new Flask app" in " ".join(notice.inner_text().split())


def test_the_flask_page_links_to_the_fastapi_json_which_links_back(page, origin):
    log_in(page, origin, "/products/1/")
    api_link = page.get_by_role("link", name="this product as JSON")
    href = api_link.get_attribute("href") or ""
    assert intended_member(href) == "api", href
    with page.expect_response(f"{origin}{href}") as answer:
        api_link.click()
    document = read_page(body(answer.value, page))
    assert (answer.value.status, document.member, document.user) == (200, "api", USERNAME)
    assert document.json is not None
    back = document.json["product"]["url"]
    assert back == "/products/1/"
    page.goto(f"{origin}{document.json['links']['story']}")
    assert read_page(page.content()).member == "blog"


def test_every_app_wears_the_legacy_stylesheet(page, origin):
    log_in(page, origin, "/")  # the admin is for staff
    colours = {}
    for path in ("/", "/products/3/", "/blog/", "/admin/", "/status/"):
        page.goto(f"{origin}{path}")
        colours[path] = page.eval_on_selector(
            ".site-header", "header => getComputedStyle(header).backgroundColor"
        )
    assert len(set(colours.values())) == 1, colours
    assert colours["/"] not in ("rgba(0, 0, 0, 0)", "transparent"), "the stylesheet did not load"


def test_screenshot_of_the_front_page(page, origin):
    log_in(page, origin, "/")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    data = SCREENSHOT.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


#: A phone's screen in CSS pixels (an iPhone 12 to 15).
PHONE = {"width": 390, "height": 844}

#: The document's width, and the site header's links whose right edge lies
#: beyond ``width``. (A mobile browser widens its window to the document and
#: zooms out, so the window's own width proves nothing.)
MEASURE = """width => ({
    document: document.documentElement.scrollWidth,
    cut: Array.from(document.querySelectorAll(".site-header a"))
        .filter(a => a.getBoundingClientRect().right > width)
        .map(a => a.textContent.trim()),
})"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh window on a phone: a mobile viewport 390 CSS pixels wide."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("logged_in", [False, True], ids=["guest", "logged-in"])
def test_at_a_phone_width_no_page_is_wider_than_the_screen(phone, origin, logged_in):
    if logged_in:  # the header's longest form: "Signed in as alice  Log out"
        log_in(phone, origin, "/")
    too_wide = {}

    def fetch(url: str) -> tuple[int, str, str]:
        response = phone.goto(url)
        assert response is not None, url
        text = body(response, phone)
        # JSON is shown by the browser's own viewer, laid out 980 pixels wide.
        if not is_json(response):
            measured = phone.evaluate(MEASURE, PHONE["width"])
            if measured["document"] > PHONE["width"] or measured["cut"]:
                too_wide[url] = measured
        return response.status, phone.url, text

    pages = walk(fetch, f"{origin}/")
    assert {found.member for _s, _f, found in pages.values()} == members_seen(logged_in)
    assert too_wide == {}
