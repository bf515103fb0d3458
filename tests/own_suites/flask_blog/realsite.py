"""The real site the blog is part of: docs and accounts beside it.

``wsgi-party routes realsite:application --json`` gives the route table the
blog's stand-ins follow; ``renamed`` is the same site after the docs team
renamed ``page`` to ``article``.
"""

from __future__ import annotations

from blog import create_app
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, WSGIParty
from wsgi_party.flask import FlaskParty


def docs_app(page_endpoint: str) -> PartyMember:
    url_map = Map([Rule("/", endpoint="index"), Rule("/<path:name>.html", endpoint=page_endpoint)])

    @Request.application
    def docs(request: Request) -> Response:
        endpoint, _values = url_map.bind_to_environ(request.environ).match()
        return Response(endpoint)

    return PartyMember(docs, name="docs", url_map=url_map)


def accounts_app() -> Flask:
    accounts = Flask("accounts")
    FlaskParty(accounts, name="accounts")
    accounts.add_url_rule("/login", "login", lambda: "log in")
    return accounts


def site(page_endpoint: str) -> WSGIParty:
    mounts = {"/blog": create_app(), "/docs": docs_app(page_endpoint), "/accounts": accounts_app()}
    return WSGIParty(DispatcherMiddleware(NotFound(), mounts), lazy=True)


application = site("page")
renamed = site("article")
