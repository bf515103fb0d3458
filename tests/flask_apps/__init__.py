"""Real apps for the Flask integration tests, and the sites that mount them.

``build_site()`` mounts three apps behind a werkzeug ``DispatcherMiddleware``
wrapped in a ``WSGIParty``:

* ``shop`` (root, Flask): owns login (``identity=``) and the site's chrome
  (``fragments={"header": ...}``);
* ``blog`` (``/blog``, Flask): blueprints, ``url_defaults``, converters, and
  views that use ``party_url``, ``party_identity``, ``party_fragment``;
* ``wz`` (``/wz``, plain Werkzeug behind ``PartyMember``): asks the Flask apps
  through ``wsgi_party.partyline``.

Optionally the party is itself mounted under ``/site`` (an outer dispatcher)
or behind ``ProxyFix`` (forwarded scheme, host and prefix).
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass

from flask import (
    Blueprint,
    Flask,
    g,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from jinja2 import DictLoader
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import Identity, PartyMember, WSGIParty, partyline
from wsgi_party.flask import FlaskParty, party_fragment, party_identity, party_url

#: Where the party is mounted from the outside, per topology.
OUTER_PREFIX = {"plain": "", "mounted": "/site", "proxied": "/proxied"}
#: Headers a reverse proxy adds in the "proxied" topology.
PROXY_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "example.org",
    "X-Forwarded-Prefix": "/proxied",
}


def shop_identity() -> Identity | None:
    """The shop's login: the user name its session cookie carries."""
    user = session.get("user")
    if user is None:
        return None
    roles = {"editor"} if user.startswith("ed") else set()
    return Identity(user, user.title(), frozenset(roles), {"via": "shop"})


def create_shop(extension: FlaskParty | None = None) -> Flask:
    """The legacy shop: login, chrome and a home page."""
    app = Flask("shop")
    app.secret_key = "shop-secret"
    app.config["HEADER_RENDERS"] = 0
    app.jinja_loader = DictLoader(  # type: ignore[method-assign,assignment]
        {
            "header.html": (
                "{{ count_header() }}<header data-member='{{ partyline.name }}'>"
                "{{ session.get('user', 'guest') }}|{{ request.url }}"
                "|<a href='{{ url_for('index') }}'>home</a>"
                "|<a href='{{ party_url('post', id=1) }}'>post</a></header>"
            ),
            "footer.html": "<footer>shop footer</footer>",
        }
    )

    def count_header() -> str:
        app.config["HEADER_RENDERS"] += 1
        return ""

    app.jinja_env.globals["count_header"] = count_header

    @app.route("/")
    def index() -> str:
        return "shop home"

    @app.route("/login/<user>")
    def login(user: str) -> str:
        session["user"] = user
        return f"logged in {user}"

    @app.route("/whoami")
    def whoami() -> str:
        return _identity_json(party_identity())

    @app.route("/chrome")
    def chrome() -> str:
        return str(party_fragment("header"))

    (
        extension
        or FlaskParty(
            name="shop",
            identity=shop_identity,
            fragments={"header": "header.html", "footer": "footer.html"},
        )
    ).init_app(app)
    return app


class TagsConverter(BaseConverter):
    """``a+b+c`` <-> ``["a", "b", "c"]``."""

    def to_python(self, value: str) -> list[str]:
        return value.split("+")

    def to_url(self, value: t.Any) -> str:
        return "+".join(super(TagsConverter, self).to_url(v) for v in value)


def create_blog(extension: FlaskParty | None = None) -> Flask:
    """The new blog: everything Flask does to build its own URLs."""
    app = Flask("blog")
    app.secret_key = "blog-secret"
    app.url_map.converters["tags"] = TagsConverter
    app.jinja_loader = DictLoader(  # type: ignore[method-assign,assignment]
        {
            "page.html": (
                "{{ party_fragment('header') }}"
                "<main>{{ party_url('gallery', n=2) }}|{{ party_url('post', id=5) }}"
                "|{{ party_url('wz:index', _anchor='top') }}"
                "|{% set who = party_identity() %}{{ who.name if who else 'anonymous' }}"
                "|{{ partyline.name }}</main>"
                "{{ party_fragment('header') }}"
            ),
        }
    )

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        g.lang = (values or {}).pop("lang", "en")

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if (
            "lang" not in values
            and endpoint in app.view_functions
            and app.url_map.is_endpoint_expecting(endpoint, "lang")
        ):
            values["lang"] = g.get("lang", "en")

    @app.route("/")
    def index() -> str:
        return "blog home"

    @app.route("/post/<int:id>")
    def post(id: int) -> str:
        return f"post {id}"

    @app.route("/<lang>/about")
    def about() -> str:
        return f"about in {g.lang}"

    def item(id: int) -> str:
        return f"{request.method} item {id}"

    # One endpoint, two rules told apart by method (``_method=``).
    app.add_url_rule("/items/<int:id>", "item", item, methods=["GET"])
    app.add_url_rule("/items/<int:id>/edit", "item", item, methods=["POST"])

    @app.route("/doc/<path:slug>")
    def doc(slug: str) -> str:
        return slug

    @app.route("/tagged/<tags:tags>")
    def tagged(tags: list[str]) -> str:
        return ",".join(tags)

    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.url_defaults
    def add_section(endpoint: str, values: dict[str, t.Any]) -> None:
        if app.url_map.is_endpoint_expecting(endpoint, "section"):
            values.setdefault("section", "general")

    @admin.route("/", endpoint="index")
    def admin_index() -> str:
        return url_for(".user", name="me")

    admin.add_url_rule("/user/<name>", "user", lambda name: name)
    admin.add_url_rule("/<section>/settings", "settings", lambda section: section)
    app.register_blueprint(admin)

    @app.route("/local")
    def local() -> str:
        endpoint, values = json.loads(request.args["case"])
        return url_for(endpoint, **values)

    @app.route("/party")
    def party() -> str:
        endpoint, values = json.loads(request.args["case"])
        return party_url(endpoint, **values)

    @app.route("/page")
    def page() -> str:
        return render_template("page.html")

    @app.route("/whoami")
    def whoami() -> str:
        return _identity_json(party_identity())

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            # Runs after the view returned, outside the WSGI wrapper's scope.
            yield party_url("gallery", n=1)
            who = party_identity()
            yield f"|{who.name if who else 'anonymous'}|"
            yield party_fragment("header")

        return app.response_class(stream_with_context(generate()))

    @app.route("/scope")
    def scope() -> str:
        return str(partyline.name)

    (extension or FlaskParty()).init_app(app)
    return app


class WerkzeugPeer:
    """A plain Werkzeug app that asks the Flask members through ``partyline``."""

    def __init__(self) -> None:
        self.url_map = Map(
            [
                Rule("/", endpoint="index"),
                Rule("/gallery/<int:n>", endpoint="gallery"),
                Rule("/build", endpoint="build"),
                Rule("/whoami", endpoint="whoami"),
                Rule("/chrome/<name>", endpoint="chrome"),
            ]
        )

    def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
        return self.wsgi_app(environ, start_response)

    @Request.application
    def wsgi_app(self, request: Request) -> Response:
        endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        if endpoint == "build":
            target, values = json.loads(request.args["case"])
            return Response(partyline.url_for(target, **values))
        if endpoint == "whoami":
            return Response(_identity_json(partyline.ask_first("identity", None)))
        if endpoint == "chrome":
            return Response(partyline.ask_first("layout", args["name"]), mimetype="text/html")
        return Response(f"wz {endpoint} {args}")


def _identity_json(identity: Identity | None) -> str:
    if identity is None:
        return "null"
    return json.dumps({"id": identity.id, "name": identity.name, "roles": sorted(identity.roles)})


@dataclass
class Site:
    """One mounted party and everything a test needs to drive it."""

    party: WSGIParty
    #: What the outside world calls (the party, or what wraps it).
    wsgi: t.Any
    shop: Flask
    blog: Flask
    peer: PartyMember
    topology: str

    @property
    def prefix(self) -> str:
        """The party's own prefix as seen by the browser."""
        return OUTER_PREFIX[self.topology]

    @property
    def origin(self) -> str:
        """Scheme and host the browser sees."""
        return "https://example.org" if self.topology == "proxied" else "http://localhost"

    @property
    def path_prefix(self) -> str:
        """What the browser's request path starts with (a proxy strips its prefix)."""
        return "" if self.topology == "proxied" else self.prefix

    @property
    def headers(self) -> dict[str, str]:
        """Headers every request of this topology carries."""
        return dict(PROXY_HEADERS) if self.topology == "proxied" else {}


def not_found(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """The outer site's fallback."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"outer 404"]


def build_site(
    make_party: t.Callable[..., WSGIParty],
    topology: str = "plain",
    *,
    shop: Flask | None = None,
    blog: Flask | None = None,
    peer: PartyMember | None = None,
    **party_options: t.Any,
) -> Site:
    """Mount shop, blog and a Werkzeug peer in one party, in ``topology``."""
    shop = shop or create_shop()
    blog = blog or create_blog()
    peer = peer or PartyMember(WerkzeugPeer(), name="wz")
    party = make_party(DispatcherMiddleware(shop, {"/blog": blog, "/wz": peer}), **party_options)
    wsgi: t.Any = party
    if topology == "mounted":
        wsgi = DispatcherMiddleware(not_found, {"/site": party})
    elif topology == "proxied":
        wsgi = ProxyFix(party, x_proto=1, x_host=1, x_prefix=1)
    return Site(party, wsgi, shop, blog, peer, topology)
