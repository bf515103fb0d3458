"""Any WSGI app joins with PartyMember: Werkzeug, WebOb, or hand-written.

``python docs/examples/any_wsgi_app.py`` runs every claim below as an assertion.
"""

from __future__ import annotations

import re
import typing as t

from webob import Request as WebObRequest
from webob import Response as WebObResponse
from webob.dec import wsgify
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from wsgi_party import (
    INVITE_PATH,
    HighAndDry,
    MatchRequest,
    PartylineOperator,
    PartyMember,
    WSGIParty,
    bind_request,
    partyline,
    standard_handlers,
    unbind_request,
    url_handler,
)


# [start-werkzeug]
class StatusApp:
    """A plain Werkzeug app: its routes live in ``self.url_map``."""

    def __init__(self) -> None:
        self.url_map = Map([Rule("/", endpoint="index"), Rule("/check/<name>", endpoint="check")])

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        return self.wsgi_app(environ, start_response)

    @Request.application
    def wsgi_app(self, request: Request) -> Response:
        endpoint, values = self.url_map.bind_to_environ(request.environ).match()
        home = partyline.url_for("news:home")  # built by the WebOb app below
        return Response(f"{endpoint} {values} (news: {home})")


status = PartyMember(StatusApp(), name="status")  # url_map found as app.url_map
# [end-werkzeug]


# [start-webob-map]
@wsgify
def news_app(request: WebObRequest) -> WebObResponse:
    """A WebOb app that routes by itself; a Map only describes its URLs."""
    if request.path_info == "/":
        return WebObResponse(f"news home; status at {partyline.url_for('status:index')}")
    return WebObResponse(f"article {request.path_info.rsplit('/', 1)[-1]}")


news_urls = Map([Rule("/", endpoint="home"), Rule("/articles/<slug>", endpoint="article")])
news = PartyMember(news_app, name="news", url_map=news_urls)
# [end-webob-map]


# [start-diy]
class LegacyApp:
    """An app with its own routing table, joining the party without a Map.

    This is what the framework integrations do: answer the invitation,
    connect ``url`` through :func:`url_handler` and ``ping``/``routes``/
    ``match`` through :func:`standard_handlers`, and bind the request scope.
    """

    routes: t.ClassVar[dict[str, str]] = {"home": "/", "page": "/page/{slug}"}

    def __init__(self) -> None:
        self.operator: PartylineOperator | None = None

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        if endpoint not in self.routes:
            raise HighAndDry(f"legacy has no endpoint {endpoint!r}")
        template = self.routes[endpoint]
        names = re.findall(r"{(\w+)}", template)
        # Consume the values the route uses; the rest become the query string.
        return template.format(**{name: values.pop(name) for name in names})

    def list_routes(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(endpoint, rule, ("GET",)) for endpoint, rule in self.routes.items()]

    def match(self, method: str, path: str) -> tuple[str | None, bool, tuple[str, ...]]:
        for endpoint, rule in self.routes.items():
            if re.fullmatch(re.sub(r"{\w+}", "[^/]+", rule), path):
                return endpoint, method in ("GET", "HEAD"), ("GET", "HEAD")
        raise HighAndDry(f"legacy has no route for {method} {path}")

    @wsgify
    def __call__(self, request: WebObRequest) -> WebObResponse:
        operator = request.environ.get("partyline")
        if isinstance(operator, PartylineOperator) and request.path_info == INVITE_PATH:
            if not operator.join(self, name="legacy"):
                return WebObResponse(operator.declined, status=409)
            operator.connect("url", url_handler(operator, self.build_path))
            standard_handlers(operator, self.list_routes, self.match)
            self.operator = operator
            operator.on_close(lambda: setattr(self, "operator", None))
            return WebObResponse("joined")
        if self.operator is None:
            return self.view(request)
        token = bind_request(self.operator, request.environ)
        try:
            return self.view(request)
        finally:
            unbind_request(token)

    def view(self, request: WebObRequest) -> WebObResponse:
        return WebObResponse(f"legacy {request.path_info}")


legacy = LegacyApp()
# [end-diy]

# [start-party]
party = WSGIParty(DispatcherMiddleware(legacy, {"/status": status, "/news": news}))
client = Client(party)

assert [m.name for m in party.members] == ["legacy", "news", "status"]
assert client.get("/status/check/db").text == "check {'name': 'db'} (news: /news/)"
assert client.get("/news/").text == "news home; status at /status/"
assert party.url_for("news:article", slug="hello") == "/news/articles/hello"
assert party.url_for("legacy:page", slug="about", lang="fr") == "/page/about?lang=fr"
assert [r.rule for r in party.ask("legacy", "routes", None)] == ["/", "/page/{slug}"]
assert party.ask("legacy", "match", MatchRequest("GET", "/page/x")).endpoint == "page"
# [end-party]

party.close()
