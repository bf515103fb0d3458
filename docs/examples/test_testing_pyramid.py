"""Pyramid recipe: functional tests of one Pyramid app, with stand-ins.

Run it with ``python -m pytest docs/examples/test_testing_pyramid.py``.
"""

# ruff: noqa: E402 - each snippet shows its own imports

from __future__ import annotations

import typing as t

import pytest
from pyramid.config import Configurator
from pyramid.response import Response
from werkzeug.test import Client

from wsgi_party import Identity


# [start-app]
def home(request: t.Any) -> Response:
    who = request.party_identity
    login = request.party_url("accounts:login", next=request.path)
    return Response(f"{who.name}" if who else f'<a href="{login}">log in</a>')


def main(global_config: t.Any = None, **settings: t.Any) -> t.Any:
    """The wiki's WSGI app factory, as ``pserve`` calls it."""
    with Configurator(settings={"wsgi_party.name": "wiki", **settings}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("home", "/")
        config.add_view(home, route_name="home")
        return config.make_wsgi_app()


# [end-app]


# [start-fixtures]
@pytest.fixture
def accounts(stand_in: t.Any) -> t.Any:
    return stand_in("accounts", routes={"login": "/login"}, identity=None)


@pytest.fixture
def testapp(party_for: t.Any, accounts: t.Any) -> Client:
    app = main()
    party_for(app, "/wiki", accounts)  # closed when the test ends
    # webtest.TestApp(app) works the same way: it calls the app itself.
    return Client(app)


def test_anonymous_visitors_get_the_login_link(testapp: Client) -> None:
    assert testapp.get("/").text == '<a href="/login?next=/">log in</a>'


def test_a_logged_in_user_is_greeted(testapp: Client, accounts: t.Any) -> None:
    accounts.identity = Identity("7", "ann")
    assert testapp.get("/").text == "ann"


# [end-fixtures]


# [start-unit]
from pyramid import testing
from pyramid.request import apply_request_extensions


def test_the_view_alone_with_pyramid_testing(party_for: t.Any, accounts: t.Any) -> None:
    app = main()
    party_for(app, "/wiki", accounts)
    testing.setUp(registry=app.registry)  # the app's registry: its party methods
    try:
        request = testing.DummyRequest(path="/")
        apply_request_extensions(request)  # request.party_url and friends
        assert home(request).text == '<a href="/login?next=/">log in</a>'
    finally:
        testing.tearDown()


# [end-unit]
