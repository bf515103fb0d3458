"""Pyramid integration: ``config.include("wsgi_party.pyramid")``.

Include it, mount the app in a party, and it joins when invited::

    config = Configurator(settings={
        "wsgi_party.name": "admin",
        "wsgi_party.fragments": "header = myapp:templates/header.pt",
    })
    config.include("wsgi_party.pyramid")
    config.set_security_policy(MySecurityPolicy())     # answers ``identity``
    admin = config.make_wsgi_app()

    application = WSGIParty(DispatcherMiddleware(shop, {"/admin": admin}))

Views and templates then link, log in and dress up across the party::

    request.party_url("blog:post", id=3)   # a local route first, then the party
    request.party_identity                 # Identity or None (reified)
    request.party_fragment("header")       # Markup from the layout owner
    request.partyline                      # the operator (None outside a party)

Templates get ``party_url``, ``party_fragment``, ``party_identity()`` and
``partyline`` as renderer globals, and :data:`wsgi_party.partyline` is bound
during every request of the app (a tween).

Settings:

``wsgi_party.name``
    The member name (default: derived from the mount, ``/admin`` -> ``admin``).
``wsgi_party.fragments``
    Layout fragments this app renders for the party: a dict, or lines of
    ``name = renderer`` (asset specs, e.g. ``myapp:templates/header.pt``).
``wsgi_party.identity``
    Dotted name of a callable ``(request) -> Identity | None``. Without it,
    an app with a security policy answers ``identity`` from
    ``request.authenticated_userid`` and ``request.identity``.
``wsgi_party.owners``
    The owners this app expects the site to have: a dict, or lines of
    ``service = member`` (``identity = accounts``). The party adopts those
    its own ``owners`` leave out; a contradiction fails at bootstrap.
``wsgi_party.fragment_fallback``
    The HTML of other members' fragments while the app is in no party (its
    own server or tests): one string, or a dict by fragment name. Default
    ``""``.
``wsgi_party.login_route``
    In the app that owns login: the route of its login page, which it
    answers ``login`` with (``next=`` the page to come back to).

An app that does not own login requires it from the owner with
:class:`PartySecurityPolicy` and :func:`party_forbidden_view`;
``request.party_login_url()`` is the owner's login page.

The app answers ``url`` from its routes (route names are endpoints), exactly
as ``request.route_path`` builds them, pregenerators included; values the
pattern does not use become the query string, as in every other framework of
the party. It also answers ``ping``, ``routes`` and ``match``.
"""

# One module per concern: _member (joining: PyramidMember, the invite view,
# the tween), _urls (URLs and matching, request.party_url), _look (identity
# and layout fragments, for this app's requests and for the other members'),
# _settings (the wsgi_party.* settings) and _compat (the Pyramid names it
# uses that Pyramid does not document).

from __future__ import annotations

import typing as t

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import pyramid  # type: ignore[import-untyped]  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.pyramid needs Pyramid: pip install "wsgi_party[pyramid]"'
    raise ModuleNotFoundError(msg, name=error.name) from error
from pyramid.events import BeforeRender  # type: ignore[import-untyped]
from pyramid.security import NO_PERMISSION_REQUIRED  # type: ignore[import-untyped]
from pyramid.tweens import EXCVIEW  # type: ignore[import-untyped]

from wsgi_party import INVITE_PATH, UntrustedHost

from . import _settings
from ._member import (
    IPartyMember,
    PyramidMember,
    invite_view,
    party_member,
    partyline_tween_factory,
)
from ._security import PartySecurityPolicy, party_forbidden_view, party_login_url
from ._settings import PyramidConfigurationError, read_settings
from ._urls import NoSuchRoute, PartyUrlArgumentError, untrusted_host_view

if t.TYPE_CHECKING:
    from wsgi_party import Identity, PartylineOperator

__all__ = [
    "ALIASES_SETTING",
    "FALLBACK_SETTING",
    "FRAGMENTS_SETTING",
    "IDENTITY_SETTING",
    "INVITE_ROUTE",
    "LOGIN_ROUTE_SETTING",
    "NAME_SETTING",
    "OWNERS_SETTING",
    "IPartyMember",
    "NoSuchRoute",
    "PartySecurityPolicy",
    "PartyUrlArgumentError",
    "PyramidConfigurationError",
    "PyramidMember",
    "add_renderer_globals",
    "includeme",
    "invite_view",
    "party_member",
    "party_forbidden_view",
    "party_login_url",
    "partyline_tween_factory",
    "untrusted_host_view",
]

#: Setting: the member name (default: derived from the mount).
NAME_SETTING = _settings.NAME_SETTING
#: Setting: layout fragments this app renders, ``name -> renderer``.
FRAGMENTS_SETTING = _settings.FRAGMENTS_SETTING
#: Setting: dotted name of a ``(request) -> Identity | None`` callable.
IDENTITY_SETTING = _settings.IDENTITY_SETTING
#: Setting: the owners this app expects the site to have, ``service -> member``.
OWNERS_SETTING = _settings.OWNERS_SETTING
#: Setting: the HTML of other members' fragments while the app is in no party.
FALLBACK_SETTING = _settings.FALLBACK_SETTING
#: Setting: the route of the login page, in the app that owns login.
LOGIN_ROUTE_SETTING = _settings.LOGIN_ROUTE_SETTING
#: Setting: legacy endpoint names this app answers for, ``legacy name -> route name``.
ALIASES_SETTING = _settings.ALIASES_SETTING
#: Name of the invite route (pattern :data:`wsgi_party.INVITE_PATH`).
INVITE_ROUTE = _settings.INVITE_ROUTE

# Pyramid names a tween by the dotted name it was added under: keep this one.
_TWEEN = f"{__name__}.partyline_tween_factory"


def includeme(config: t.Any) -> None:
    """Make the app a party member (``config.include("wsgi_party.pyramid")``).

    Registers a :class:`PyramidMember` from the settings, the invite route,
    the tween binding :data:`wsgi_party.partyline`, the request methods,
    the renderer globals and :func:`untrusted_host_view` (a 400 for
    :class:`~wsgi_party.UntrustedHost`). Including it twice is harmless.
    """
    registry = config.registry
    if registry.queryUtility(IPartyMember) is not None:
        return
    settings = read_settings(config)
    member = PyramidMember(
        registry,
        name=settings.name,
        fragments=settings.fragments,
        identity=settings.identity,
        package=config.root_package,
        owners=settings.owners,
        fragment_fallback=settings.fragment_fallback,
        login_route=settings.login_route,
        aliases=settings.aliases,
    )
    registry.registerUtility(member, IPartyMember)
    config.add_route(INVITE_ROUTE, INVITE_PATH)
    config.add_view(
        invite_view,
        route_name=INVITE_ROUTE,
        permission=NO_PERMISSION_REQUIRED,
        require_csrf=False,
    )
    config.add_tween(_TWEEN, over=EXCVIEW)
    config.add_exception_view(untrusted_host_view, context=UntrustedHost)
    config.add_subscriber(add_renderer_globals, BeforeRender)
    _add_request_methods(config, member)


def _add_request_methods(config: t.Any, member: PyramidMember) -> None:
    def partyline(request: t.Any) -> PartylineOperator | None:
        """The operator of the party this app is in, or None."""
        return member.operator

    def party_url(request: t.Any, endpoint: str, **kw: t.Any) -> str:
        """URL of ``endpoint``: this app's route of that name, else the party's."""
        return member.url_for(request, endpoint, kw)

    def party_identity(request: t.Any) -> Identity | None:
        """Who is logged in, as the member owning login says (None: anonymous)."""
        return member.identity_of(request)

    def party_fragment(request: t.Any, name: str) -> str:
        """The layout fragment ``name`` for this request, marked safe."""
        return member.fragment(request, name)

    config.add_request_method(partyline, "partyline", reify=True)
    config.add_request_method(party_url, "party_url")
    config.add_request_method(party_identity, "party_identity", reify=True)
    config.add_request_method(party_fragment, "party_fragment")
    config.add_request_method(party_login_url, "party_login_url")


def add_renderer_globals(event: t.Any) -> None:
    """BeforeRender subscriber: ``party_url``, ``party_fragment``,
    ``party_identity()`` and ``partyline`` in every template rendered with a
    request (values the view passes win)."""
    request = event.get("request")
    if request is None or not hasattr(request, "party_url"):
        return
    event.setdefault("party_url", request.party_url)
    event.setdefault("party_fragment", request.party_fragment)
    event.setdefault("party_identity", lambda: request.party_identity)
    event.setdefault("partyline", request.partyline)
