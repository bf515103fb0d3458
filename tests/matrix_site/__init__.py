"""One app per framework in one party: the site of tests/test_matrix.py.

``Apps()`` builds the app objects once; ``build_site(make_party, apps, topology)``
mounts them under one werkzeug ``DispatcherMiddleware`` wrapped in a
``WSGIParty``::

    /          Django   (tests/django_site, member "legacy": login and chrome)
    /flask     Flask    (FlaskParty, member "flask")
    /pyramid   Pyramid  (config.include("wsgi_party.pyramid"), member "pyramid")
    /wz        Werkzeug (routed by a Map, PartyMember "wz")
    /webob     WebOb    (routes by itself, a Map describes them, PartyMember "webob")

Every app serves the same four pages under its base path (see :class:`App`):

* ``items/<id>/<name>/``: the target of every link; answers JSON naming the
  framework, the member, the route, the route values and the query string
  as the framework itself parsed it (``über/<id>/<name>/``, a route with a
  non-ASCII literal, answers the same way);
* ``link/?endpoint=&values=<json>``: a URL built *in a view* with the
  framework's helper (Flask ``party_url``, Pyramid ``request.party_url``,
  Django ``party_url``, ``wsgi_party.partyline.url_for``);
* ``tlink/?endpoint=&values=<json>``: the same *from a template* (Jinja for
  Flask, the Pyramid renderer of tests/pyramid_apps, Django's
  ``{% party_url %}``; the Werkzeug and WebOb apps write their HTML in Python);
* ``page/``: the Django header and footer around the logged-in user's name.

Django's URLconf is process-wide: the matrix pages live in
``tests.matrix_site.django_urls``, which adds them (under the namespace
``matrix``) to every pattern of tests/django_site; the tests switch
``ROOT_URLCONF`` to it with ``override_settings`` while they run.
"""

from __future__ import annotations

import html
import json
import re
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import flask
import webob
import webob.dec
from flask import Flask, render_template
from pyramid.config import Configurator
from pyramid.response import Response as PyramidResponse
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.pyramid_apps import Jinja2Renderers
from wsgi_party import Identity, PartyMember, WSGIParty, partyline
from wsgi_party.flask import FlaskParty, party_url

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The URLconf the tests switch Django to (tests/django_site's, plus the matrix pages).
DJANGO_URLCONF = "tests.matrix_site.django_urls"


@dataclass(frozen=True)
class App:
    """One member of the matrix and where its pages are."""

    #: The member name in the party.
    member: str
    #: The framework that serves it.
    framework: str
    #: Where it is mounted inside the party ("" for the root).
    mount: str
    #: Its pages' path inside the member ("/matrix" for Django, whose root is the site's).
    base: str
    #: The endpoint of its ``items`` route, as the framework names it.
    item: str
    #: The endpoint of its ``über`` route (a non-ASCII literal in the path).
    uber: str

    @property
    def endpoint(self) -> str:
        """The ``items`` route as other members name it: ``member:endpoint``."""
        return f"{self.member}:{self.item}"

    def path(self, page: str) -> str:
        """Path of ``page`` (``link``, ``tlink``, ``page``) inside the party."""
        return f"{self.mount}{self.base}/{page}/"


#: Every member, in mount order (the party invites the root first).
APPS: dict[str, App] = {
    app.member: app
    for app in (
        App("legacy", "django", "", "/matrix", "matrix:item", "matrix:uber"),
        App("flask", "flask", "/flask", "", "item", "uber"),
        App("pyramid", "pyramid", "/pyramid", "", "item", "uber"),
        App("wz", "werkzeug", "/wz", "", "item", "uber"),
        App("webob", "webob", "/webob", "", "item", "uber"),
    )
}

#: Route values the ``tlink`` pages pass on (Django's template tag takes no ``**``).
TEMPLATE_VALUES = ("id", "name", "q", "_anchor", "_external")


def item_page(
    framework: str,
    member: str | None,
    route: str,
    *,
    id: int,
    name: str,
    query: dict[str, list[str]],
) -> str:
    """The JSON body of every ``items`` page."""
    return json.dumps(
        {
            "framework": framework,
            "member": member,
            "route": route,
            "id": id,
            "name": name,
            "query": query,
        }
    )


def link_request(args: t.Mapping[str, str]) -> tuple[str, dict[str, t.Any]]:
    """``(endpoint, values)`` of a ``link``/``tlink`` request."""
    values = json.loads(args.get("values", "{}"))
    if not isinstance(values, dict):
        raise ValueError(f"values must be a JSON object, got {values!r}")
    return args["endpoint"], values


def link_html(url: str) -> str:
    """What every ``tlink`` page renders (the templates write the same)."""
    return f'<a id="link" href="{html.escape(url)}">link</a>\n'


def identity_name(identity: Identity | None) -> str:
    return identity.name if identity is not None else "anonymous"


def page_html(header: str, member: str | None, who: str, footer: str) -> str:
    """What every ``page`` renders (the templates write the same)."""
    return (
        f'{header}<main data-member="{html.escape(member or "")}">'
        f"who={html.escape(who)}</main>{footer}\n"
    )


# -- Flask -------------------------------------------------------------------------


def create_flask() -> Flask:
    """The Flask member: asks Django for login and chrome (no ``identity=``)."""
    app = Flask("tests.matrix_site.flask", template_folder=str(TEMPLATES))
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/items/<int:id>/<name>/")
    @app.route("/über/<int:id>/<name>/", endpoint="uber")
    def item(id: int, name: str) -> flask.Response:
        query = {key: flask.request.args.getlist(key) for key in flask.request.args}
        body = item_page(
            "flask", partyline.name, str(flask.request.endpoint), id=id, name=name, query=query
        )
        return flask.Response(body, mimetype="application/json")

    @app.route("/link/")
    def link() -> str:
        endpoint, values = link_request(flask.request.args)
        return party_url(endpoint, **values)

    @app.route("/tlink/")
    def tlink() -> str:
        endpoint, values = link_request(flask.request.args)
        return render_template("link.html", endpoint=endpoint, values=values)

    @app.route("/page/")
    def page() -> str:
        return render_template("page.html")

    FlaskParty(app, name="flask")
    return app


# -- Pyramid -----------------------------------------------------------------------


def create_pyramid() -> t.Any:
    """The Pyramid member: no security policy and no fragments, so it asks Django."""
    config = Configurator(settings={"wsgi_party.name": "pyramid"})
    config.include("wsgi_party.pyramid")
    config.add_renderer(".jinja2", Jinja2Renderers())
    config.add_route("item", r"/items/{id:\d+}/{name}/")
    config.add_route("uber", r"/über/{id:\d+}/{name}/")
    config.add_route("link", "/link/")
    config.add_route("tlink", "/tlink/")
    config.add_route("page", "/page/")

    def item(request: t.Any) -> t.Any:
        body = item_page(
            "pyramid",
            partyline.name,
            request.matched_route.name,
            id=int(request.matchdict["id"]),
            name=request.matchdict["name"],
            query=request.GET.dict_of_lists(),
        )
        return PyramidResponse(body, content_type="application/json", charset="utf-8")

    def link(request: t.Any) -> t.Any:
        endpoint, values = link_request(request.GET)
        return PyramidResponse(request.party_url(endpoint, **values), content_type="text/plain")

    def tlink(request: t.Any) -> dict[str, t.Any]:
        endpoint, values = link_request(request.GET)
        return {"endpoint": endpoint, "values": values}

    config.add_view(item, route_name="item")
    config.add_view(item, route_name="uber")
    config.add_view(link, route_name="link")
    config.add_view(tlink, route_name="tlink", renderer="tests.matrix_site:templates/link.jinja2")
    config.add_view(
        lambda request: {}, route_name="page", renderer="tests.matrix_site:templates/page.jinja2"
    )
    return config.make_wsgi_app()


# -- Werkzeug ----------------------------------------------------------------------


class WerkzeugApp:
    """A plain Werkzeug app routed by its ``url_map``; Python views only."""

    def __init__(self) -> None:
        self.url_map = Map(
            [
                Rule("/items/<int:id>/<name>/", endpoint="item"),
                Rule("/über/<int:id>/<name>/", endpoint="uber"),
                Rule("/link/", endpoint="link"),
                Rule("/tlink/", endpoint="tlink"),
                Rule("/page/", endpoint="page"),
            ]
        )

    def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
        return self.wsgi_app(environ, start_response)

    @Request.application
    def wsgi_app(self, request: Request) -> Response:
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return t.cast(Response, exc.get_response(request.environ))
        if endpoint in ("item", "uber"):
            query = {key: request.args.getlist(key) for key in request.args}
            body = item_page(
                "werkzeug", partyline.name, endpoint, id=args["id"], name=args["name"], query=query
            )
            return Response(body, mimetype="application/json")
        if endpoint in ("link", "tlink"):
            target, values = link_request(request.args)
            url = partyline.url_for(target, **values)
            if endpoint == "link":
                return Response(url)
            return Response(link_html(url), mimetype="text/html")
        return Response(python_page(), mimetype="text/html")


def python_page() -> str:
    """The ``page`` of the Werkzeug and WebOb apps: chrome and user asked of the party."""
    return page_html(
        partyline.ask_first("layout", "header"),
        partyline.name,
        identity_name(partyline.ask_first("identity", None)),
        partyline.ask_first("layout", "footer"),
    )


# -- WebOb -------------------------------------------------------------------------


#: The WebOb app's own routing table: endpoint -> pattern over ``request.path_info``.
WEBOB_ROUTES = {
    "item": re.compile(r"/items/(?P<id>[0-9]+)/(?P<name>[^/]+)/"),
    "uber": re.compile(r"/über/(?P<id>[0-9]+)/(?P<name>[^/]+)/"),
    "link": re.compile(r"/link/"),
    "tlink": re.compile(r"/tlink/"),
    "page": re.compile(r"/page/"),
}

#: The same routes described for URL building (what PartyMember answers ``url`` from).
WEBOB_URLS = Map(
    [
        Rule("/items/<int:id>/<name>/", endpoint="item"),
        Rule("/über/<int:id>/<name>/", endpoint="uber"),
        Rule("/link/", endpoint="link"),
        Rule("/tlink/", endpoint="tlink"),
        Rule("/page/", endpoint="page"),
    ]
)


@webob.dec.wsgify
def webob_app(request: webob.Request) -> webob.Response:
    """A WebOb app that routes by itself (regexes over ``path_info``)."""
    matches = ((e, p.fullmatch(request.path_info)) for e, p in WEBOB_ROUTES.items())
    endpoint, found = next(((e, m) for e, m in matches if m is not None), ("", None))
    if found is None:
        return webob.Response("not found", status=404)
    if endpoint in ("item", "uber"):
        body = item_page(
            "webob",
            partyline.name,
            endpoint,
            id=int(found["id"]),
            name=found["name"],
            query=request.GET.dict_of_lists(),
        )
        return webob.Response(body, content_type="application/json", charset="utf-8")
    if endpoint in ("link", "tlink"):
        target, values = link_request(request.GET)
        url = partyline.url_for(target, **values)
        text = url if endpoint == "link" else link_html(url)
        return webob.Response(text, content_type="text/html", charset="utf-8")
    return webob.Response(python_page(), content_type="text/html", charset="utf-8")


# -- the site ----------------------------------------------------------------------


@dataclass
class Apps:
    """The app objects, built once and reused by every party of a test module."""

    django: t.Any = None
    flask: Flask = field(default_factory=create_flask)
    pyramid: t.Any = field(default_factory=create_pyramid)
    wz: PartyMember = field(default_factory=lambda: PartyMember(WerkzeugApp(), name="wz"))
    webob: PartyMember = field(
        default_factory=lambda: PartyMember(webob_app, name="webob", url_map=WEBOB_URLS)
    )

    def __post_init__(self) -> None:
        if self.django is None:
            from django.core.wsgi import get_wsgi_application

            self.django = get_wsgi_application()

    def of(self, member: str) -> t.Any:
        """The app object of ``member``, as mounted."""
        return getattr(self, {"legacy": "django"}.get(member, member))

    def dispatcher(self, root: t.Any = None) -> DispatcherMiddleware:
        """Every app mounted where :data:`APPS` says (``root``: another Django handler)."""
        return DispatcherMiddleware(
            self.django if root is None else root,
            {
                APPS["flask"].mount: self.flask,
                APPS["pyramid"].mount: self.pyramid,
                APPS["wz"].mount: self.wz,
                APPS["webob"].mount: self.webob,
            },
        )


def not_found(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """The outer site's fallback."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"outer 404"]


@dataclass(frozen=True)
class Topology:
    """How the browser reaches the party.

    ``prefix`` is what every link of the party starts with; ``stripped`` is
    the part of it a proxy or the server takes off the path before the WSGI
    app sees it (the server puts it in ``SCRIPT_NAME`` when ``server_script``).
    """

    name: str
    prefix: str = ""
    stripped: str = ""
    server_script: bool = False
    origin: str = "http://localhost"
    headers: dict[str, str] = field(default_factory=dict)


TOPOLOGIES = {
    topology.name: topology
    for topology in (
        Topology("plain"),
        # Mounted in an outer DispatcherMiddleware at /outer.
        Topology("outer", prefix="/outer"),
        # A server that serves the party at /mnt sets SCRIPT_NAME=/mnt.
        Topology("server", prefix="/mnt", stripped="/mnt", server_script=True),
        # ProxyFix behind a proxy that forwards https://www.example.com/proxied.
        Topology(
            "proxied",
            prefix="/proxied/outer",
            stripped="/proxied",
            origin="https://www.example.com",
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "www.example.com",
                "X-Forwarded-Prefix": "/proxied",
            },
        ),
    )
}


def wrap(party: WSGIParty, topology: Topology) -> t.Any:
    """What the server runs for ``topology``: the party, or what wraps it."""
    if topology.name in ("outer", "proxied"):
        outer: t.Any = DispatcherMiddleware(not_found, {"/outer": party})
        if topology.name == "proxied":
            return ProxyFix(outer, x_proto=1, x_host=1, x_prefix=1)
        return outer
    return party
