"""Pyramid guide: include the integration, link with request.party_url, own login.

``python docs/examples/pyramid_guide.py`` runs the checks.
"""

from __future__ import annotations

import typing as t

import jinja2
from flask import Flask
from pyramid.authentication import SessionAuthenticationHelper
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from pyramid.security import remember
from pyramid.session import SignedCookieSessionFactory
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_identity, party_url

# Templates of this example; a real project uses pyramid_jinja2 or Chameleon,
# which receive the same renderer globals.
TEMPLATES = {
    # [start-template]
    "dashboard.jinja2": (
        '<a href="{{ party_url("shop:index") }}">shop</a>'
        ' <a href="{{ party_url("user", id=3, tab="posts") }}">user 3</a>'
        " {% if party_identity() %}{{ party_identity().name }}{% endif %}"
    ),
    # [end-template]
}


def jinja2_renderer(info: t.Any) -> t.Callable[[dict[str, t.Any], dict[str, t.Any]], str]:
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATES[info.name])
    return lambda value, system: template.render({**system, **value})


# [start-policy]
class SessionPolicy:
    """Login kept in the Pyramid session; the party asks it who is logged in."""

    helper = SessionAuthenticationHelper()
    users: t.ClassVar[dict[str, dict[str, t.Any]]] = {
        "grace": {"name": "Grace Hopper", "groups": ["group:admins"]}
    }

    def identity(self, request: t.Any) -> dict[str, t.Any] | None:
        userid = self.helper.authenticated_userid(request)
        return self.users.get(userid) if userid else None

    def authenticated_userid(self, request: t.Any) -> str | None:
        return self.helper.authenticated_userid(request) if self.identity(request) else None

    def effective_principals(self, request: t.Any) -> list[str]:
        identity = self.identity(request)
        return list(identity["groups"]) if identity else []

    def permits(self, request: t.Any, context: t.Any, permission: str) -> bool:
        return True

    def remember(self, request: t.Any, userid: str, **kw: t.Any) -> list[tuple[str, str]]:
        return self.helper.remember(request, userid, **kw)

    def forget(self, request: t.Any, **kw: t.Any) -> list[tuple[str, str]]:
        return self.helper.forget(request, **kw)


# [end-policy]


# [start-app]
def make_admin() -> t.Any:
    settings = {"wsgi_party.name": "admin"}
    with Configurator(settings=settings) as config:
        config.include("wsgi_party.pyramid")
        config.set_session_factory(SignedCookieSessionFactory("not-a-real-secret"))
        config.set_security_policy(SessionPolicy())  # so this app answers `identity`
        config.add_renderer(".jinja2", jinja2_renderer)

        config.add_route("dashboard", "/")
        config.add_route("user", "/users/{id}")
        config.add_route("login", "/login/{userid}")
        config.add_view(lambda request: {}, route_name="dashboard", renderer="dashboard.jinja2")
        config.add_view(
            lambda request: Response(f"user {request.matchdict['id']}"), route_name="user"
        )

        def login(request: t.Any) -> HTTPFound:
            headers = remember(request, request.matchdict["userid"])
            return HTTPFound(request.party_url("dashboard"), headers=headers)

        config.add_view(login, route_name="login")
        return config.make_wsgi_app()


# [end-app]


def make_shop() -> Flask:
    shop = Flask("shop")
    FlaskParty(shop, name="shop")

    @shop.route("/")
    def index() -> str:
        who = party_identity()  # answered by the Pyramid app's security policy
        name = who.name if who else "anonymous"
        return (
            f"shop for {name} {sorted(who.roles) if who else []}; {party_url('admin:user', id=1)}"
        )

    return shop


# [start-mount]
application = WSGIParty(DispatcherMiddleware(make_shop(), {"/admin": make_admin()}))
# [end-mount]

if __name__ == "__main__":
    # [start-check]
    browser = Client(application)
    assert (
        browser.get("/admin/").text
        == '<a href="/">shop</a> <a href="/admin/users/3?tab=posts">user 3</a> '
    )
    assert browser.get("/").text == "shop for anonymous []; /admin/users/1"
    assert browser.get("/admin/login/grace").location.endswith("/admin/")
    assert browser.get("/admin/").text.endswith(" Grace Hopper")
    assert browser.get("/").text == "shop for Grace Hopper ['group:admins']; /admin/users/1"
    # [end-check]
    application.close()
