"""A party with one app that never joins: ``wsgi-party check`` reports it."""

from __future__ import annotations

import typing as t

from mysite import create_blog, create_shop
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty


def downloads(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    """A plain WSGI app with no integration: its invite path is a 404."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"Not Found"]


# [start-declined]
dispatcher = DispatcherMiddleware(create_shop(), {"/blog": create_blog(), "/downloads": downloads})
application = WSGIParty(dispatcher, lazy=True)

# Invite only the apps meant to join, and check passes:
invited = WSGIParty(dispatcher, invites=("/__invite__/", "/blog/__invite__/"), lazy=True)
# [end-declined]
