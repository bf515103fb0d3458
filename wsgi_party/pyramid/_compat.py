"""Every Pyramid name or behaviour the integration uses that Pyramid does not document.

Each lives in one small function, checked on Pyramid 2.0 (the oldest
supported) and 2.1; the rest of the package uses Pyramid's documented API
only::

    from wsgi_party.pyramid._compat import pattern_names, request_methods

    names = pattern_names(route)           # ("id",) for "/orders/{id}"
    for predicate in route.predicates:
        methods = request_methods(predicate)  # ("GET", "HEAD") or None
"""

from __future__ import annotations

import typing as t

from pyramid.encode import url_quote  # type: ignore[import-untyped]
from pyramid.interfaces import (  # type: ignore[import-untyped]
    IAuthenticationPolicy,
    ISecurityPolicy,
    ITweens,
)
from pyramid.predicates import RequestMethodPredicate  # type: ignore[import-untyped]
from pyramid.security import LegacySecurityPolicy  # type: ignore[import-untyped]
from pyramid.threadlocal import RequestContext  # type: ignore[import-untyped]
from pyramid.traversal import (  # type: ignore[import-untyped]
    PATH_SEGMENT_SAFE,
    quote_path_segment,
)
from pyramid.url import ANCHOR_SAFE, QUERY_SAFE  # type: ignore[import-untyped]

if t.TYPE_CHECKING:
    from collections.abc import Iterable


def request_methods(predicate: object) -> tuple[str, ...] | None:
    """The methods a route's ``request_method`` predicate allows, else ``None``
    (any other predicate).

    ``RequestMethodPredicate`` and its ``val`` (the sorted methods, ``HEAD``
    added to ``GET``) are not public: checked on Pyramid 2.0 and 2.1.
    """
    if isinstance(predicate, RequestMethodPredicate):
        return tuple(predicate.val)
    return None


def pattern_names(route: t.Any) -> tuple[str, ...]:
    """The replacement names ``route.generate`` needs, asked of Pyramid itself.

    Relies on ``generate`` raising ``KeyError(name)`` for the first missing
    name (not documented; checked on Pyramid 2.0 and 2.1), so the pattern
    syntax (``{name}``, ``{name:regex}``, ``*rest``) is never parsed here.
    """
    names: list[str] = []
    while True:
        try:
            route.generate(dict.fromkeys(names, "x"))
        except KeyError as exc:
            name = exc.args[0]
            if name in names:
                raise
            names.append(name)
        else:
            return tuple(names)


def pushed(request: t.Any) -> t.ContextManager[t.Any]:
    """Make ``request`` (and its registry) Pyramid's current ones, as the
    router does for its own requests, so ``get_current_request()`` and
    renderers see it.

    ``pyramid.threadlocal.RequestContext`` is not public: checked on
    Pyramid 2.0 and 2.1.
    """
    context: t.ContextManager[t.Any] = RequestContext(request)
    return context


def tween_factories(registry: t.Any) -> list[tuple[str, t.Any]]:
    """The app's tweens as ``(name, factory)``, outermost first, as its router
    chains them (the explicit ``pyramid.tweens`` setting, else the implicit
    order).

    ``Tweens.explicit`` and ``Tweens.implicit()`` are not public (``ITweens``
    documents only adding and calling): checked on Pyramid 2.0 and 2.1.
    """
    tweens = registry.queryUtility(ITweens)
    if tweens is None:
        return []
    return list(tweens.explicit or tweens.implicit())


def process_finished_callbacks(request: t.Any) -> None:
    """Call ``request``'s finished callbacks, as the router does when a request ends.

    ``Request._process_finished_callbacks`` is not public: checked on
    Pyramid 2.0 and 2.1.
    """
    if request.finished_callbacks:
        request._process_finished_callbacks()


def principals_policy(registry: t.Any) -> object:
    """The policy whose ``effective_principals`` give a user's roles: the
    security policy, or the authentication policy behind Pyramid's legacy
    wrapper (``config.set_authentication_policy``).

    ``pyramid.security.LegacySecurityPolicy`` is not public: checked on
    Pyramid 2.0 and 2.1.
    """
    policy = registry.queryUtility(ISecurityPolicy)
    if isinstance(policy, LegacySecurityPolicy):
        return registry.queryUtility(IAuthenticationPolicy)
    return policy


def quote_elements(elements: Iterable[object]) -> str:
    """Path elements joined as ``route_url(name, *elements)`` appends them.

    ``PATH_SEGMENT_SAFE`` is not public: checked on Pyramid 2.0 and 2.1.
    """
    return "/".join(quote_path_segment(e, safe=PATH_SEGMENT_SAFE) for e in elements)


def quote_query(query: str) -> str:
    """A ``_query`` string quoted as ``route_url`` quotes it.

    ``pyramid.encode.url_quote`` and ``pyramid.url.QUERY_SAFE`` are not
    public: checked on Pyramid 2.0 and 2.1.
    """
    quoted: str = url_quote(query, QUERY_SAFE)
    return quoted


def quote_anchor(anchor: str) -> str:
    """An ``_anchor`` quoted as ``route_url`` quotes it.

    ``pyramid.url.ANCHOR_SAFE`` is not public: checked on Pyramid 2.0 and 2.1.
    """
    quoted: str = url_quote(anchor, ANCHOR_SAFE)
    return quoted


def tween_names(registry: t.Any) -> list[str]:
    """The dotted names of the tweens the app's registry runs.

    ``ITweens`` is a documented interface, but the ``Tweens`` object that
    provides it (``explicit``, ``implicit()``) is not: checked on Pyramid
    2.0 and 2.1.
    """
    tweens = registry.queryUtility(ITweens)
    if tweens is None:
        return []
    explicit = [name for name, _factory in getattr(tweens, "explicit", ())]
    implicit = [name for name, _factory in tweens.implicit()] if not explicit else []
    return explicit or implicit
