"""The Flask and Werkzeug internals the Flask integration reads, one adapter each.

The integration reads private names only where the public way would cost
every link on every page. Each is read here, in one small function with a
comment naming the versions it was checked on (the oldest supported,
Flask 3.0.0 and Werkzeug 3.0.0, and the newest installed, Flask 3.1.3 and
Werkzeug 3.1.8), so that a release that moves one changes one function::

    from wsgi_party.flask._compat import app_context_getter, rules_by_endpoint

    current_app_context = app_context_getter()      # bound once, at import
    ctx = current_app_context(None)                 # the AppContext, or None
    if ctx is not None and endpoint in rules_by_endpoint(ctx.app.url_map):
        ...                                         # the app's own endpoint
"""

from __future__ import annotations

import typing as t

from flask.globals import _cv_app, _cv_request

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flask.ctx import AppContext, RequestContext
    from werkzeug.routing import Map, Rule

__all__ = ["app_context_getter", "request_context_getter", "rules_by_endpoint"]


def app_context_getter() -> Callable[[None], AppContext | None]:
    """The ``get`` of Flask's context variable of the current app context.

    ``getter(None)`` is what :data:`flask.globals.app_ctx` proxies, or
    ``None`` outside an app context, without the proxy's lookup and without
    raising: :func:`~wsgi_party.flask.party_url` reads it for every link.
    """
    # Checked on Flask 3.0.0 and 3.1.3: flask.globals._cv_app is the
    # ContextVar of the current AppContext. Flask 3.2 keeps it.
    return _cv_app.get


def request_context_getter() -> Callable[[None], RequestContext | None]:
    """The ``get`` of Flask's context variable of the current request context.

    ``getter(None)`` is what :data:`flask.globals.request_ctx` proxies, or
    ``None`` outside a request, read as :func:`app_context_getter` reads
    the app context.
    """
    # Checked on Flask 3.0.0 and 3.1.3: flask.globals._cv_request is the
    # ContextVar of the current RequestContext. Flask 3.2 (unreleased when
    # this was written) merges the request context into the app context and
    # drops _cv_request (pallets/flask#5812): then a request is active when
    # the app context's ``has_request`` is true.
    return _cv_request.get


def rules_by_endpoint(url_map: Map) -> Mapping[str, list[Rule]]:
    """Werkzeug's own index of ``url_map``'s rules by endpoint.

    The map fills this same dict as rules are added, so it can be kept. An
    endpoint is looked up in it with no other cost, where the public
    ``url_map.iter_rules(endpoint)`` first brings the map up to date and
    raises :class:`KeyError` for every endpoint of another app.
    """
    # Checked on Werkzeug 3.0.0 and 3.1.8: Map._rules_by_endpoint is a dict
    # of endpoint -> [Rule], filled in place by Map.add.
    return url_map._rules_by_endpoint
