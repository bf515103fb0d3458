"""The blog's own tests, as the blog's team runs them: the blog alone.

The blog's pages wear the legacy shop's chrome and link into the shop
(``templates/layout.html``, ``templates/blog/``), so run alone they cannot
render. Stand-ins for the shop's members, made from the real site's route
table, take their place; the tests use Flask's own test client::

    python -m pytest examples/migration/test_blog_alone.py

A link to a shop endpoint that the real site no longer has fails here, with
the stand-in's name and the routes file in the error. The legacy stand-in
also answers ``login``, so the drafts (``@login_required``) send a guest to
its login page as the real shop would. The last tests run the blog alone,
with no party at all, as ``flask run`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from examples.migration.blog import create_blog
from examples.migration.data import DATABASE_ENV, product_by_slug
from wsgi_party import Identity
from wsgi_party.flask import PartyBuildError

if t.TYPE_CHECKING:
    from flask.testing import FlaskClient

    from wsgi_party.testing import StandIn

REPO = Path(__file__).resolve().parent.parent.parent
SITE = "examples.migration.site:application"


@pytest.fixture(scope="module")
def site_routes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``wsgi-party routes examples/migration/site.py:application --json``, fresh."""
    where = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_party", "routes", SITE, "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, DATABASE_ENV: str(where / "shop.sqlite3")},
    )
    routes = where / "routes.json"
    routes.write_text(result.stdout)
    return routes


# [start-fixtures]
@pytest.fixture
def legacy(stand_in: t.Any, site_routes: Path) -> StandIn:
    """The legacy shop: its routes, who is logged in, and its chrome."""
    return stand_in.from_routes(
        "legacy",
        site_routes,
        identity=None,
        fragments={"head": "", "header": "<header>the shop</header>", "footer": "<footer/>"},
        login="login",
    )


@pytest.fixture
def client(
    party_for: t.Any,
    stand_in: t.Any,
    site_routes: Path,
    legacy: StandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> FlaskClient:
    # The shop's database, as the routes command created it.
    monkeypatch.setenv(DATABASE_ENV, str(site_routes.parent / "shop.sqlite3"))
    blog = create_blog()
    blog.testing = True  # a link that cannot be built fails the test with its reason
    party_for(blog, "/blog", legacy, stand_in.from_routes("shopfront", site_routes))
    return blog.test_client()


# [end-fixtures]


def test_the_index_lists_the_posts_in_the_shops_chrome(client: FlaskClient) -> None:
    page = client.get("/").text
    assert "The Looking-Glass blog" in page
    assert "<header>the shop</header>" in page and "<footer/>" in page
    assert 'content="blog"' in page


def test_a_logged_in_reader_is_welcomed_back(client: FlaskClient, legacy: StandIn) -> None:
    legacy.identity = Identity("1", "alice")
    assert "Welcome back, alice" in client.get("/").text


def test_a_post_is_served(client: FlaskClient) -> None:
    assert "A new blog, the same shop" in client.get("/new-blog/").text


def test_a_post_links_to_its_product_by_the_shops_endpoint_names(client: FlaskClient) -> None:
    page = client.get("/tea-time/").text
    tea_set = product_by_slug("tea-set")
    assert tea_set is not None
    assert f'href="/products/{tea_set.pk}/"' in page  # built by the shopfront stand-in
    assert 'href="/products/">browse everything' in page  # the legacy stand-in


def test_an_unknown_post_is_not_found(client: FlaskClient) -> None:
    assert client.get("/no-such-post/").status_code == 404


def test_the_drafts_send_a_guest_to_the_shops_login_page_and_back(client: FlaskClient) -> None:
    response = client.get("/drafts/")
    # The legacy stand-in's "login" route, from the real site's route table.
    assert (response.status_code, response.location) == (302, "/accounts/login/?next=/drafts/")


def test_the_drafts_are_shown_to_a_logged_in_reader(client: FlaskClient, legacy: StandIn) -> None:
    legacy.identity = Identity("1", "alice")
    page = client.get("/drafts/").text
    assert "Mugs that grin" in page and "Enjoy the preview, alice" in page


# -- the blog alone: no party, no stand-ins ---------------------------------------------


@pytest.fixture
def alone(site_routes: Path, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv(DATABASE_ENV, str(site_routes.parent / "shop.sqlite3"))
    blog = create_blog()
    blog.testing = True  # let exceptions reach the test
    return blog.test_client()


def test_alone_the_index_renders_without_the_chrome_for_a_guest(
    alone: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    page = alone.get("/").text
    assert "The Looking-Glass blog" in page and 'content="blog"' in page
    assert "<header" not in page and 'data-user=""' in page  # fragments fall back to ""
    assert "not in a party" in caplog.text  # said once, on the wsgi_party logger


def test_alone_a_link_into_the_shop_says_the_blog_is_not_in_a_party(alone: FlaskClient) -> None:
    with pytest.raises(PartyBuildError, match="not in a party"):
        alone.get("/tea-time/")
