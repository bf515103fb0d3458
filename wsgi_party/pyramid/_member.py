"""Joining: one :class:`PyramidMember` per app registry, the invite view and the tween.

``config.include("wsgi_party.pyramid")`` registers the member; the party's
invitation reaches :func:`invite_view`, which hands the operator to
:meth:`PyramidMember.accept` (a :class:`~wsgi_party.integration.Membership`:
join, connect, forget on close); :func:`partyline_tween_factory` binds
:data:`wsgi_party.partyline` during the app's requests::

    member = party_member(request.registry)    # or registry.getUtility(IPartyMember)
    member.operator                            # the party's operator, or None
    member.build_path("order", {"id": 3}, None)   # "/orders/3"
"""

from __future__ import annotations

import functools
import typing as t

from pyramid.httpexceptions import HTTPNotFound  # type: ignore[import-untyped]
from pyramid.interfaces import (  # type: ignore[import-untyped]
    IRequestFactory,
    IRoutesMapper,
    ISecurityPolicy,
)
from pyramid.request import Request  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]
from zope.interface import Interface  # type: ignore[import-untyped]

from wsgi_party.integration import (
    Membership,
    bind_request,
    invited_operator,
    unbind_request,
    url_handler,
)

from . import _look, _urls
from ._compat import tween_names
from ._security import PartySecurityPolicy
from ._settings import OWNERS_SETTING, PyramidConfigurationError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from wsgi_party import Identity, PartylineOperator

__all__ = [
    "IPartyMember",
    "PyramidMember",
    "invite_view",
    "party_member",
    "partyline_tween_factory",
]


#: Path prefixes known tweens serve themselves, by the tween's dotted name.
TWEEN_PREFIXES = {
    "pyramid_debugtoolbar.toolbar_tween_factory": "/_debug_toolbar",
}


class IPartyMember(Interface):  # type: ignore[misc]
    """The registry utility that is the app's :class:`PyramidMember`.

    ``config.include("wsgi_party.pyramid")`` registers one per registry
    (including twice is harmless: the second include sees it and stops), and
    everything the include adds (the invite view, the tween, the request
    methods) finds the member through it. Look it up with
    :func:`party_member`, which names the missing include, or with
    ``registry.queryUtility(IPartyMember)`` (``None`` when not included)::

        member = request.registry.queryUtility(IPartyMember)
        if member is not None and member.operator is not None:
            ...   # the app is in a live party

    Registering another object under it is not supported.
    """


class PyramidMember(Membership):
    """One Pyramid app's membership: its settings, its operator, its answers.

    :func:`includeme` registers one per registry (see :func:`party_member`);
    the invite view hands it the operator, and it answers ``url``,
    ``routes`` and ``match`` from the registry's routes, ``identity`` from
    the security policy (or the ``wsgi_party.identity`` setting) and
    ``layout`` with the app's renderers.

    .. versionchanged:: 0.3
       A :class:`~wsgi_party.integration.Membership`: :meth:`accept` returns
       the invite route's status and body (:func:`invite_view` makes the
       response), and :meth:`member_name` is a method, as on every member.
    """

    def __init__(
        self,
        registry: t.Any,
        *,
        name: str | None = None,
        fragments: Mapping[str, str] | None = None,
        identity: Callable[[t.Any], Identity | None] | None = None,
        package: t.Any = None,
        owners: Mapping[str, str] | None = None,
        fragment_fallback: str | Mapping[str, str] | None = None,
        login_route: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(registry, name)
        #: Legacy endpoint names this app answers for: name -> its route name.
        self.aliases = dict(aliases or {})
        #: The app's registry (the member's holder: one live party per registry).
        self.registry = registry
        #: Layout fragments this app renders: name -> renderer asset spec.
        self.fragments: dict[str, str] = dict(fragments or {})
        #: The ``wsgi_party.identity`` callable, if configured.
        self.identity_factory = identity
        #: Package relative renderer specs are resolved against.
        self.package = package
        #: The ``wsgi_party.owners`` setting: the owners the app expects.
        self.owners: dict[str, str] = dict(owners or {})
        #: The ``wsgi_party.fragment_fallback`` setting.
        self.fragment_fallback = fragment_fallback
        #: The route of the app's login page (``wsgi_party.login_route``), if any.
        self.login_route = login_route
        #: What building and matching need to know about each route.
        self.route_infos = _urls.RouteInfos(registry)
        #: The ``url`` handler while in a party (``request.party_url`` uses it
        #: for the app's own routes), else ``None``.
        self.handle_url: Callable[[object], str] | None = None

    def member_name(self) -> str | None:
        """The name the app joined under, else the configured one."""
        operator = self.operator
        return operator.name if operator is not None else self.name

    def expected_owners(self) -> tuple[Mapping[str, str], str]:
        """The ``wsgi_party.owners`` setting, declared to the party on joining."""
        return self.owners, f"setting {OWNERS_SETTING}"

    def describe(self) -> str:
        """The app in words, for messages: ``"Pyramid app 'myapp' (member 'admin')"``."""
        package = getattr(self.package, "__name__", None)
        app = f"Pyramid app {package!r}" if package else "Pyramid app"
        name = self.member_name()
        return f"{app} (member {name!r})" if name else app

    @property
    def mount(self) -> str:
        """Where the app is mounted inside the party ("" for the root)."""
        operator = self.operator
        return operator.script_name if operator is not None else ""

    @functools.cached_property
    def mapper(self) -> t.Any:
        """The registry's routes mapper."""
        return self.registry.getUtility(IRoutesMapper)

    @functools.cached_property
    def request_factory(self) -> t.Any:
        """The app's request factory (what its router uses)."""
        return self.registry.queryUtility(IRequestFactory, default=Request)

    @functools.cached_property
    def answering_chain(self) -> Callable[[t.Any], t.Any]:
        """The app's tweens around an answer for another member's request
        (``identity`` or ``layout``), built once."""
        return _look.answering_chain(self)

    @property
    def offers_identity(self) -> bool:
        """Whether this app answers ``identity``: the setting, or a security
        policy of its own (a :class:`PartySecurityPolicy` asks the party)."""
        if self.identity_factory is not None:
            return True
        policy = self.registry.queryUtility(ISecurityPolicy)
        return policy is not None and not isinstance(policy, PartySecurityPolicy)

    def offers(self, service_name: str) -> bool:
        """As :meth:`Membership.offers`; ``identity`` only with
        :attr:`offers_identity`, ``login`` only with it and a login route."""
        if service_name == "identity":
            return self.offers_identity
        if service_name == "login":
            return self.offers_identity and self.login_route is not None
        return super().offers(service_name)

    # -- joining ---------------------------------------------------------------

    def connect(self, operator: PartylineOperator) -> None:
        """Connect the member's services, and keep a ``url`` handler for
        ``request.party_url``."""
        super().connect(operator)
        self.handle_url = url_handler(operator, self.build_path, pure=self.builds_purely)

    def left(self, operator: PartylineOperator) -> None:
        """The party closed: forget its ``url`` handler."""
        self.handle_url = None

    # -- hooks: url, routes, match (see _urls) -----------------------------------

    def builds_purely(self, endpoint: str) -> bool:
        """Whether route ``endpoint`` builds from its values alone (no
        pregenerator), so the party may remember its links."""
        return _urls.builds_purely(self, endpoint)

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        """The path of route ``endpoint`` within the app, as ``route_path`` builds it.

        Pops the values the pattern uses (after the route's pregenerator);
        the rest stay in ``values`` for the query string. Raises
        :class:`~wsgi_party.HighAndDry` for an unknown route, a method the
        route does not serve, or missing values.
        """
        return _urls.build_path(self, endpoint, values, method)

    def list_routes(self) -> Iterator[tuple[str, str, Iterable[str]]]:
        """Every route as (name, pattern, methods), the invite route left out."""
        return _urls.list_routes(self)

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        """Which route the router would pick for ``method`` and ``path`` (no
        view is called)."""
        return _urls.match(self, method, path)

    def claimed_prefixes(self) -> Iterable[str]:
        """The prefixes the app's known tweens serve (pyramid_debugtoolbar's
        ``/_debug_toolbar``). Static views are routes: ``match`` has them."""
        tweens = tween_names(self.registry)
        return [prefix for name, prefix in TWEEN_PREFIXES.items() if name in tweens]

    # -- hooks: identity and layout (see _look) -----------------------------------

    def identity(self) -> Identity | None:
        """Who is logged in for the party's current request, as this app's
        security policy (or ``wsgi_party.identity`` callable) says."""
        return _look.in_current_request(
            self, "answers 'identity'", self.identity_for, service="identity"
        )

    def login_url(self, next_url: str | None) -> str:
        """The URL of the ``wsgi_party.login_route`` route, with ``next=next_url``."""
        assert self.login_route is not None  # login is offered only with the setting
        return self.url_of(self.login_route, {} if next_url is None else {"next": next_url})

    def render_fragment(self, name: str) -> str:
        """Layout fragment ``name`` rendered for the party's current request.

        The template gets ``fragment`` (its name) and, as usual, ``request``:
        this app's request for the asker's (same cookies, host and user;
        ``SCRIPT_NAME`` at this app's mount) and the renderer globals.
        """
        return _look.in_current_request(
            self,
            f"renders fragment {name!r}",
            functools.partial(_look.render_fragment, self, name),
            service="layout",
        )

    # -- the request methods -------------------------------------------------------

    def url_for(self, request: t.Any, endpoint: str, kw: dict[str, t.Any]) -> str:
        """``request.party_url``: this app's route first, then the party."""
        return _urls.party_url(self, request, endpoint, kw)

    def identity_for(self, request: t.Any) -> Identity | None:
        """The :class:`~wsgi_party.Identity` of ``request``'s user, or None."""
        return _look.identity_for(self, request)

    def identity_of(self, request: t.Any) -> Identity | None:
        """``request.party_identity``: this app's own answer, else the party's."""
        return _look.party_identity(self, request)

    def fragment(self, request: t.Any, name: str) -> str:
        """``request.party_fragment``: rendered at most once per request."""
        return _look.party_fragment(self, request, name)

    # -- 0.2 names of the handlers Membership connects -------------------------------

    def identity_handler(self, payload: object) -> Identity | None:
        """The ``identity`` handler (:meth:`identity`)."""
        return self._answer_identity(payload)

    def layout_handler(self, payload: object) -> str:
        """The ``layout`` handler (:meth:`render_fragment` of a declared fragment)."""
        return self._answer_layout(payload)


def party_member(registry: t.Any) -> PyramidMember:
    """The :class:`PyramidMember` of the app owning ``registry``."""
    member: PyramidMember | None = registry.queryUtility(IPartyMember)
    if member is None:
        raise PyramidConfigurationError(
            "wsgi_party.pyramid is not included in this app:"
            ' call config.include("wsgi_party.pyramid")'
        )
    return member


def invite_view(request: t.Any) -> t.Any:
    """The invite route's view: join when ``environ["partyline"]`` is an operator.

    Anything else (above all a request over HTTP) gets 404, as if the route
    did not exist.
    """
    operator = invited_operator(request.environ)
    if operator is None:
        raise HTTPNotFound()
    status, body = party_member(request.registry).accept(operator)
    return Response(body, status=status, content_type="text/plain")


def partyline_tween_factory(
    handler: Callable[[t.Any], t.Any], registry: t.Any
) -> Callable[[t.Any], t.Any]:
    """Tween binding :data:`wsgi_party.partyline` during each request of the app."""
    member = party_member(registry)

    def partyline_tween(request: t.Any) -> t.Any:
        operator = member.operator
        if operator is None:
            return handler(request)
        token = bind_request(operator, request.environ)
        try:
            return handler(request)
        finally:
            unbind_request(token)

    return partyline_tween
