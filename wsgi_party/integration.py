"""The seam framework integrations build on.

Everything an integration needs to make an app a party member (join,
connect its services, bind the request scope, build and remember links)
and nothing else. The integrations shipped with wsgi_party (Flask, Pyramid,
Django, :class:`~wsgi_party.PartyMember`) use only these names, so one for
another framework can too::

    from wsgi_party.integration import (
        Membership, cannot_build, invited_operator, no_such_endpoint, request_scope,
    )

    class ShopMembership(Membership):
        def build_path(self, endpoint, values, method):
            route = shop.router.get(endpoint)
            if route is None:
                raise no_such_endpoint(self.name, endpoint)
            missing = route.needs - values.keys()
            if missing:
                raise cannot_build(self.name, endpoint, missing=sorted(missing))
            return route.path_for(values)

        def list_routes(self):
            return [(route.name, route.rule, route.methods) for route in shop.router]

    membership = ShopMembership(shop, name="shop")

    def application(environ, start_response):
        operator = invited_operator(environ)
        if operator is not None:                  # the party's invitation
            return membership.answer_invitation(operator, start_response)
        if membership.operator is None:           # not in a party (yet)
            return shop(environ, start_response)
        with request_scope(membership.operator, environ):
            return shop(environ, start_response)

Names that are not here are private to the core and may change in any
release.
"""

from __future__ import annotations

import functools
import io
import logging
import typing as t
from collections.abc import Mapping
from types import MappingProxyType

from ._context import (
    RequestScope,
    _get_scope,
    _reset_scope,
    _set_scope,
    bind_request,
    current_scope,
    request_scope,
    unbind_request,
)
from ._exceptions import (
    ConfigurationError,
    HighAndDry,
    NoAnswer,
    NoSuchServiceName,
    PartylineException,
)
from ._hosts import request_host
from ._identity import Identity
from ._invitations import INVITE_PATH
from ._links import LinkMemory, call_key
from ._moved import checked_aliases
from ._operator import PartylineOperator
from ._owners import check_owners
from ._routing import map_build_failed
from ._services import Matcher, PrefixClaim, no_route, standard_handlers
from ._url import (
    PathBuilder,
    UrlRequest,
    cannot_build,
    finish_url,
    no_such_endpoint,
    refusals_message,
    url_handler,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from contextvars import Token

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "INVITE_PATH",
    "LinkMemory",
    "Matcher",
    "Membership",
    "PathBuilder",
    "RequestScope",
    "UrlRequest",
    "bind_request",
    "build_link",
    "call_key",
    "cannot_build",
    "check_fallback",
    "check_owners",
    "checked_aliases",
    "current_scope",
    "enter_scope",
    "fallback_fragment",
    "finish_url",
    "invited_operator",
    "leave_scope",
    "link_memory",
    "map_build_failed",
    "member_environ",
    "no_route",
    "no_such_endpoint",
    "no_such_fragment",
    "not_in_party",
    "owner_of",
    "owner_login_url",
    "refusals_message",
    "request_host",
    "request_scope",
    "standard_handlers",
    "unbind_request",
    "url_handler",
]

#: The environ key of the operator in an invitation (``WSGIParty.partyline_key``).
PARTYLINE_KEY = "partyline"

_INVITE = INVITE_PATH.rstrip("/")

#: Where an app alone (in no party) says so, once.
log = logging.getLogger("wsgi_party")

#: Make ``scope`` the current request scope; returns a token for
#: :func:`leave_scope`. :func:`bind_request` for integrations that keep a
#: :class:`RequestScope` subclass of their own (a bound ContextVar method:
#: it runs on every request).
enter_scope: t.Callable[[RequestScope | None], Token[RequestScope | None]] = _set_scope
#: End the scope :func:`enter_scope` began.
leave_scope: t.Callable[[Token[RequestScope | None]], None] = _reset_scope


def invited_operator(environ: WSGIEnvironment) -> PartylineOperator | None:
    """The operator of the party's invitation in ``environ``, else ``None``.

    A request is an invitation only when its path is the invite path *and*
    ``environ["partyline"]`` is a :class:`~wsgi_party.PartylineOperator`;
    over HTTP neither can be forged (the party answers outside requests for
    invite paths itself).
    """
    operator = environ.get(PARTYLINE_KEY)
    if operator is None or not isinstance(operator, PartylineOperator):
        return None
    path: str = environ.get("PATH_INFO", "")
    return operator if path.rstrip("/") == _INVITE else None


def member_environ(
    environ: WSGIEnvironment, mount: str | None = None, *, party_root: str | None = None
) -> dict[str, t.Any]:
    """A copy of another member's request ``environ`` for this member to answer in.

    The copy has an empty body (the asker's input is never read) and no
    cached Werkzeug request. With ``mount`` (this member's mount inside the
    party), ``SCRIPT_NAME`` becomes the party's root (``party_root``, else
    the current scope's) plus ``mount``, and ``PATH_INFO`` the rest of the
    path below it, or ``/`` when the path is not below it.
    """
    copied = dict(environ)
    copied["wsgi.input"] = io.BytesIO()
    copied["CONTENT_LENGTH"] = "0"
    copied.setdefault("REQUEST_METHOD", "GET")
    copied.pop("werkzeug.request", None)
    if mount is not None:
        script_name: str = copied.get("SCRIPT_NAME", "")
        full = script_name + copied.get("PATH_INFO", "")
        if party_root is None:
            scope = _get_scope()
            party_root = scope.party_root if scope is not None else script_name
        own = party_root + mount
        copied["SCRIPT_NAME"] = own
        copied["PATH_INFO"] = full[len(own) :] if full.startswith(f"{own}/") else "/"
    return copied


def owner_of(operator: PartylineOperator | None, service_name: str) -> str | None:
    """The member that owns ``service_name`` in ``operator``'s party, else ``None``.

    ``None`` too when ``operator`` is ``None`` (the app is in no party).
    See :attr:`WSGIParty.owners <wsgi_party.WSGIParty.owners>`.
    """
    if operator is None:
        return None
    owners: Mapping[str, str] | None = getattr(operator.partyline, "owners", None)
    return owners.get(service_name) if owners is not None else None


def not_in_party(app: str) -> str:
    """The end of an error message for an app in no party: ``app`` (its
    framework and name, ``"Flask app 'blog'"``) is not in a party, and how
    it would be."""
    return (
        f"{app} is not in a party, so no other member can be asked (it is"
        " running alone: its own server or tests; mount it under a WSGIParty,"
        " or use wsgi_party.testing's stand-ins in its tests)"
    )


def check_fallback(value: object, source: str) -> str | Mapping[str, str] | None:
    """A configured fragment fallback, checked: ``None``, one HTML string,
    or a mapping of fragment name to HTML (see :func:`fallback_fragment`).

    ``source`` names where it was given (a setting) in the
    :class:`~wsgi_party.ConfigurationError` for anything else.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise ConfigurationError(
        f"{source} must be an HTML string, or a dict of fragment name to HTML, got {value!r}"
    )


def fallback_fragment(fallback: str | Mapping[str, str] | None, name: str) -> str:
    """Fragment ``name`` of an app alone: from ``fallback``, else empty.

    ``fallback`` is the app's configured fallback: one HTML string for every
    fragment, or a mapping by fragment name (a name it lacks is ``""``).
    """
    if fallback is None:
        return ""
    if isinstance(fallback, str):
        return fallback
    return str(fallback.get(name, ""))


def link_memory(operator: PartylineOperator) -> LinkMemory:
    """The memory of links of the party ``operator`` belongs to.

    An integration that answers its helper's links from memory looks them up
    here under keys of its own (see :func:`build_link`); the party forgets
    them with every other link.
    """
    return operator.partyline._links


def build_link(
    operator: PartylineOperator,
    endpoint: str,
    values: dict[str, t.Any],
    key: t.Hashable | None = None,
) -> str:
    """``operator.url_for(endpoint, **values)``, remembering the link under ``key``.

    ``values`` is not changed. With ``key`` (made by the integration from
    :func:`call_key` and whatever else its link depends on, and already
    looked up in :func:`link_memory`) the link is remembered under that key
    when it may be (see :ref:`url-memory`); without, under the party's own.
    """
    return operator.partyline._url_for(endpoint, values, operator, key)


class Membership:
    """One app's membership in the party that invites it: join, connect, leave.

    :meth:`accept` answers an invitation: it joins (declining when the app
    is already in another live party), connects the services the hooks
    answer and forgets the operator when the party closes. Subclass it and
    override the hooks the framework can answer:

    * :meth:`build_path` (with :meth:`builds_purely`): the ``url`` service;
    * :meth:`list_routes` and :meth:`match`: ``routes`` and ``match``, with
      :meth:`claimed_prefixes` for paths served outside the router;
    * :meth:`identity`: ``identity``;
    * :meth:`render_fragment` with :attr:`fragments`: ``layout``;
    * :meth:`login_url`: ``login``, the URL of the app's login page;
    * :meth:`declared_aliases` (by default :attr:`aliases`): ``aliases``,
      the legacy endpoint names the member answers for (see
      :ref:`moved-names`);
    * :meth:`given_services`: handlers that replace the standard ones, or
      offer services of the app's own.

    A hook that is overridden is offered; :meth:`offers` decides otherwise
    where it depends on configuration. Every member answers ``ping``.

    ``holder`` is the object that holds the app's party state (a Flask app,
    a Pyramid registry, the wrapper itself): one live party per such object.
    ``name`` is the member name it asks for (``None``: derived from the
    mount).
    """

    #: Layout fragments this member renders for the others, by name.
    fragments: t.Collection[str] = ()
    # Whether identity_alone has warned since the app was last in a party.
    _warned_alone = False
    #: Legacy endpoint names this member answers for, to its own endpoints
    #: (``{"legacy:main.explore": "explore"}``).
    aliases: t.Mapping[str, str] = MappingProxyType({})

    def __init__(self, holder: object, name: str | None = None) -> None:
        #: The object that holds the app's party state.
        self.holder = holder
        #: The member name asked for.
        self.name = name
        #: The operator of the live party the app is in, else ``None``.
        self.operator: PartylineOperator | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.member_name()!r} operator={self.operator!r}>"

    def member_name(self) -> str | None:
        """The name to join under (override to read it from settings)."""
        return self.name

    def expected_owners(self) -> tuple[Mapping[str, str], str]:
        """Owners the app's own settings name, and the setting's name.

        Declared to the party on joining (see
        :meth:`~wsgi_party.PartylineOperator.declare_owners`); override to
        read them from the framework's settings. Default: none.
        """
        return {}, "owners"

    def answers_itself(self, service_name: str) -> bool:
        """Whether the app's helpers answer ``service_name`` from the app itself.

        True when the app offers it (see :meth:`offers`) and its party names
        no other member the owner of it; an app in no party answers what it
        offers. Otherwise the helpers ask the party, which asks the owner.
        """
        if not self.offers(service_name):
            return False
        owner = owner_of(self.operator, service_name)
        return owner is None or self.operator is None or owner == self.operator.name

    def identity_alone(self, app: str) -> None:
        """``party_identity`` of an app in no party that does not answer
        ``identity`` itself: ``None`` (anonymous), with a warning logged once
        per app (and once more each time a party it was in closes). ``app``
        names it (``"Flask app 'blog'"``)."""
        if not self._warned_alone:
            self._warned_alone = True
            log.warning(
                "party_identity() is None (anonymous) on every page: %s",
                not_in_party(app),
            )

    # -- joining ---------------------------------------------------------------

    def accept(self, operator: PartylineOperator) -> tuple[str, str]:
        """Answer an invitation; returns the invite route's status and body.

        ``"409 Conflict"`` with the reason when the app declined (it is a
        member of another live party), else ``"200 OK"``.
        """
        if not operator.join(self.holder, name=self.member_name()):
            return "409 Conflict", operator.declined or "declined"
        owners, setting = self.expected_owners()
        if owners:
            operator.declare_owners(owners, source=setting)
        self.connect(operator)
        self.operator = operator
        operator.on_close(functools.partial(self._closed, operator))
        return "200 OK", "joined\n"

    def answer_invitation(
        self, operator: PartylineOperator, start_response: StartResponse
    ) -> list[bytes]:
        """:meth:`accept` as a WSGI response, for a member that answers at the WSGI level."""
        status, body = self.accept(operator)
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [body.encode()]

    def connect(self, operator: PartylineOperator) -> None:
        """Connect every service the member answers (once per invitation)."""
        given = dict(self.given_services())
        for service_name, handler in given.items():
            operator.connect(service_name, handler)
        if "url" not in given and self.offers("url"):
            operator.connect("url", url_handler(operator, self.build_path, pure=self.builds_purely))
        matcher: Matcher | None = self.match if self.offers("match") else None
        prefixes = list(self.claimed_prefixes())
        if prefixes:
            name = operator.name or self.member_name()
            matcher = PrefixClaim(prefixes, matcher, f"member {name!r}")
        standard_handlers(
            operator,
            self.list_routes if self.offers("routes") else None,
            matcher,
            skip=given,
        )
        if "identity" not in given and self.offers("identity"):
            operator.connect("identity", self._answer_identity)
        if "layout" not in given and self.fragments and self.offers("layout"):
            operator.connect("layout", self._answer_layout)
        if "login" not in given and self.offers("login"):
            operator.connect("login", self._answer_login)
        aliases = self.declared_aliases()
        if "aliases" not in given and aliases:
            operator.connect("aliases", lambda payload: aliases)

    def offers(self, service_name: str) -> bool:
        """Whether the member answers a standard service: its hook is overridden."""
        hook = _HOOKS.get(service_name)
        if hook is None:
            return False
        return getattr(type(self), hook) is not getattr(Membership, hook)

    def _closed(self, operator: PartylineOperator) -> None:
        if self.operator is operator:
            self.operator = None
            self._warned_alone = False  # alone again: say so again, once
            self.left(operator)

    # -- hooks -----------------------------------------------------------------

    def given_services(self) -> t.Mapping[str, t.Callable[[t.Any], t.Any]]:
        """Handlers by service name, connected as they are (none by default).

        One named like a standard service (``url``, ``ping``, ``routes``,
        ``match``, ``identity``, ``layout``, ``login``) replaces the standard
        handler.
        """
        return {}

    def declared_aliases(self) -> t.Mapping[str, str]:
        """The legacy names the member answers for: :attr:`aliases` by default
        (override to read them from settings when invited)."""
        return self.aliases

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        """The path of ``endpoint`` within the app (a :class:`PathBuilder`)."""
        raise NotImplementedError

    def builds_purely(self, endpoint: str) -> bool:
        """Whether ``endpoint`` builds from its values alone, so its links may
        be remembered (see :ref:`url-memory`). Default: ``False``."""
        return False

    def list_routes(self) -> Iterable[tuple[str, str, Iterable[str]]]:
        """Each route as ``(endpoint, rule, methods)``, the rule relative to the mount."""
        raise NotImplementedError

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        """Claim ``method path`` without running a view (a :data:`Matcher`)."""
        raise NotImplementedError

    def claimed_prefixes(self) -> Iterable[str]:
        """Path prefixes (below the mount) the app serves outside its router.

        Static files served by a middleware, a debug toolbar's tween: its
        ``match`` claims every path under them, so a
        :class:`~wsgi_party.RouteDispatcher` sends those requests to it.
        Read when the member is invited. Default: none.
        """
        return ()

    def identity(self) -> Identity | None:
        """Who is logged in for the current request (:func:`current_scope`)."""
        raise NotImplementedError

    def render_fragment(self, name: str) -> str:
        """Layout fragment ``name`` (one of :attr:`fragments`) for the current request."""
        raise NotImplementedError

    def login_url(self, next_url: str | None) -> str:
        """The URL of the app's login page, with ``next=next_url`` when given.

        Answered by the member that owns login, for the current request: the
        URL holds the party's root and the member's mount (see
        :meth:`url_of`), so it is right under any prefix.

        .. versionadded:: 0.3
        """
        raise NotImplementedError

    def left(self, operator: PartylineOperator) -> None:
        """The party of ``operator`` closed: drop state kept for it."""

    # -- for the hooks ---------------------------------------------------------

    def url_of(self, endpoint: str, values: t.Mapping[str, t.Any]) -> str:
        """The URL of this member's own ``endpoint``, as the party's ``url`` answers it.

        The party's root for the current request and the member's mount come
        first; values the route does not use become the query string. Only
        while the member is in a party; an endpoint it cannot build is a
        :class:`~wsgi_party.PartylineException` naming it (a configuration
        error, where the ``url`` service would pass the ask on).

        .. versionadded:: 0.3
        """
        operator = self.operator
        if operator is None:
            raise PartylineException(
                f"member {self.member_name()!r} builds its URL for {endpoint!r} only"
                " while it is in a live party"
            )
        try:
            return url_handler(operator, self.build_path)(UrlRequest(endpoint, values))
        except HighAndDry as exc:
            # Its own endpoint, named in its configuration: not "no answer".
            raise PartylineException(
                f"member {operator.name!r} cannot build the URL of its own endpoint"
                f" {endpoint!r}: {exc}"
            ) from exc

    # -- the services the hooks answer ------------------------------------------

    def _answer_identity(self, payload: object) -> Identity | None:
        return self.identity()

    def _answer_layout(self, payload: object) -> str:
        if not isinstance(payload, str) or payload not in self.fragments:
            name = self.operator.name if self.operator is not None else self.member_name()
            raise no_such_fragment(name, payload, self.fragments)
        return self.render_fragment(payload)

    def _answer_login(self, payload: object) -> str:
        if payload is not None and not isinstance(payload, str):
            raise PartylineException(
                f"the 'login' payload for member {self.member_name()!r} must be the"
                f" next URL (a string) or None, got {type(payload).__name__}"
            )
        return self.login_url(payload)


#: The hook that answers each standard service.
_HOOKS = {
    "url": "build_path",
    "routes": "list_routes",
    "match": "match",
    "identity": "identity",
    "layout": "render_fragment",
    "login": "login_url",
}


def owner_login_url(operator: PartylineOperator, next_url: str | None) -> str:
    """The login page of the member that owns login, to come back to ``next_url``.

    Asks the party's ``login`` service from ``operator``'s member. When
    nobody answers, a :class:`~wsgi_party.NoAnswer` names the asking member
    and the settings that make an owner answer.

    .. versionadded:: 0.3
    """
    try:
        answer = operator.ask_first("login", next_url)
    except (NoAnswer, NoSuchServiceName) as exc:
        raise NoAnswer(
            f"member {operator.name!r} sends visitors to the login page of the member"
            " that owns login, but no member answers 'login' (give the owner"
            " FlaskParty(login_endpoint=...) or a Flask-Login login_view, the"
            " Pyramid setting wsgi_party.login_route, or Django's LOGIN_URL with"
            f" its auth installed): {exc}"
        ) from exc
    if not isinstance(answer, str):
        raise PartylineException(
            f"the 'login' answer to member {operator.name!r} must be a URL string,"
            f" got {type(answer).__name__}"
        )
    return answer


def no_such_fragment(member: str | None, name: object, fragments: Iterable[str]) -> HighAndDry:
    """The :class:`~wsgi_party.HighAndDry` a member raises for a fragment it lacks."""
    return HighAndDry(
        f"member {member!r} has no layout fragment {name!r}"
        f" (it has: {', '.join(map(repr, fragments)) or 'none'})"
    )
