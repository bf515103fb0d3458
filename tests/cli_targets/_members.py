"""Werkzeug apps routed by a ``Map``, made party members with ``PartyMember``."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, partyline

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def map_app(title: str, url_map: Map, links: t.Mapping[str, str] | None = None) -> WSGIApplication:
    """An app answering ``title:endpoint``, plus a party link for endpoints in ``links``."""

    @Request.application
    def app(request: Request) -> Response | HTTPException:
        try:
            endpoint, _values = url_map.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return exc
        body = f"{title}:{endpoint}"
        if links and endpoint in links:
            body += f"\nlink: {partyline.url_for(links[endpoint])}"
        return Response(body)

    return app


def map_member(
    title: str,
    rules: t.Iterable[Rule],
    *,
    name: str | None = None,
    links: t.Mapping[str, str] | None = None,
    converters: t.Mapping[str, t.Any] | None = None,
) -> PartyMember:
    """A ``PartyMember`` whose ``url``, ``routes`` and ``match`` come from its map."""
    url_map = Map(list(rules), converters=dict(converters or {}))
    return PartyMember(map_app(title, url_map, links), name=name, url_map=url_map)


def stranger(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """A WSGI app that never joins: its invite route is a plain 404."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]
