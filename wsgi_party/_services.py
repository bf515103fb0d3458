"""The standard services every member answers, and their payloads.

========  ===========================  =====================================
service   payload                      answer
========  ===========================  =====================================
``url``   :class:`~wsgi_party.UrlRequest`  the URL string
``ping``  anything                     :class:`Pong` (equal to ``"pong"``)
``routes`` anything                    a list of :class:`Route`
``match`` :class:`MatchRequest`        a :class:`Match`, or ``HighAndDry``
========  ===========================  =====================================

::

    party.ask_around("ping", None)              # ['pong', 'pong']
    [r.rule for r in party.ask("blog", "routes", None)]
    party.ask("blog", "match", MatchRequest("GET", "/post/3"))

:func:`standard_handlers` connects ``ping``, ``routes`` and ``match`` for a
member from two framework-specific callables, so every integration answers
them the same way.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ._exceptions import ConfigurationError, HighAndDry, PartylineException

if t.TYPE_CHECKING:
    from ._operator import PartylineOperator

__all__ = [
    "Match",
    "MatchRequest",
    "Pong",
    "PrefixClaim",
    "Route",
    "checked_prefixes",
    "standard_handlers",
]


class Pong(str):
    """The answer to ``ping``: the string ``"pong"``, carrying the member's name."""

    member: str

    def __new__(cls, member: str) -> Pong:
        pong = super().__new__(cls, "pong")
        pong.member = member
        return pong

    def __repr__(self) -> str:
        return f"Pong(member={self.member!r})"


@dataclass(frozen=True, slots=True)
class Route:
    """One route of a member, as answered to ``routes``."""

    #: The member that serves it.
    member: str
    #: The endpoint (Flask endpoint, Pyramid route name, Django URL name).
    endpoint: str
    #: The rule with the member's mount in front, e.g. ``/blog/post/<int:id>``.
    rule: str
    #: HTTP methods it accepts; empty when it accepts any.
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchRequest:
    """Payload of ``match``: would a member route this request?

    ``path`` is relative to the member's mount (its ``PATH_INFO``).
    """

    method: str
    path: str

    def __post_init__(self) -> None:
        if not isinstance(self.method, str) or not isinstance(self.path, str):
            raise PartylineException(
                f"MatchRequest needs a method and a path as strings, got"
                f" {self.method!r}, {self.path!r}"
            )

    @classmethod
    def coerce(cls, payload: object) -> MatchRequest:
        """Accept a :class:`MatchRequest` or a ``(method, path)`` tuple."""
        if isinstance(payload, MatchRequest):
            return payload
        if isinstance(payload, tuple) and len(payload) == 2:
            return cls(*payload)
        raise PartylineException(
            f"a 'match' payload must be a MatchRequest or (method, path), got {payload!r}"
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A member's claim on a request, answered to ``match``.

    ``allowed`` is false when the member has the path but not for this
    method; it would then answer 405 with ``methods``.
    """

    member: str
    endpoint: str | None
    allowed: bool = True
    methods: tuple[str, ...] = ()


#: Lists a member's routes as (endpoint, rule relative to the mount, methods).
RouteLister = t.Callable[[], t.Iterable[tuple[str, str, t.Iterable[str]]]]

#: Matches (method, path): returns (endpoint, allowed, methods), or ``None``
#: (or raises HighAndDry) when the member has no route for the path.
#: ``method`` arrives upper-cased. Returning ``None`` is the cheaper way: the
#: RouteDispatcher calls matchers on every request.
Matcher = t.Callable[[str, str], tuple[str | None, bool, t.Iterable[str]] | None]


class PrefixClaim:
    """A :data:`Matcher` that claims every path under some prefixes, else asks ``matcher``.

    For what a member serves outside its router: static files, a debug
    toolbar's tween, a middleware's pages. A claimed path is answered with
    no endpoint, for every method. ``prefixes`` are relative to the member's
    mount (``"/static"`` claims ``/static`` and everything below it);
    ``declared_by`` says who claimed them, for reports.

    .. versionadded:: 0.3
    """

    __slots__ = ("_exact", "_under", "declared_by", "matcher", "prefixes")

    def __init__(
        self, prefixes: t.Iterable[str], matcher: Matcher | None, declared_by: str
    ) -> None:
        #: The claimed prefixes, without trailing slashes.
        self.prefixes = checked_prefixes(prefixes, declared_by)
        #: The member's own matcher, asked for every other path (or ``None``).
        self.matcher = matcher
        #: Who claimed the prefixes (``"member 'wiki'"``, ``"RouteDispatcher(claims=...)"``).
        self.declared_by = declared_by
        self._exact = frozenset(self.prefixes)
        self._under = tuple(f"{prefix}/" for prefix in self.prefixes)

    def __repr__(self) -> str:
        return f"<PrefixClaim {list(self.prefixes)} by {self.declared_by}>"

    def __call__(self, method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
        if path.startswith(self._under) or path in self._exact:
            return None, True, ()
        matcher = self.matcher
        return None if matcher is None else matcher(method, path)

    def prefix_of(self, path: str) -> str | None:
        """The claimed prefix ``path`` is under (here or in an inner claim), else ``None``."""
        for prefix in self.prefixes:
            if path == prefix or path.startswith(f"{prefix}/"):
                return prefix
        inner = self.matcher
        return inner.prefix_of(path) if isinstance(inner, PrefixClaim) else None

    def claims(self) -> list[tuple[str, str]]:
        """Every claimed prefix and who claimed it, inner claims last."""
        own = [(prefix, self.declared_by) for prefix in self.prefixes]
        inner = self.matcher
        return own + inner.claims() if isinstance(inner, PrefixClaim) else own


def checked_prefixes(prefixes: t.Iterable[str], where: str) -> tuple[str, ...]:
    """``prefixes`` as paths without trailing slashes, checked.

    Each must be a string that starts with ``/`` and is more than ``/``
    (claiming everything is what a dispatcher's ``default`` is for);
    otherwise :class:`~wsgi_party.ConfigurationError` names ``where``.
    """
    if isinstance(prefixes, str):
        raise ConfigurationError(
            f"{where}: claimed prefixes must be a list of paths, got the string {prefixes!r}"
        )
    checked: list[str] = []
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix.startswith("/") or not prefix.strip("/"):
            raise ConfigurationError(
                f"{where}: a claimed prefix must be a path below '/' such as '/static/',"
                f" got {prefix!r}"
            )
        head = prefix.rstrip("/")
        if head not in checked:
            checked.append(head)
    return tuple(checked)


def standard_handlers(
    operator: PartylineOperator,
    list_routes: RouteLister | None = None,
    match: Matcher | None = None,
    *,
    skip: t.Container[str] = (),
) -> None:
    """Connect ``ping``, and ``routes`` and ``match`` when given, for a member.

    Services named in ``skip`` are left out: the member answers them with
    handlers of its own.

    .. versionchanged:: 0.3
       Added ``skip``.
    """

    def ping(payload: object) -> Pong:
        return Pong(operator.name or "")

    if "ping" not in skip:
        operator.connect("ping", ping)

    if list_routes is not None and "routes" not in skip:
        lister = list_routes

        def routes(payload: object) -> list[Route]:
            mount = operator.script_name
            return [
                Route(operator.name or "", endpoint, mount + rule, tuple(sorted(methods)))
                for endpoint, rule, methods in lister()
            ]

        operator.connect("routes", routes)

    if match is not None and "match" not in skip:
        operator.connect("match", MatchHandler(operator, match))


class MatchHandler:
    """A member's ``match`` handler: answers a :class:`MatchRequest` from a matcher.

    ``matcher`` is the member's :data:`Matcher`; a
    :class:`~wsgi_party.RouteDispatcher` calls it directly on every request,
    without the payload objects.
    """

    __slots__ = ("matcher", "operator")

    def __init__(self, operator: PartylineOperator, matcher: Matcher) -> None:
        #: The member's operator.
        self.operator = operator
        #: Claims ``(method, path)``: see :data:`Matcher`.
        self.matcher = matcher

    def __repr__(self) -> str:
        return f"<MatchHandler of member {self.operator.name!r}>"

    def __call__(self, payload: object) -> Match:
        request = MatchRequest.coerce(payload)
        name = self.operator.name
        claim = self.matcher(request.method.upper(), request.path)
        if claim is None:
            raise no_route(name, request.method, request.path)
        endpoint, allowed, methods = claim
        return Match(name or "", endpoint, allowed, tuple(sorted(methods)))


def no_route(member: str | None, method: str, path: str) -> HighAndDry:
    """The :class:`HighAndDry` a matcher raises for a path it does not route."""
    return HighAndDry(f"member {member!r} has no route for {method} {path}")
