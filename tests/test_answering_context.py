"""A member builds its URLs in its own context, never in the asker's.

Flask runs an app's ``url_defaults`` inside that app's context, where ``g``
is the app's own. A cross-app link built while another Flask app handles a
request must keep it that way: the blog's defaults see the blog's ``g``,
not the shop's, or the shop's request state leaks into the blog's links.
"""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from wsgi_party import WSGIParty

flask = pytest.importorskip("flask")
flask_ctx = pytest.importorskip("flask.ctx")

from wsgi_party.flask import FlaskParty, party_url  # noqa: E402

MakeParty = t.Callable[..., WSGIParty]


class BlogGlobals(flask_ctx._AppCtxGlobals):
    """The blog's ``g``: every blog app context starts with its own edition."""

    edition = "blog-edition"


def shop_and_blog() -> tuple[flask.Flask, flask.Flask, list[tuple[str, str]]]:
    """A shop whose requests put their own ``edition`` on ``g``, and a blog whose
    ``url_defaults`` fill ``edition`` from ``g``, recording what they saw."""
    seen: list[tuple[str, str]] = []

    blog = flask.Flask("blog")
    blog.app_ctx_globals_class = BlogGlobals

    @blog.route("/<edition>/post/<int:id>")
    def post(edition: str, id: int) -> str:
        return f"{edition}/{id}"

    @blog.url_defaults
    def edition_from_g(endpoint: str, values: dict[str, t.Any]) -> None:
        seen.append((flask.current_app.name, flask.g.edition))
        values.setdefault("edition", flask.g.edition)

    shop = flask.Flask("shop")

    @shop.before_request
    def shop_edition() -> None:
        flask.g.edition = "shop-edition"

    @shop.route("/")
    def index() -> str:
        return party_url("blog:post", id=7)

    FlaskParty(blog, name="blog")
    FlaskParty(shop, name="shop")
    return shop, blog, seen


def test_the_answering_apps_url_defaults_see_its_own_g_not_the_askers(
    make_party: MakeParty,
) -> None:
    shop, blog, seen = shop_and_blog()
    party = make_party(DispatcherMiddleware(shop, {"/blog": blog}))
    for _ in range(2):  # the second link must not come from a memory of the first
        seen.clear()
        assert Client(party).get("/").get_data(as_text=True) == "/blog/blog-edition/post/7"
        assert seen == [("blog", "blog-edition")]


def test_the_askers_g_is_left_as_it_was(make_party: MakeParty) -> None:
    shop, blog, _seen = shop_and_blog()
    after: list[str] = []

    @shop.route("/check")
    def check() -> str:
        url = party_url("blog:post", id=1)
        after.append(flask.g.edition)
        after.append(flask.current_app.name)
        return url

    party = make_party(DispatcherMiddleware(shop, {"/blog": blog}))
    assert Client(party).get("/check").get_data(as_text=True) == "/blog/blog-edition/post/1"
    assert after == ["shop-edition", "shop"]


def test_a_link_the_blog_builds_to_itself_uses_its_request_g(make_party: MakeParty) -> None:
    # The contrast: inside the blog's own request, its url_defaults see the
    # g of that request, as flask.url_for does.
    shop, blog, seen = shop_and_blog()

    @blog.route("/self")
    def self_link() -> str:
        flask.g.edition = "this-request"
        return party_url("blog:post", id=2) + " " + flask.url_for("post", id=2)

    party = make_party(DispatcherMiddleware(shop, {"/blog": blog}))
    body = Client(party).get("/blog/self").get_data(as_text=True)
    assert body == "/blog/this-request/post/2 /blog/this-request/post/2"
    assert seen == [("blog", "this-request"), ("blog", "this-request")]
