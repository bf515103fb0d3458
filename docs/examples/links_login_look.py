"""Links, login and look: a moved route keeps the old site's URLs, user and chrome.

The legacy Flask site owns login (its session) and the page chrome (a header
template). The new Pyramid app serves ``/account`` at the same URL, asks the
party who is logged in, and wraps its page in the legacy header.

``python docs/examples/links_login_look.py`` runs the checks.
"""

# ruff: noqa: E402 - imports follow the configuration they need

from __future__ import annotations

import typing as t

# [start-owner]
from flask import Flask, redirect, session
from jinja2 import DictLoader

from wsgi_party import Identity, RouteDispatcher, WSGIParty
from wsgi_party.flask import FlaskParty, party_url

USERS = {"ada": Identity("1", "Ada Lovelace", roles={"editor"}, extra={"email": "ada@example.com"})}


def current_user() -> Identity | None:
    """Who is logged in, from this request's own session cookie."""
    return USERS.get(session.get("user", ""))


legacy = Flask("legacy")
legacy.secret_key = "not-a-secret-for-real-sites"
legacy.jinja_loader = DictLoader(
    {
        "header.html": '<nav><a href="{{ party_url("home") }}">Home</a>'
        ' <a href="{{ party_url("account") }}">Account</a></nav>'
    }
)
FlaskParty(legacy, name="legacy", identity=current_user, fragments={"header": "header.html"})


@legacy.route("/")
def home() -> str:
    return "legacy home"


@legacy.route("/login/<user>")
def login(user: str) -> t.Any:
    session["user"] = user
    return redirect(party_url("account"))


# [end-owner]


# [start-new]
from pyramid.config import Configurator
from pyramid.response import Response


def account(request: t.Any) -> Response:
    user = request.party_identity  # asked of the legacy app, for this request
    if user is None:
        return Response(status=302, location=request.party_url("login", user="ada"))
    header = request.party_fragment("header")  # rendered by legacy, marked safe
    return Response(f"{header}<p>{user.name} ({', '.join(sorted(user.roles))})</p>")


with Configurator(settings={"wsgi_party.name": "new"}) as config:
    config.include("wsgi_party.pyramid")
    config.add_route("account", "/account")
    config.add_view(account, route_name="account")
    new = config.make_wsgi_app()

application = WSGIParty(
    RouteDispatcher({"new": new, "legacy": legacy}, default="legacy"),
    owners={"identity": "legacy", "layout": "legacy"},  # for every member
)
# [end-new]

if __name__ == "__main__":
    # [start-check]
    from werkzeug.test import Client

    browser = Client(application)  # keeps cookies, like a browser
    assert browser.get("/account").location.endswith("/login/ada")
    page = browser.get("/login/ada", follow_redirects=True).text
    assert page == (
        '<nav><a href="/">Home</a> <a href="/account">Account</a></nav><p>Ada Lovelace (editor)</p>'
    )
    # Another browser, without the cookie, is anonymous: nothing is cached.
    assert Client(application).get("/account").status_code == 302
    # [end-check]
    application.close()
