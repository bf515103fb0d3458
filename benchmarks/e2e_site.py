"""The site of the end-to-end benchmark: the same pages with and without the party.

``/about`` is identical in both sites (it builds no link); ``/`` and
``/blog/post/<id>`` build cross-app links (five and one).

``party_app``: a Flask shop at ``/`` and a Flask blog at ``/blog``, members of
a :class:`~wsgi_party.WSGIParty`; each page builds links to the other app
through the partyline. ``bare_app``: the same apps under the bare dispatcher,
their pages carrying the same links written out by hand, which is what a site
without the party does.
"""

from __future__ import annotations

import flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_url

POSTS = range(1, 6)


def _page(title: str, links: list[str]) -> str:
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><ul>{items}</ul>"


def make_apps(with_party: bool) -> tuple[flask.Flask, flask.Flask]:
    shop = flask.Flask("shop")
    blog = flask.Flask("blog")

    @shop.route("/")
    def shop_index() -> str:
        if with_party:
            links = [party_url("blog:post", id=i, ref="shop") for i in POSTS]
        else:
            links = [f"/blog/post/{i}?ref=shop" for i in POSTS]
        return _page("shop", links)

    @shop.route("/about")
    def about() -> str:
        # The same page in both sites: no cross-app link, so the difference is
        # what the party costs every request (the middleware, the scope).
        return _page("about", [])

    @blog.route("/post/<int:id>")
    def post(id: int) -> str:
        links = [party_url("shop:shop_index")] if with_party else ["/"]
        return _page(f"post {id}", links)

    if with_party:
        FlaskParty(shop, name="shop")
        FlaskParty(blog, name="blog")
    return shop, blog


_shop, _blog = make_apps(with_party=True)
party_app = WSGIParty(DispatcherMiddleware(_shop, {"/blog": _blog}), lazy=True)

_bare_shop, _bare_blog = make_apps(with_party=False)
bare_app = DispatcherMiddleware(_bare_shop, {"/blog": _bare_blog})
