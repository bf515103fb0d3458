"""Upgrading from wsgi_party 0.1: old code runs, new code is shorter.

``python docs/examples/upgrading.py`` runs the checks.
"""

# ruff: noqa: E402 - imports follow the configuration they need

from __future__ import annotations

import typing as t

from flask import Flask, request, url_for
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import BuildError
from werkzeug.test import Client

from wsgi_party import HighAndDry, WSGIParty


# [start-old]
def make_old_style_app(name: str) -> Flask:
    """A Flask app wired up by hand, the way wsgi_party 0.1 documented it."""
    app = Flask(name)
    app.partyline = None  # type: ignore[attr-defined]

    @app.route("/__invite__/")
    def invite() -> tuple[str, int]:
        partyline = request.environ.get("partyline")
        if partyline is None or app.partyline is not None:  # type: ignore[attr-defined]
            return "Not found", 404
        app.partyline = partyline  # type: ignore[attr-defined]
        partyline.connect("ping", lambda payload: "pong")
        partyline.connect("url", build_url)
        return "ok", 200

    def build_url(payload: t.Any) -> str:
        endpoint, values = payload  # the 0.1 payload: (endpoint, values)
        with app.test_request_context():
            try:
                return url_for(endpoint, **values)
            except BuildError:
                raise HighAndDry() from None

    @app.route("/")
    def index() -> str:
        urls = app.partyline.ask_around("url", ("index", {}))  # type: ignore[attr-defined]
        return " ".join(urls)

    return app


# Werkzeug's DispatcherMiddleware moved to werkzeug.middleware.dispatcher.
dispatcher = DispatcherMiddleware(make_old_style_app("one"), {"/two": make_old_style_app("two")})
application = WSGIParty(dispatcher, invites=("/__invite__/", "/two/__invite__/"))
# [end-old]

# [start-old-check]
client = Client(application)
assert client.get("/").text == "/"  # 0.1 URLs ignore the mount: see below
assert application.ask_around("ping", None) == ["pong", "pong"]
# In 0.2 the party answers 404 for invite paths requested over HTTP.
assert client.get("/two/__invite__/").status_code == 404
application.close()
# [end-old-check]

# [start-new]
from wsgi_party.flask import FlaskParty, party_url


def make_app(name: str, other: str) -> Flask:
    app = Flask(name)
    FlaskParty(app, name=name)

    @app.route("/")
    def index() -> str:
        return party_url(f"{other}:index")

    return app


application = WSGIParty(
    DispatcherMiddleware(make_app("one", "two"), {"/two": make_app("two", "one")})
)
client = Client(application)
assert client.get("/").text == "/two/"  # the mount is part of the URL
assert client.get("/two/").text == "/"
assert [m.name for m in application.members] == ["one", "two"]
application.close()
# [end-new]
