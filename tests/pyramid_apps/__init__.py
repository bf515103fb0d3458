"""Real Pyramid apps for tests/test_pyramid.py, each built by a factory.

Every call builds a new Configurator and registry (nothing global), so a test
can mount two apps, or build the same app for two parties. Templates use a
tiny ``.jinja2`` renderer factory on Jinja2 itself (pyramid_jinja2 is not
needed). Each app's registry keeps, for the tests:

* ``registry["test.renders"]``: (template, request) for every render;
* ``registry["test.calls"]``: the route name of every view called.
"""

from __future__ import annotations

import typing as t

import jinja2
from pyramid.authentication import AuthTktCookieHelper
from pyramid.authorization import Authenticated, Everyone
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.path import AssetResolver
from pyramid.response import Response
from pyramid.security import Allowed, remember

from wsgi_party import Identity, NoPartylineContext, partyline

#: The users the cookie policy knows.
USERS: dict[str, dict[str, t.Any]] = {
    "alice": {"name": "Alice Liddell", "groups": ("group:editors",), "email": "alice@example.com"},
    "bob": {"name": "Bob Builder", "groups": (), "email": "bob@example.com"},
    "carol": {
        "name": "Carol Danvers",
        "groups": ("group:admins", "group:editors"),
        "email": "carol@example.com",
    },
}

FRAGMENTS = """
header = tests.pyramid_apps:templates/header.jinja2
footer=tests.pyramid_apps:templates/footer.jinja2
"""


class Jinja2Renderers:
    """Renderer factory for ``.jinja2`` asset specs, autoescaping like pyramid_jinja2."""

    def __init__(self) -> None:
        self.environment = jinja2.Environment(
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            loader=jinja2.FunctionLoader(self._source),
        )
        self.renders: list[tuple[str, t.Any]] = []

    @staticmethod
    def _source(spec: str) -> str:
        with open(AssetResolver().resolve(spec).abspath(), encoding="utf-8") as f:
            return f.read()

    def __call__(self, info: t.Any) -> t.Callable[[t.Any, dict[str, t.Any]], str]:
        spec = info.name if ":" in info.name else f"{info.package.__name__}:{info.name}"
        template = self.environment.get_template(spec)

        def render(value: t.Any, system: dict[str, t.Any]) -> str:
            self.renders.append((spec, system.get("request")))
            return template.render({**system, **value})

        return render


class CookieSecurityPolicy:
    """A Pyramid 2 security policy on a signed auth_tkt cookie."""

    def __init__(self, secret: str) -> None:
        self.helper = AuthTktCookieHelper(secret, hashalg="sha512")

    def identity(self, request: t.Any) -> dict[str, t.Any] | None:
        data = self.helper.identify(request)
        if data is None or data["userid"] not in USERS:
            return None
        return {"userid": data["userid"], **USERS[data["userid"]]}

    def authenticated_userid(self, request: t.Any) -> str | None:
        identity = request.identity
        return identity["userid"] if identity is not None else None

    def effective_principals(self, request: t.Any) -> list[str]:
        identity = request.identity
        if identity is None:
            return [Everyone]
        return [Everyone, Authenticated, identity["userid"], *identity["groups"]]

    def permits(self, request: t.Any, context: t.Any, permission: str) -> t.Any:
        return Allowed("the test policy allows everything")

    def remember(self, request: t.Any, userid: str, **kw: t.Any) -> list[tuple[str, str]]:
        return self.helper.remember(request, userid, **kw)

    def forget(self, request: t.Any, **kw: t.Any) -> list[tuple[str, str]]:
        return self.helper.forget(request, **kw)


def build_identity(request: t.Any) -> Identity | None:
    """A ``wsgi_party.identity`` callable: roles without the ``group:`` prefix."""
    identity = request.identity
    if identity is None:
        return None
    return Identity(
        identity["userid"],
        identity["name"],
        frozenset(g.removeprefix("group:") for g in identity["groups"]),
        {"email": identity["email"]},
    )


def default_lang(request: t.Any, elements: tuple[str, ...], kw: dict[str, t.Any]) -> t.Any:
    """Pregenerator: ``lang`` defaults to the app's setting (read off the request)."""
    kw.setdefault("lang", request.registry.settings["docs.default_lang"])
    return elements, kw


def feed_elements(request: t.Any, elements: tuple[str, ...], kw: dict[str, t.Any]) -> t.Any:
    """Pregenerator: adds a path element and a ``_query`` entry."""
    kw.setdefault("_query", {"format": kw.pop("format", "rss")})
    return (*elements, "feed.xml"), kw


def params(request: t.Any) -> dict[str, t.Any]:
    """The query parameters as keyword arguments (lists for repeated keys)."""
    return {k: v[0] if len(v) == 1 else v for k, v in request.GET.dict_of_lists().items()}


#: The admin app's routes: name, pattern, add_route options.
ADMIN_ROUTES: list[tuple[str, str, dict[str, t.Any]]] = [
    ("home", "/", {}),
    ("post", "/post/{id}", {}),
    ("archive", "/archive/{year}/{month}", {}),
    ("docs", "/{lang}/docs/{slug}", {"pregenerator": default_lang}),
    ("feed", "/feed/", {"pregenerator": feed_elements}),
    ("files", "/files/*subpath", {}),
    ("submit", "/submit", {"request_method": "POST"}),
    ("edit", r"/edit/{id:\d+}", {}),
    ("items", "/{version}/items", {"path_info": r"^/v[0-9]+/"}),
    ("login", "/login/{userid}", {}),
    ("own_path", "/own-path/{name}", {}),
    ("party_link", "/party-link/{endpoint}", {}),
    ("scope", "/scope", {}),
    ("page", "/page", {}),
]


def make_admin(*, name: str | None = "admin", security: bool = True, **settings: t.Any) -> t.Any:
    """The app that owns login and the site's chrome."""
    base = {"wsgi_party.fragments": FRAGMENTS, "docs.default_lang": "en"}
    if name is not None:
        base["wsgi_party.name"] = name
    config = Configurator(settings={**base, **settings})
    config.include("wsgi_party.pyramid")
    if security:
        config.set_security_policy(CookieSecurityPolicy("s3cret"))
    calls: list[str] = []

    def view(route_name: str, **options: t.Any) -> t.Callable[..., t.Any]:
        def register(fn: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
            def called(request: t.Any) -> t.Any:
                calls.append(route_name)
                return fn(request)

            config.add_view(called, route_name=route_name, **options)
            return fn

        return register

    for route_name, pattern, options in ADMIN_ROUTES:
        config.add_route(route_name, pattern, **options)
    for route_name in ("home", "post", "docs", "feed", "files", "submit", "items"):
        view(route_name)(lambda request: Response(request.matched_route.name))
    view("edit", request_method="POST")(lambda request: Response("edited"))
    view("edit", request_method="PUT")(lambda request: Response("replaced"))

    @view("login")
    def login(request: t.Any) -> t.Any:
        userid = request.matchdict["userid"]
        return HTTPFound(location=request.route_path("home"), headers=remember(request, userid))

    @view("own_path")
    def own_path(request: t.Any) -> t.Any:
        values = params(request)
        build = request.route_url if values.pop("_external", None) else request.route_path
        return Response(build(request.matchdict["name"], **values))

    @view("party_link")
    def party_link(request: t.Any) -> t.Any:
        try:
            return Response(request.party_url(request.matchdict["endpoint"], **params(request)))
        except KeyError as exc:
            return Response(f"KeyError: {exc}", status=404)

    @view("scope")
    def scope(request: t.Any) -> t.Any:
        return Response(f"{partyline.name} {partyline._get_current_object() is request.partyline}")

    @view("page", renderer="templates/page.jinja2")
    def page(request: t.Any) -> dict[str, t.Any]:
        return {"target": "blog:post", "target_values": {"id": 3}, "note": "<b>escaped</b>"}

    def not_found(request: t.Any) -> t.Any:
        try:
            where = partyline.name
        except NoPartylineContext:
            where = "no partyline"
        return Response(f"not found ({where})", status=404)

    config.add_notfound_view(not_found)
    renderers = Jinja2Renderers()
    config.add_renderer(".jinja2", renderers)
    app = config.make_wsgi_app()
    app.registry["test.renders"] = renderers.renders
    app.registry["test.calls"] = calls
    return app


def make_shop(**settings: t.Any) -> t.Any:
    """A second Pyramid app: no security policy, no fragments of its own."""
    config = Configurator(settings={"wsgi_party.name": "shop", **settings})
    config.include("wsgi_party.pyramid")
    config.add_route("cart", "/cart")

    def cart(request: t.Any) -> dict[str, t.Any]:
        return {"target": "admin:post", "target_values": {"id": 7}, "note": "cart"}

    config.add_view(cart, route_name="cart", renderer="templates/page.jinja2")
    renderers = Jinja2Renderers()
    config.add_renderer(".jinja2", renderers)
    app = config.make_wsgi_app()
    app.registry["test.renders"] = renderers.renders
    return app
