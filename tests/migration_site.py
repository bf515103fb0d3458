"""What the tests know about the migration demo, and how they read its pages.

The intended layout of the site, written down independently of its code::

    intended_member("/blog/tea-time/")   # 'blog'
    intended_member("/products/3/")      # 'shopfront' (moved from legacy)
    intended_member("/api/products/")    # 'api' (moved from legacy)
    intended_section("/products/3/")     # 'Shop'
    guest_landing("/admin/")             # '/accounts/login/?next=/admin/'

and a parser for the facts the tests check on every page, HTML or JSON::

    page = read_page(html)
    page.member, page.links, page.nav, page.user, page.main_user, page.active
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

if t.TYPE_CHECKING:
    from collections.abc import Callable

#: The WSGI application of the demo, for servers and the isolated client.
TARGET = "examples.migration.site:application"

#: Apps mounted under a prefix of their own.
MOUNTED = {"/blog": "blog", "/admin": "admin", "/status": "status"}

#: The product page moved from the legacy Django shop to the Flask shopfront.
MOVED = re.compile(r"/products/\d+/")

#: The FastAPI app's routes, at the root too: its JSON API, and the catalogue's
#: JSON feed, moved there from the legacy Django shop.
API = re.compile(r"/api/products/(\d+)?")

#: Every member of the demo's party: the three sharing the root, and the mounted ones.
MEMBERS = frozenset({"legacy", "shopfront", "api", *MOUNTED.values()})

#: Pages for logged-in visitors only: the admin (Pyramid, ``permission=`` for
#: staff) and the blog's drafts (Flask-Login's ``login_required``).
LOGIN_REQUIRED = re.compile(r"/admin/.*|/blog/drafts/")

#: The login page of the legacy Django shop, which owns login for the site.
LOGIN_PAGE = "/accounts/login/"

#: The header's sections and the members whose pages belong to them.
SECTIONS = {"blog": "Blog", "admin": "Admin", "status": "Status", "shopfront": "Shop"}


def intended_member(url: str) -> str:
    """The member that should serve ``url`` (a path, or a URL on the site)."""
    path = urlsplit(url).path
    for mount, member in MOUNTED.items():
        if path == mount or path.startswith(mount + "/"):
            return member
    if MOVED.fullmatch(path):
        return "shopfront"
    if API.fullmatch(path):
        return "api"
    return "legacy"


def intended_section(url: str) -> str | None:
    """The header section that should be marked active on ``url``."""
    path = urlsplit(url).path
    member = intended_member(path)
    if member == "api":  # JSON: no header, no section
        return None
    if member != "legacy":
        return SECTIONS[member]
    if path == "/":
        return "Home"
    if path.startswith("/products/"):
        return "Shop"
    return None


def guest_landing(url: str) -> str:
    """Where a guest asking for ``url`` is sent: ``url`` itself, or the login page.

    A page that requires login redirects a guest to the owner's login page
    with ``next=`` the path (and query) asked for, ``/`` left readable, as
    Django's ``redirect_to_login`` writes it.
    """
    parts = urlsplit(url)
    if not LOGIN_REQUIRED.fullmatch(parts.path):
        return url
    asked = f"{parts.path}?{parts.query}" if parts.query else parts.path
    query = urlencode({"next": asked}, safe="/")
    return urlunsplit((parts.scheme, parts.netloc, LOGIN_PAGE, query, ""))


@dataclass
class Page:
    """The facts of one HTML page that the tests check."""

    #: ``<meta name="wsgi-party-member">``: the member that rendered it.
    member: str | None = None
    #: Every ``<a href>``, in order.
    links: list[str] = field(default_factory=list)
    #: The links of the header's ``<nav>``: (label, href).
    nav: list[tuple[str, str]] = field(default_factory=list)
    #: The label of the nav link marked active.
    active: str | None = None
    #: The user named in the header (``.user``), if any.
    user: str | None = None
    #: ``<main data-user>``: who the serving app itself says is logged in.
    main_user: str | None = None
    #: Stylesheets linked from the head.
    stylesheets: list[str] = field(default_factory=list)
    #: Icons linked from the head.
    icons: list[str] = field(default_factory=list)
    #: The footer's links.
    footer: list[str] = field(default_factory=list)
    #: The CSRF token of the page's form, if it has one.
    csrf_token: str | None = None
    #: The visible text of ``<main>``, whitespace collapsed.
    main_text: str = ""
    #: The document, when the page is JSON (from the API) rather than HTML.
    json: dict[str, t.Any] | None = None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open: list[str] = []
        self._nav_href: str | None = None
        self._nav_active = False
        self._label: list[str] = []
        self._user: list[str] | None = None
        self._main: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        page = self.page
        if tag not in ("meta", "link", "input", "br", "img"):
            self._open.append(tag)
        if tag == "meta" and found.get("name") == "wsgi-party-member":
            page.member = found.get("content")
        elif tag == "link" and "stylesheet" in found.get("rel", "").split():
            page.stylesheets.append(found.get("href", ""))
        elif tag == "link" and "icon" in found.get("rel", "").split():
            page.icons.append(found.get("href", ""))
        elif tag == "input" and found.get("name") == "csrfmiddlewaretoken":
            page.csrf_token = found.get("value")
        elif tag == "main":
            page.main_user = found.get("data-user")
        elif tag == "a" and "href" in found:
            page.links.append(found["href"])
            if "footer" in self._open:
                page.footer.append(found["href"])
            if "nav" in self._open:
                self._nav_href = found["href"]
                self._nav_active = "active" in found.get("class", "").split()
                self._label = []
        if "user" in found.get("class", "").split():
            self._user = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass
        if tag == "a" and self._nav_href is not None:
            label = " ".join("".join(self._label).split())
            self.page.nav.append((label, self._nav_href))
            if self._nav_active:
                self.page.active = label
            self._nav_href = None
        if self._user is not None and tag in ("strong", "span"):
            self.page.user = "".join(self._user).strip()
            self._user = None

    def handle_data(self, data: str) -> None:
        if self._nav_href is not None:
            self._label.append(data)
        if self._user is not None:
            self._user.append(data)
        if "main" in self._open:
            self._main.append(data)

    def close(self) -> None:
        super().close()
        self.page.main_text = " ".join("".join(self._main).split())


def read_json(document: dict[str, t.Any]) -> Page:
    """The facts of a JSON page of the API: who served it, its links, its user.

    Its links are every string in it that is a path or a URL; ``user`` is
    who the API says is logged in (both ``user`` and ``main_user``, as the
    API is its own whole page).
    """

    def strings(value: t.Any) -> t.Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    links = [s for s in strings(document) if s.startswith(("/", "http://", "https://"))]
    user = document.get("user")
    return Page(
        member=document.get("member"),
        links=links,
        user=user,
        main_user=user or "",
        json=document,
    )


def read_page(html: str) -> Page:
    """Parse the facts of ``html`` (or of a JSON document of the API)."""
    if html.lstrip().startswith("{"):
        return read_json(json.loads(html))
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def site_links(page: Page, url: str) -> list[str]:
    """The page's links that stay on the site, absolute against ``url``, unique."""
    base = urlsplit(url)
    found: list[str] = []
    for href in page.links:
        target = urljoin(url, href).split("#", 1)[0]
        parts = urlsplit(target)
        on_site = parts.scheme in ("", base.scheme) and parts.netloc in ("", base.netloc)
        if on_site and target not in found:
            found.append(target)
    return found


def walk(
    fetch: Callable[[str], tuple[int, str, str]], start: str, *, limit: int = 100
) -> dict[str, tuple[int, str, Page]]:
    """Visit every page reachable from ``start`` by links, each URL once.

    ``fetch(url)`` returns (status, final url, html). Returns url -> (status,
    final url, page). Stops with an error after ``limit`` pages, so a site
    that invents URLs without end cannot hang the test.
    """
    seen: dict[str, tuple[int, str, Page]] = {}
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        if len(seen) >= limit:
            raise AssertionError(f"more than {limit} distinct URLs reachable from {start}")
        status, final, html = fetch(url)
        page = read_page(html)
        seen[url] = (status, final, page)
        if status == 200:
            queue.extend(link for link in site_links(page, final) if link not in seen)
    return seen
