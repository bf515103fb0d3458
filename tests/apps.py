"""Real WSGI apps for the core tests: Werkzeug apps routed by a ``Map``, and WebOb."""

from __future__ import annotations

import typing as t

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, partyline


class WerkzeugApp:
    """A small Werkzeug application: each endpoint renders its name and a link.

    ``links`` maps an endpoint to the ``(endpoint, values)`` it links to through
    the partyline, so a page proves the link was built at request time.
    """

    def __init__(
        self,
        title: str,
        rules: t.Iterable[Rule],
        links: t.Mapping[str, tuple[str, dict[str, t.Any]]] | None = None,
    ) -> None:
        self.title = title
        self.url_map = Map(list(rules))
        self.links = dict(links or {})
        self.requests = 0

    def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
        return self.wsgi_app(environ, start_response)

    @Request.application
    def wsgi_app(self, request: Request) -> Response:
        self.requests += 1
        adapter = self.url_map.bind_to_environ(request.environ)
        endpoint, values = adapter.match()
        body = f"{self.title}:{endpoint}:{sorted(values.items())}"
        if endpoint in self.links:
            target, target_values = self.links[endpoint]
            body += "\n" + partyline.url_for(target, **target_values)
        return Response(body)


def werkzeug_member(
    title: str,
    rules: t.Iterable[Rule] | None = None,
    *,
    name: str | None = None,
    links: t.Mapping[str, tuple[str, dict[str, t.Any]]] | None = None,
    services: t.Mapping[str, t.Callable[[t.Any], t.Any]] | None = None,
) -> PartyMember:
    """A :class:`WerkzeugApp` made a party member."""
    if rules is None:
        rules = [
            Rule("/", endpoint="index"),
            Rule("/post/<int:id>", endpoint="post"),
            Rule("/edit/<int:id>", endpoint="edit", methods=["POST"]),
        ]
    return PartyMember(WerkzeugApp(title, rules, links), name=name, services=services)


def webob_member(name: str | None = None) -> PartyMember:
    """A WebOb application made a party member (it has no URL map: ping only)."""
    import webob
    import webob.dec

    @webob.dec.wsgify
    def app(request: webob.Request) -> webob.Response:
        return webob.Response(text=f"webob:{request.path_info}")

    return PartyMember(app, name=name)


def refusing_app(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """A WSGI app with no invite route: it answers 404 everywhere but ``/``."""
    if environ.get("PATH_INFO", "/") in ("", "/"):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy home"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]
