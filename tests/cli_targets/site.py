"""A shop at the root and a blog under ``/blog`` that link to each other."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Rule

from wsgi_party import WSGIParty

from ._members import map_member

shop = map_member(
    "shop",
    [
        Rule("/", endpoint="index"),
        Rule("/cart", endpoint="cart", methods=["GET", "POST"]),
    ],
    name="shop",
    links={"index": "blog:index"},
)
blog = map_member(
    "blog",
    [Rule("/", endpoint="index"), Rule("/post/<int:id>", endpoint="post")],
    links={"index": "shop:index"},
)

application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}), lazy=True)

#: The party behind middleware, as a deployment often serves it.
behind_proxy = ProxyFix(application)

#: Not a WSGI application.
NOT_AN_APP = 42
