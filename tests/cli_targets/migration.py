"""A route-level migration: ``new`` takes routes from ``legacy`` at the same URLs.

``application`` has the dispatcher at the root and a ``status`` member (no
routes) under ``/status``; ``prefixed`` mounts a second such site under ``/site``.
"""

from __future__ import annotations

import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import BaseConverter, Rule

from wsgi_party import PartyMember, RouteDispatcher, WSGIParty

from ._members import map_member, stranger


class YearConverter(BaseConverter):
    """A custom converter: the command cannot invent a value for it."""

    regex = r"\d{4}"


def make_site() -> RouteDispatcher:
    """A legacy app, and a new app that took over some of its routes."""
    new = map_member(
        "new",
        [
            Rule("/about", endpoint="about", methods=["GET"]),
            Rule("/post/<int:id>", endpoint="post", methods=["GET"]),
            Rule("/tag/<int:id>", endpoint="tag", methods=["GET"]),
            Rule("/archive/<int:year>", endpoint="archive", methods=["GET"]),
            Rule("/feedback", endpoint="feedback", methods=["POST"]),
        ],
    )
    legacy = map_member(
        "legacy",
        [
            Rule("/", endpoint="home"),
            Rule("/about", endpoint="about"),
            Rule("/contact", endpoint="contact"),
            Rule("/post/<int:id>", endpoint="post"),
            Rule("/tag/<slug>", endpoint="tag"),
            Rule("/archive/<year:year>", endpoint="archive"),
            Rule("/feedback", endpoint="feedback", methods=["GET", "POST"]),
        ],
        converters={"year": YearConverter},
    )
    return RouteDispatcher({"new": new, "legacy": legacy}, default="legacy")


def health(payload: object) -> dict[str, t.Any]:
    """The ``status`` member's only service."""
    return {"ok": True}


application = WSGIParty(
    DispatcherMiddleware(
        make_site(),
        {"/status": PartyMember(stranger, name="status", services={"health": health})},
    ),
    lazy=True,
)

prefixed = WSGIParty(DispatcherMiddleware(stranger, {"/site": make_site()}), lazy=True)
