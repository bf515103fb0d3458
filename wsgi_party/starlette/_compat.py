"""The a2wsgi internals the Starlette integration reads, one adapter each.

Checked on the oldest supported a2wsgi 1.10.0, Starlette 0.40.0 and FastAPI
0.115.2, and on the newest installed, a2wsgi 1.10.10, Starlette 1.10 and
FastAPI 0.165::

    from wsgi_party.starlette._compat import asgi_scope_for, environ_for, flat_routes

    scope = asgi_scope_for(environ)     # the ASGI scope a2wsgi makes for environ
    environ = environ_for(scope)        # the WSGI environ a2wsgi makes for a scope
    for kind, route in flat_routes(app.routes):   # FastAPI's included routers opened
        ...
"""

from __future__ import annotations

import io
import typing as t

from a2wsgi.asgi import build_scope
from a2wsgi.wsgi import build_environ

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # FastAPI is optional; older releases list included routes as they are
    iter_route_contexts = None  # type: ignore[assignment]

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from _typeshed.wsgi import WSGIEnvironment
    from starlette.routing import BaseRoute

__all__ = ["asgi_scope_for", "environ_for", "flat_routes"]


def asgi_scope_for(environ: WSGIEnvironment) -> dict[str, t.Any]:
    """The HTTP scope a2wsgi gives the app for ``environ``, as a new dict.

    A request the member answers for another member (``identity``,
    ``layout``) is made from it, so that it reads headers, cookies, host and
    ``root_path`` exactly as the app's own requests do.
    """
    # Checked on a2wsgi 1.10.0 and 1.10.10: a2wsgi.asgi.build_scope(environ) is the
    # function ASGIMiddleware calls for every request; it is not in
    # a2wsgi.__all__.
    return dict(build_scope(environ))  # type: ignore[arg-type]


def environ_for(scope: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The WSGI environ a2wsgi's ``WSGIMiddleware`` makes for an HTTP ``scope``.

    With an empty body; ``SCRIPT_NAME`` is the app's own root (inside a
    mount, the mount's path is in ``PATH_INFO``).
    """
    scope = dict(scope)
    scope["root_path"] = scope.get("app_root_path", scope.get("root_path", ""))
    scope.setdefault("http_version", "1.1")
    scope.setdefault("method", "GET")  # a websocket has none
    # Checked on a2wsgi 1.10.0 and 1.10.10: a2wsgi.wsgi.build_environ(scope, body) is the
    # function WSGIMiddleware calls for every request; it is not in
    # a2wsgi.__all__, and it reads the SCRIPT_NAME environment variable.
    return dict(build_environ(scope, io.BytesIO()))  # type: ignore[arg-type]


def flat_routes(routes: Sequence[BaseRoute]) -> Iterator[tuple[BaseRoute, t.Any]]:
    """Each route of ``routes`` as ``(kind, route)``, FastAPI's included routers opened.

    ``kind`` is the route as written (a ``Route``, ``Mount``, ``Host``, ...,
    for ``isinstance``); ``route`` is what the router matches and builds
    with: the same object, or for a route of an included ``APIRouter`` its
    effective form with the prefix (``path``, ``name``, ``methods``,
    ``param_convertors``, ``matches()``, ``routes`` of a mount).
    """
    # Checked on FastAPI 0.165: include_router() keeps an _IncludedRouter in
    # app.routes instead of copies of the router's routes, and
    # fastapi.routing.iter_route_contexts(routes) yields a RouteContext per
    # effective route (its original_route and, by attribute, its effective
    # one). Releases without it (0.115.2) list included routes as plain routes.
    if iter_route_contexts is None:
        for route in routes:
            yield route, route
        return
    for context in iter_route_contexts(routes):
        yield context.original_route, context
