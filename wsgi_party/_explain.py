"""Which member of a route dispatcher serves each route, and which shadow it.

Used as :meth:`RouteDispatcher.explain <wsgi_party.RouteDispatcher.explain>`::

    site = RouteDispatcher({"new": flask_app, "legacy": django_app}, default="legacy")
    party = WSGIParty(site)
    for route in site.explain(party):
        print(route.member, route.endpoint, route.served_by, route.probe)

Nothing here parses a routing syntax. Each route comes from its member's
``routes`` service; its *probe path* is built by the member's own ``url``
service (the framework's URL builder), trying a few sample values for the
placeholder names in the rule, and is kept only when the member's own
``match`` claims it for that endpoint. Then every member the dispatcher
tries first is asked about the probe exactly as the dispatcher asks it.
"""

from __future__ import annotations

import itertools
import re
import typing as t
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from ._exceptions import HighAndDry
from ._services import PrefixClaim, Route
from ._url import UrlRequest

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ._dispatcher import RouteDispatcher
    from ._party import Member, WSGIParty
    from ._services import Matcher

__all__ = ["ClaimedPrefix", "RouteExplanation", "RouteShadow", "explain", "explain_claims"]

#: Methods left out when probing who serves a route: every framework adds
#: them to GET routes, so they say nothing about which member owns the route.
_IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})

#: Placeholder names in the rule syntaxes members report: Werkzeug and Django
#: ``<conv:name>`` / ``<name>``, Pyramid ``{name}`` / ``{name:regex}`` and
#: ``*name``, regular expression groups ``(?P<name>...)``. Only the names are
#: read; the framework's own builder and matcher judge the values.
_PLACEHOLDER = re.compile(
    r"\(\?P<(?P<group>\w+)>"
    r"|<(?:[^<>:]*:)?(?P<angle>\w+)>"
    r"|\{(?P<brace>\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}"
    r"|(?<![\w)])\*(?P<star>\w+)$"
)

#: Values tried for every placeholder, in order; the first combination that
#: the member builds and then matches back to the same endpoint wins. "x"
#: comes first because a route that takes any string also takes "x", while
#: "1" would also fit an earlier member's integer route.
_SAMPLES: tuple[str, ...] = (
    "x",
    "1",
    "2024",
    "00000000-0000-0000-0000-000000000000",
    "1.0",
    "x-1",
    "2024-01-01",
)

#: At most this many value combinations are tried for one route.
_MAX_TRIES = 256


@dataclass(frozen=True, slots=True)
class RouteShadow:
    """A member that the dispatcher asks first and that takes a route's requests."""

    #: The member that claims the requests.
    member: str
    #: The methods it claims them for.
    methods: tuple[str, ...]
    #: The path it claimed, as the dispatcher sees it (below its mount).
    probe: str
    #: How it is known: ``"match"``, the member's router claimed ``probe``,
    #: or ``"claim"``, ``probe`` is under a prefix it serves outside its
    #: router (see :ref:`url-space`).
    evidence: str = "match"


@dataclass(frozen=True, slots=True)
class RouteExplanation:
    """One route of a :class:`~wsgi_party.RouteDispatcher` member, explained.

    A member whose routes cannot be listed gets one record with ``endpoint``
    and ``rule`` set to ``None`` and the reason in ``note``.
    """

    #: The member that has the route.
    member: str
    #: Its endpoint (Flask endpoint, Pyramid route name, Django URL name).
    endpoint: str | None
    #: Its HTTP methods, as its ``routes`` service lists them (empty: any).
    methods: tuple[str, ...]
    #: Its rule with the member's mount in front, e.g. ``/post/<int:id>``.
    rule: str | None
    #: A path the member routes to this endpoint, as the dispatcher sees it
    #: (below its mount); ``None`` when none could be built.
    probe: str | None
    #: The member that gets requests for ``probe`` with the route's main
    #: method (the first one other than HEAD and OPTIONS); ``None`` when
    #: there is no probe or the dispatcher never routes to the member.
    served_by: str | None
    #: Members the dispatcher asks first that claim ``probe``, in its order.
    shadowed_by: tuple[RouteShadow, ...] = ()
    #: Why something could not be told, in words.
    note: str | None = None


def explain(dispatcher: RouteDispatcher, party: WSGIParty) -> list[RouteExplanation]:
    """Explain every route of ``dispatcher``'s members that joined ``party``.

    Members come in the order the dispatcher tries them, ``default`` last.
    """
    members = {m.name: m for m in party.members}
    order = [n for n in dispatcher.members if n != dispatcher.default and n in members]
    if dispatcher.default is not None and dispatcher.default in members:
        order.append(dispatcher.default)
    matchers = dispatcher._member_matchers()
    explained: list[RouteExplanation] = []
    for position, name in enumerate(order):
        earlier = [(n, matchers[n]) for n in order[:position] if n in matchers]
        explained.extend(_explain_member(party, members[name], matchers.get(name), earlier))
    return explained


def _explain_member(
    party: WSGIParty,
    member: Member,
    own: Matcher | None,
    earlier: Sequence[tuple[str, Matcher]],
) -> Iterator[RouteExplanation]:
    name = member.name
    if "routes" not in member.services:
        yield RouteExplanation(name, None, (), None, None, None, note="offers no 'routes' service")
        return
    try:
        routes = [r for r in party.ask(name, "routes", None) if isinstance(r, Route)]
    except Exception as exc:  # noqa: BLE001 - said in the record; the other members go on
        yield RouteExplanation(
            name, None, (), None, None, None, note=f"answering 'routes' raised {_said(exc)}"
        )
        return
    if not routes:
        yield RouteExplanation(name, None, (), None, None, None, note="has no routes")
    for route in routes:
        yield _explain_route(party, member, route, own, earlier)


def _explain_route(
    party: WSGIParty,
    member: Member,
    route: Route,
    own: Matcher | None,
    earlier: Sequence[tuple[str, Matcher]],
) -> RouteExplanation:
    name, endpoint, methods = member.name, route.endpoint, tuple(route.methods)
    if own is None:
        return RouteExplanation(
            name,
            endpoint,
            methods,
            route.rule,
            None,
            None,
            note="offers no 'match' service: the dispatcher never routes to it",
        )
    probe_methods = _probe_methods(methods)
    probe, failure = _probe(party, member, route, own, probe_methods)
    if probe is None:
        return RouteExplanation(name, endpoint, methods, route.rule, None, None, note=failure)
    shadows: list[RouteShadow] = []
    problems: list[str] = []
    for other, matcher in earlier:
        claimed = []
        for method in probe_methods:
            claim, problem = _claim(matcher, method, probe)
            if problem is not None:
                problems.append(f"member {other!r}'s match raised {problem} for {method} {probe}")
            elif claim is not None and claim[1]:
                claimed.append(method)
        if claimed:
            prefix = matcher.prefix_of(probe) if isinstance(matcher, PrefixClaim) else None
            evidence = "match" if prefix is None else "claim"
            shadows.append(RouteShadow(other, tuple(claimed), probe, evidence))
    main = probe_methods[0]
    served_by = next((s.member for s in shadows if main in s.methods), name)
    note = "; ".join(problems) or None
    return RouteExplanation(
        name, endpoint, methods, route.rule, probe, served_by, tuple(shadows), note
    )


def _probe(
    party: WSGIParty,
    member: Member,
    route: Route,
    own: Matcher,
    methods: Sequence[str],
) -> tuple[str | None, str | None]:
    """A path ``member`` routes to ``route`` for every one of ``methods``.

    Returns ``(probe, None)``, or ``(None, why not)``.
    """
    names = list(dict.fromkeys(_placeholder_names(route.rule)))
    combinations = itertools.islice(itertools.product(_SAMPLES, repeat=len(names)), _MAX_TRIES)
    last: str | None = None
    for combination in combinations:
        values = dict(zip(names, combination, strict=True))
        request = UrlRequest(route.endpoint, values, method=methods[0], script_root="")
        try:
            url = party.ask(member.name, "url", request)
        except Exception as exc:  # noqa: BLE001 - these values do not build; try the next
            last = f"building it with {values} raised {_said(exc)}"
            continue
        path = _below(url, member.script_name, party.base_url) if isinstance(url, str) else None
        if path is None:
            last = f"its url service answered {url!r}, not a URL under {member.script_name!r}"
            continue
        if all(_routes_to(own, method, path, route.endpoint) for method in methods):
            return path, None
        last = f"{path} (built with {values}) is not routed back to it"
    reason = "no probe path could be built"
    return None, f"{reason}: {last}" if last else reason


def _placeholder_names(rule: str) -> Iterator[str]:
    for found in _PLACEHOLDER.finditer(rule):
        yield next(name for name in found.groups() if name is not None)


def _below(url: str, mount: str, base_url: str | None) -> str | None:
    """The ``PATH_INFO`` the dispatcher at ``mount`` sees for ``url``."""
    path = urlsplit(url).path
    roots = [""]
    if base_url:
        roots.append(urlsplit(base_url).path.rstrip("/"))
    for root in roots:
        head = root + mount
        if path.startswith(head) and path[len(head) : len(head) + 1] in ("", "/"):
            # As a WSGI server puts it in the environ: percent-decoded bytes as latin-1.
            return unquote_to_bytes(path[len(head) :]).decode("latin-1") or "/"
    return None


def _routes_to(matcher: Matcher, method: str, path: str, endpoint: str) -> bool:
    claim, _problem = _claim(matcher, method, path)
    return claim is not None and claim[1] and claim[0] == endpoint


@dataclass(frozen=True, slots=True)
class ClaimedPrefix:
    """A path prefix a :class:`~wsgi_party.RouteDispatcher` member serves
    outside its router, explained (see :ref:`url-space`).

    .. versionadded:: 0.3
    """

    #: The member that claims it.
    member: str
    #: The prefix, below the dispatcher's mount, without a trailing slash.
    prefix: str
    #: Who claimed it: ``"member 'wiki'"`` (the integration) or
    #: ``"RouteDispatcher(claims=...)"``.
    declared_by: str
    #: The path below the prefix that earlier members were asked about.
    probe: str
    #: The member that gets a GET request for ``probe``.
    served_by: str
    #: The earlier members whose ``match`` claims ``probe`` first.
    shadowed_by: tuple[RouteShadow, ...] = ()


def explain_claims(dispatcher: RouteDispatcher, name: str) -> list[ClaimedPrefix]:
    """Each prefix member ``name`` claims, and the earlier members that take it."""
    matchers = dispatcher._member_matchers()
    own = matchers.get(name)
    if not isinstance(own, PrefixClaim):
        return []
    order = [n for n in dispatcher.members if n != dispatcher.default]
    if dispatcher.default is not None:
        order.append(dispatcher.default)
    earlier = order[: order.index(name)] if name in order else []
    explained = []
    for prefix, declared_by in own.claims():
        probe = f"{prefix}/x"
        shadows = []
        for other in earlier:
            matcher = matchers.get(other)
            if matcher is None:
                continue
            claim, _problem = _claim(matcher, "GET", probe)
            if claim is not None and claim[1]:
                inner = matcher.prefix_of(probe) if isinstance(matcher, PrefixClaim) else None
                evidence = "match" if inner is None else "claim"
                shadows.append(RouteShadow(other, ("GET",), probe, evidence))
        served_by = shadows[0].member if shadows else name
        explained.append(ClaimedPrefix(name, prefix, declared_by, probe, served_by, tuple(shadows)))
    return explained


def _claim(
    matcher: Matcher, method: str, path: str
) -> tuple[tuple[str | None, bool, t.Iterable[str]] | None, str | None]:
    """What ``matcher`` answers for ``method path``, as the dispatcher takes it.

    Returns ``(claim, None)``, or ``(None, what it raised)``: a matcher that
    raises claims nothing (:class:`~wsgi_party.HighAndDry` is a plain "no").
    """
    try:
        return matcher(method, path), None
    except HighAndDry:
        return None, None
    except Exception as exc:  # noqa: BLE001 - the dispatcher passes the request on
        return None, _said(exc)


def _probe_methods(methods: Sequence[str]) -> list[str]:
    explicit = [m for m in methods if m not in _IMPLICIT_METHODS]
    return explicit or list(methods) or ["GET"]


def _said(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
