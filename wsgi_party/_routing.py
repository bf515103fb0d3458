"""Answering ``url``, ``routes`` and ``match`` from a werkzeug ``Map``.

Plain Werkzeug apps keep their routes in a :class:`werkzeug.routing.Map`;
these adapters let a member answer the standard services straight from it::

    url_map = Map([Rule("/post/<int:id>", endpoint="post")])
    connect_map_services(operator, url_map)
    # operator now answers url, ping, routes and match for that map
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BuildError, Map, MapAdapter, RequestRedirect

from ._services import standard_handlers
from ._url import no_such_endpoint, url_handler

if t.TYPE_CHECKING:
    from ._operator import PartylineOperator

__all__ = ["connect_map_services"]


def connect_map_services(operator: PartylineOperator, url_map: Map) -> None:
    """Connect ``url``, ``ping``, ``routes`` and ``match`` answered from ``url_map``."""
    adapter: list[MapAdapter] = []

    def bound() -> MapAdapter:
        # Bound once, lazily; the adapter re-reads the map when rules are
        # added later, so routes added after the invitation still count.
        if not adapter:
            adapter[:] = [url_map.bind("localhost", script_name="/")]
        return adapter[0]

    def build_path(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            path = bound().build(endpoint, values, method=method, append_unknown=True)
        except BuildError:
            raise no_such_endpoint(operator.name, endpoint) from None
        values.clear()
        return path

    def list_routes() -> t.Iterator[tuple[str, str, t.Iterable[str]]]:
        for rule in url_map.iter_rules():
            yield str(rule.endpoint), rule.rule, rule.methods or ()

    def match(method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
        try:
            rule, _args = bound().match(path, method, return_rule=True)
        except MethodNotAllowed as exc:
            return None, False, exc.valid_methods or ()
        except RequestRedirect:
            return None, True, ()
        except HTTPException:
            return None
        return str(rule.endpoint), True, rule.methods or ()

    operator.connect("url", url_handler(operator, build_path))
    standard_handlers(operator, list_routes, match)
