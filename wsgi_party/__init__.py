"""wsgi_party: a partyline between the WSGI applications of one process.

Mount your apps in a dispatcher, wrap it, and every app that joins can ask
the others, above all to build links across applications and frameworks::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from wsgi_party import WSGIParty

    application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}))
    application.url_for("blog:post", id=3)      # '/blog/post/3'

Each app joins through its invite route (``/__invite__/``), which the
framework integrations provide (:mod:`wsgi_party.flask`,
:mod:`wsgi_party.pyramid`, :mod:`wsgi_party.django`,
:mod:`wsgi_party.starlette` for Starlette and FastAPI) and
:class:`PartyMember` provides for any WSGI app. Inside a member's request,
:data:`partyline` is that member's operator::

    from wsgi_party import partyline
    partyline.ask_around("ping", None)
"""

from __future__ import annotations

from ._context import (
    RequestScope,
    bind_request,
    current_scope,
    partyline,
    request_scope,
    unbind_request,
)
from ._dispatcher import RouteDispatcher
from ._exceptions import (
    CannotBuild,
    ConfigurationError,
    HighAndDry,
    InvalidServiceName,
    InvitationError,
    MemberUnavailable,
    NoAnswer,
    NoPartylineContext,
    NoSuchMember,
    NoSuchServiceName,
    NotConnected,
    PartyClosed,
    PartylineException,
    RecursiveAsk,
    UntrustedHost,
    UrlBuildError,
    UrlOptionError,
)
from ._explain import ClaimedPrefix, RouteExplanation, RouteShadow
from ._hosts import request_host
from ._identity import Identity
from ._invitations import INVITE_PATH, Invitation, discover
from ._member import PartyMember
from ._moved import Alias
from ._operator import Handler, PartylineOperator
from ._party import Declined, Member, PartyState, WSGIParty
from ._routing import connect_map_services, map_matcher
from ._services import Match, MatchHandler, MatchRequest, Pong, Route, standard_handlers
from ._url import PathBuilder, UrlHandler, UrlRequest, encode_query, url_handler

__version__ = "0.3.0.dev0"

__all__ = [
    "INVITE_PATH",
    "Alias",
    "CannotBuild",
    "ClaimedPrefix",
    "ConfigurationError",
    "Declined",
    "Handler",
    "HighAndDry",
    "Identity",
    "InvalidServiceName",
    "Invitation",
    "InvitationError",
    "Match",
    "MatchHandler",
    "MatchRequest",
    "Member",
    "MemberUnavailable",
    "NoAnswer",
    "NoPartylineContext",
    "NoSuchMember",
    "NoSuchServiceName",
    "NotConnected",
    "PartyClosed",
    "PartyMember",
    "PartyState",
    "PartylineException",
    "PartylineOperator",
    "PathBuilder",
    "Pong",
    "RecursiveAsk",
    "RequestScope",
    "Route",
    "RouteDispatcher",
    "RouteExplanation",
    "RouteShadow",
    "UntrustedHost",
    "UrlBuildError",
    "UrlHandler",
    "UrlOptionError",
    "UrlRequest",
    "WSGIParty",
    "bind_request",
    "connect_map_services",
    "current_scope",
    "discover",
    "encode_query",
    "map_matcher",
    "partyline",
    "request_host",
    "request_scope",
    "standard_handlers",
    "unbind_request",
    "url_handler",
]
