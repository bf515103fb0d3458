"""The apps of a small project, built by factories (used by the deployment examples)."""

from __future__ import annotations

import typing as t

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_url


def create_shop() -> Flask:
    shop = Flask("shop")
    FlaskParty(shop, name="shop")

    @shop.route("/")
    def index() -> str:
        return f"shop; read {party_url('blog:post', id=1)}"

    return shop


def create_blog() -> Flask:
    blog = Flask("blog")
    FlaskParty(blog, name="blog")

    @blog.route("/post/<int:id>")
    def post(id: int) -> str:
        return f"post {id}; back to {party_url('shop:index')}"

    return blog


# [start-factory]
def create_party(**options: t.Any) -> WSGIParty:
    """New app objects in a new party: one call per process (or per test)."""
    return WSGIParty(DispatcherMiddleware(create_shop(), {"/blog": create_blog()}), **options)


# [end-factory]
