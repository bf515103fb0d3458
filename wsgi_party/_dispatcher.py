"""Route-level dispatch: several apps behind one prefix, one route at a time.

Move single routes out of a legacy app without giving the new app a prefix
of its own::

    from wsgi_party import RouteDispatcher, WSGIParty

    site = RouteDispatcher({"new": flask_app, "legacy": django_app}, default="legacy")
    application = WSGIParty(site)

Each request goes to the first member, in the order given, whose ``match``
service claims it for the request's method, else to ``default``. ``claims``
adds path prefixes a member serves outside its router (a debug toolbar,
static files served by a middleware)::

    RouteDispatcher({"new": flask_app, "legacy": pyramid_app}, default="legacy",
                    claims={"new": ["/assets/"]})
 A member
that has the path only for other methods gets the request (and answers 405
as it would alone) unless ``default`` routes that method itself. Every
member is invited directly, and joins under its key.
"""

from __future__ import annotations

import logging
import typing as t

from ._exceptions import ConfigurationError, HighAndDry
from ._explain import ClaimedPrefix, RouteExplanation, explain, explain_claims
from ._invitations import INVITE_PATH, Invitation
from ._operator import PartylineOperator
from ._services import Matcher, MatchHandler, PrefixClaim, checked_prefixes

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._party import WSGIParty

__all__ = ["RouteDispatcher"]

log = logging.getLogger("wsgi_party.dispatcher")


class RouteDispatcher:
    """WSGI dispatcher over apps that share one prefix, by route.

    ``members`` maps member names to apps; the first listed wins when two
    claim a request. ``default`` names the member that gets every request
    nobody claims (the legacy app); without one those get 404.

    ``claims`` maps a member to path prefixes (below the dispatcher's mount)
    it serves outside its router: every path under one is that member's
    claim, in the member's place in the order, for every method. Members
    claim their own static prefixes and known tweens themselves (see
    :ref:`url-space`); ``claims`` adds the others. A member that never
    joins the party (a plain WSGI app serving files) is routed by its claims
    alone.

    .. versionchanged:: 0.3
       Added ``claims``.
    """

    def __init__(
        self,
        members: Mapping[str, WSGIApplication],
        *,
        default: str | None = None,
        claims: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        if not members:
            raise ConfigurationError("RouteDispatcher needs at least one member")
        for name in members:
            if not isinstance(name, str) or not name or ":" in name:
                raise ConfigurationError(
                    f"RouteDispatcher member name {name!r} must be a non-empty string without ':'"
                )
        if default is not None and default not in members:
            raise ConfigurationError(
                f"RouteDispatcher default {default!r} is not one of the members"
                f" ({', '.join(map(repr, members))})"
            )
        self.members: dict[str, WSGIApplication] = dict(members)
        #: Prefixes each member serves outside its router, as given (checked).
        self.claims: dict[str, tuple[str, ...]] = {}
        for name, prefixes in (claims or {}).items():
            if name not in self.members:
                raise ConfigurationError(
                    f"RouteDispatcher claims name {name!r}, which is not one of the members"
                    f" ({', '.join(map(repr, members))})"
                )
            self.claims[name] = checked_prefixes(prefixes, f"RouteDispatcher claims of {name!r}")
        self.default = default
        self._default_app = self.members[default] if default is not None else None
        #: Members' matchers in precedence order, filled as they join.
        self._matchers: list[tuple[str, WSGIApplication, Matcher]] = []
        self._default_matcher: Matcher | None = None
        #: How many times a member's match raised (it then claimed nothing).
        self.match_errors = 0

    def __repr__(self) -> str:
        return f"<RouteDispatcher {list(self.members)} default={self.default!r}>"

    def __party_invitations__(self) -> list[Invitation]:
        """Invite every member directly (not through path routing)."""
        self._matchers = []
        self._default_matcher = None
        return [
            Invitation(INVITE_PATH, self._door(name, app), "", name)
            for name, app in self.members.items()
        ]

    def _door(self, name: str, app: WSGIApplication) -> WSGIApplication:
        """Wrap ``app`` so that joining also registers its matcher here."""

        def invite(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            operator = environ["partyline"]
            result = app(environ, start_response)
            matcher: Matcher | None = None
            joined = isinstance(operator, PartylineOperator) and bool(operator.handlers)
            if joined:
                operator.name = name
                handlers = operator.services.get("match", ())
                if handlers:
                    handler = handlers[0]
                    matcher = (
                        handler.matcher
                        if isinstance(handler, MatchHandler)
                        else _via_handler(handler)
                    )
            prefixes = self.claims.get(name)
            if prefixes:
                matcher = PrefixClaim(prefixes, matcher, "RouteDispatcher(claims=...)")
            if matcher is not None:
                if name == self.default:
                    self._default_matcher = matcher
                else:
                    self._register(name, app, matcher)
                if joined:
                    operator.on_close(lambda: self._unregister(name))
            return result

        return invite

    def _register(self, name: str, app: WSGIApplication, matcher: Matcher) -> None:
        order = list(self.members)
        entries = [e for e in self._matchers if e[0] != name]
        entries.append((name, app, matcher))
        entries.sort(key=lambda e: order.index(e[0]))
        self._matchers = entries

    def _unregister(self, name: str) -> None:
        self._matchers = [e for e in self._matchers if e[0] != name]
        if name == self.default:
            self._default_matcher = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Send the request to the member that claims it."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        fallback: WSGIApplication | None = None
        for name, app, matcher in self._matchers:
            try:
                claim = matcher(method, path)
            except HighAndDry:
                continue
            except Exception as exc:  # noqa: BLE001 - a broken member must not take the site down
                self._match_failed(name, method, path, exc)
                continue
            if claim is None:
                continue
            if claim[1]:
                return app(environ, start_response)
            if fallback is None:
                fallback = app
        if fallback is not None and not self._default_routes(method, path):
            return fallback(environ, start_response)
        default = self._default_app
        if default is not None:
            return default(environ, start_response)
        return _not_found(start_response)

    def _default_routes(self, method: str, path: str) -> bool:
        matcher = self._default_matcher
        if matcher is None:
            return False
        try:
            claim = matcher(method, path)
        except Exception:  # noqa: BLE001 - no route (HighAndDry) or a failure
            return False
        return claim is not None and claim[1]

    def explain(self, party: WSGIParty) -> list[RouteExplanation]:
        """Say which member serves each route of each member, and which shadow it.

        ``party`` is the :class:`~wsgi_party.WSGIParty` the dispatcher's
        members joined (it is bootstrapped if it is lazy). Returns one
        :class:`~wsgi_party.RouteExplanation` per route of each member that
        joined, members in the order requests try them (``default`` last).

        Each route comes from its member's ``routes`` service. Its *probe*
        is a path built by the member's own ``url`` service, the
        framework's URL builder, with sample values (``"x"``, ``"1"``,
        ``"2024"``, a UUID, ...) for the placeholder names in the rule, and
        kept only when the member's own ``match`` routes it back to the same
        endpoint for the route's methods. Every member tried before it is
        then asked about the probe exactly as a request would ask it: those
        that claim it are listed in ``shadowed_by``, and ``served_by`` names
        the first that claims it for the route's main method (else the
        member itself). A route no probe can be built for says so in
        ``note``; nothing is guessed from the rule's text.

        A probe proves shadowing for that one path: ``/tag/<slug>`` probed
        as ``/tag/x`` is not shadowed by an earlier ``/tag/<int:id>``,
        although ``/tag/1`` is.

        .. versionadded:: 0.3
        """
        return explain(self, party)

    def claims_of(self, name: str) -> list[ClaimedPrefix]:
        """The prefixes member ``name`` serves outside its router, explained.

        Those given in ``claims`` and those the member claims itself, once
        the party invited it: one :class:`~wsgi_party.ClaimedPrefix` each,
        with the earlier members whose ``match`` takes a path below it
        (``prefix/x``, probed as a GET) first, as :meth:`explain` shows them
        for routes.

        .. versionadded:: 0.3
        """
        return explain_claims(self, name)

    def _member_matchers(self) -> dict[str, Matcher]:
        """The matcher of every member that joined with a ``match`` service."""
        matchers = {name: matcher for name, _app, matcher in self._matchers}
        if self.default is not None and self._default_matcher is not None:
            matchers[self.default] = self._default_matcher
        return matchers

    def _match_failed(self, name: str, method: str, path: str, exc: Exception) -> None:
        self.match_errors += 1
        log.error(
            "member %r failed to match %s %s (%s: %s); passing the request on",
            name,
            method,
            path,
            type(exc).__name__,
            exc,
        )


def _via_handler(handler: t.Callable[[object], t.Any]) -> Matcher:
    def matcher(method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        answer = handler((method, path))
        return answer.endpoint, answer.allowed, answer.methods

    return matcher


def _not_found(start_response: StartResponse) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"404 Not Found\n"]
