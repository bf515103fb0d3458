"""A party with a FastAPI member, for the server tests.

Served as ``tests.sites.starlette_site:application``:

======  =======  ===================================================
name    mount    app
======  =======  ===================================================
blog    (root)   Flask app, owner of login (the ``user`` cookie)
api     /api     FastAPI app (tests/starlette_apps.py) in StarletteMember
======  =======  ===================================================

``/api/items/<n>`` (``def``) and ``/api/async/<n>`` (``async def``) answer
JSON with the user the blog says is logged in for that request, the links
they built and the PID; ``/api/boom`` raises; ``/post/<n>`` is the blog's
link to the API. The module serves one request at import, so the API's
event loop runs before any fork.
"""

from __future__ import annotations

import os
import typing as t

import flask
from fastapi import Request
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from tests import starlette_apps
from wsgi_party import Identity, WSGIParty
from wsgi_party.flask import FlaskParty, party_url
from wsgi_party.starlette import StarletteMember


def cookie_user() -> Identity | None:
    user = flask.request.cookies.get("user")
    return Identity(user, user.title()) if user else None


blog = flask.Flask("blog")
FlaskParty(blog, name="blog", identity=cookie_user)


@blog.route("/post/<int:id>")
def post(id: int) -> str:
    return party_url("api:item", id=id)


api_app = starlette_apps.api()


@api_app.get("/pid", name="pid")
def pid(request: Request) -> dict[str, t.Any]:
    return {"pid": os.getpid()}


api = StarletteMember(api_app, name="api")
application = WSGIParty(DispatcherMiddleware(blog, {"/api": api}))

# A request at import (a start-up check, as some sites make one) starts the
# API's event loop thread here: under gunicorn --preload that is the master,
# and each forked worker must start a loop of its own.
_warm_up = Client(application).get("/api/pid", buffered=True)
assert _warm_up.status_code == 200, _warm_up.get_data(as_text=True)
assert api.runner.loop is not None
