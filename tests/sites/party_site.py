"""The site the reliability tests serve: several members under one party.

Build it, then serve ``site.party`` (or build more parties over the same app
objects with :meth:`Site.new_party`)::

    site = build_site(lazy=True)
    application = site.party

Members, mounted in a werkzeug ``DispatcherMiddleware``:

========  ========  ===============================================
name      mount     app
========  ========  ===============================================
shop      (root)    Werkzeug app routed by a ``Map``, in PartyMember
blog      /blog     Werkzeug app routed by a ``Map``, in PartyMember
legacy    /legacy   WebOb app (its routes in a ``Map``), in PartyMember
flask     /flask    Flask app with ``FlaskParty`` (when Flask is installed)
========  ========  ===============================================

Every member serves ``/page?n=<int>``: a JSON document with the URLs it built
through :data:`wsgi_party.partyline` for :func:`links` (with ``n`` in the
values, so each request's URLs are its own), the worker's PID, ``id()`` of
the party, operator and app objects that answered, every other member's
answer to ``whoami`` and this process's invitation count (:data:`INVITES`).
"""

from __future__ import annotations

import json
import os
import threading
import time
import typing as t
from dataclasses import dataclass, field

import webob
import webob.dec
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartylineOperator, PartyMember, WSGIParty, partyline

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

try:
    import flask

    from wsgi_party.flask import FlaskParty
except ImportError:  # pragma: no cover - the Flask integration is optional
    flask = None  # type: ignore[assignment]

#: Each member's mount and routes as (rule, endpoint).
ROUTES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "shop": ("", [("/", "index"), ("/item/<int:id>", "item"), ("/page", "page")]),
    "blog": (
        "/blog",
        [("/", "index"), ("/post/<int:id>", "post"), ("/tag/<tag>", "tag"), ("/page", "page")],
    ),
    "legacy": ("/legacy", [("/report/<int:year>", "report"), ("/page", "page")]),
}
if flask is not None:
    ROUTES["flask"] = ("/flask", [("/entry/<int:id>", "entry"), ("/page", "page")])


def links(n: int) -> dict[str, tuple[str, dict[str, t.Any]]]:
    """What every page links to for request number ``n``: key -> (endpoint, values).

    The values include ones the routes do not use, which must come back as
    the query string, and one external link (scheme and host of the request).
    """
    return {
        "shop:item": ("shop:item", {"id": n, "ref": f"r{n}"}),
        "blog:post": ("blog:post", {"id": n, "q": f"a b&c={n}"}),
        "blog:tag": ("blog:tag", {"tag": f"t {n} ü"}),
        "legacy:report": ("legacy:report", {"year": 2000 + n}),
        "external": ("blog:post", {"id": n, "_external": True}),
        **({"flask:entry": ("flask:entry", {"id": n, "lang": "fr"})} if "flask" in ROUTES else {}),
    }


def make_map(member: str) -> Map:
    """A fresh ``Map`` with ``member``'s routes."""
    return Map([Rule(rule, endpoint=endpoint) for rule, endpoint in ROUTES[member][1]])


def expected_urls(n: int, host: str = "localhost", script_root: str = "") -> dict[str, str]:
    """What the pages must show for :func:`links` of request ``n``, built by Werkzeug.

    The oracle for the tests: each URL is built straight from the member's
    ``Map`` bound at its mount, never through the party.
    """
    urls = {}
    for key, (endpoint, given) in links(n).items():
        member, name = endpoint.split(":")
        values = dict(given)
        external = bool(values.pop("_external", False))
        mount = script_root + ROUTES[member][0]
        adapter = _oracle_map(member).bind(host, script_name=mount or "/")
        urls[key] = adapter.build(name, values, force_external=external, append_unknown=True)
    return urls


_oracle_maps: dict[str, Map] = {}


def _oracle_map(member: str) -> Map:
    if member not in _oracle_maps:
        _oracle_maps[member] = make_map(member)
    return _oracle_maps[member]


class Invitations:
    """Counts invitations delivered in this process, and the PIDs they reached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.pids: set[int] = set()

    def record(self) -> None:
        with self._lock:
            self.count += 1
            self.pids.add(os.getpid())


#: The invitations sent in this process (copied into children by fork).
INVITES = Invitations()


def page_body(member: str, app: object, n: int) -> bytes:
    """The JSON document a member's ``/page`` answers, built through the partyline."""
    operator = t.cast(PartylineOperator, partyline._get_current_object())  # type: ignore[attr-defined]
    party = operator.partyline
    urls = {key: partyline.url_for(name, **values) for key, (name, values) in links(n).items()}
    document = {
        "member": member,
        "operator_name": operator.name,
        "pid": os.getpid(),
        "n": n,
        "urls": urls,
        "party": id(party),
        "operator": id(operator),
        "app": id(app),
        "operators": {m.name: id(m.operator) for m in party.members},
        "whoami": partyline.ask_around("whoami", None),
        "invitations": INVITES.count,
        "invite_pids": sorted(INVITES.pids),
    }
    return json.dumps(document).encode()


class WerkzeugApp:
    """A Werkzeug app routed by a ``Map``; its ``page`` endpoint is the JSON page."""

    def __init__(self, member: str) -> None:
        self.member = member
        self.url_map = make_map(member)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        return self.wsgi_app(environ, start_response)

    @Request.application  # type: ignore[arg-type]
    def wsgi_app(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as exc:
            return exc  # type: ignore[return-value]
        if endpoint == "page":
            n = int(request.args.get("n", "0"))
            return Response(page_body(self.member, self, n), mimetype="application/json")
        return Response(f"{self.member}:{endpoint}:{sorted(values.items())}")


class WebObApp:
    """A WebOb app; it keeps its routes in a ``Map`` it matches by hand."""

    def __init__(self, member: str) -> None:
        self.member = member
        self.url_map = make_map(member)

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as exc:
            return webob.Response(status=exc.code or 404, text=exc.description or "")
        if endpoint == "page":
            n = int(request.GET.get("n", "0"))
            return webob.Response(
                body=page_body(self.member, self, n), content_type="application/json"
            )
        return webob.Response(text=f"{self.member}:{endpoint}:{sorted(values.items())}")


def flask_app(member: str) -> t.Any:
    """A Flask app made a member with :class:`wsgi_party.flask.FlaskParty`."""
    app = flask.Flask(f"tests.sites.{member}")

    def page() -> flask.Response:
        n = int(flask.request.args.get("n", "0"))
        return flask.Response(page_body(member, app, n), mimetype="application/json")

    def other(**values: t.Any) -> str:
        return f"{member}:{flask.request.endpoint}:{sorted(values.items())}"

    for rule, endpoint in ROUTES[member][1]:
        app.add_url_rule(rule, endpoint, page if endpoint == "page" else other)
    FlaskParty(app, name=member)
    return app


def whoami(member: str, app: object) -> t.Callable[[object], dict[str, t.Any]]:
    """The ``whoami`` handler of ``member``: which process and app object answer."""

    def answer(payload: object) -> dict[str, t.Any]:
        return {"member": member, "pid": os.getpid(), "app": id(app)}

    return answer


def counted(
    app: WSGIApplication,
    delay: float,
    services: dict[str, t.Callable[[object], t.Any]] | None = None,
) -> WSGIApplication:
    """Wrap ``app`` so that each invitation it receives is counted in :data:`INVITES`.

    ``services`` are connected once the app has joined (for members whose
    integration takes no extra services).
    """

    def invited_or_not(environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        operator = environ.get("partyline")
        if not isinstance(operator, PartylineOperator):
            return app(environ, start_response)
        INVITES.record()
        if delay:
            time.sleep(delay)
        answer = app(environ, start_response)
        if services and operator.handlers and operator.declined is None:
            for name, handler in services.items():
                operator.connect(name, handler)
        return answer

    return invited_or_not


@dataclass
class Site:
    """The app objects of the site, and the party serving them."""

    #: The member apps as mounted (PartyMember wrappers, the Flask app) by name.
    members: dict[str, WSGIApplication]
    #: The dispatcher mounting them (what a party wraps).
    dispatcher: DispatcherMiddleware
    #: The party built by :func:`build_site`.
    party: WSGIParty
    #: The app objects (inside the wrappers) by member name.
    apps: dict[str, object] = field(default_factory=dict)

    def new_party(self, **options: t.Any) -> WSGIParty:
        """A new party over the same app objects (close the old one first)."""
        return WSGIParty(self.dispatcher, **options)


def build_site(*, lazy: bool, invite_delay: float = 0.0, **options: t.Any) -> Site:
    """Build the members, mount them, and wrap them in a :class:`WSGIParty`."""
    apps: dict[str, object] = {
        "shop": WerkzeugApp("shop"),
        "blog": WerkzeugApp("blog"),
        "legacy": WebObApp("legacy"),
    }
    members: dict[str, WSGIApplication] = {}
    for name, app in apps.items():
        members[name] = PartyMember(
            t.cast("WSGIApplication", app),
            # The blog's name is derived from its mount, the others choose theirs.
            name=None if name == "blog" else name,
            services={"whoami": whoami(name, app)},
            url_map=app.url_map,  # type: ignore[attr-defined]
        )
    mounts = {
        ROUTES[name][0]: counted(member, invite_delay)
        for name, member in members.items()
        if ROUTES[name][0]
    }
    if "flask" in ROUTES:
        apps["flask"] = members["flask"] = flask_app("flask")
        services = {"whoami": whoami("flask", apps["flask"])}
        mounts[ROUTES["flask"][0]] = counted(members["flask"], invite_delay, services)
    dispatcher = DispatcherMiddleware(counted(members["shop"], invite_delay), mounts)
    party = WSGIParty(dispatcher, lazy=lazy, **options)
    return Site(members, dispatcher, party, apps)
