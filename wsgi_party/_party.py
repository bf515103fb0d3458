"""The party: the WSGI middleware that opens a partyline between apps.

Wrap the dispatcher that mounts your apps; every app that joins can then ask
the others::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from wsgi_party import WSGIParty

    application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}))

    application.members                 # (Member('root', ...), Member('blog', ...))
    application.url_for("blog:post", id=3, _external=True)
    application.close()                 # in test suites, before the next party

:class:`WSGIParty` is the facade; each of its three paths lives in a module
of its own:

* **bootstrap** (:mod:`wsgi_party._bootstrap`): invitations, members, the
  process lifecycle;
* **asking** (:mod:`wsgi_party._asking`): connections and the asks;
* **links** (:mod:`wsgi_party._linking`): ``url_for``, ``build_url`` and the
  memory of links.
"""

from __future__ import annotations

import threading
import typing as t

from ._bootstrap import (
    _CLOSED,
    _PENDING,
    _READY,
    Declined,
    Member,
    PartyState,
    _Failure,
    _invitation,
    _live_parties,
)
from ._hosts import trusted_host_list
from ._invitations import INVITE_PATH, Invitation, InviteGuard, discover
from ._linking import Linking
from ._links import DEFAULT_MAX_BYTES, LinkMemory
from ._moved import checked_moved
from ._operator import Connection, Handler, PartylineOperator
from ._owners import check_owners

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Declined", "Member", "PartyState", "WSGIParty"]


class WSGIParty(Linking):
    """WSGI middleware that opens a partyline between the apps it wraps.

    ``application`` is the dispatcher that mounts the apps. ``invites`` are
    the paths to invite (``None`` discovers them, see
    :func:`~wsgi_party.discover`; ``()`` invites nobody).
    ``ignore_missing_services`` makes asking an unknown service answer ``[]``
    instead of raising :class:`~wsgi_party.NoSuchServiceName`. With
    ``lazy=True`` the invitations wait for the first request or ask, and go
    out exactly once however many threads arrive together; an app whose
    invitation then fails is left out (see :attr:`declined` and
    :meth:`reinvite`) while the others join. ``base_url``
    (``"https://example.com"``) locates URLs built outside any request.
    ``url_memory_bytes`` bounds the memory of finished links (all of them
    together, in bytes; ``0`` remembers none): see :ref:`url-memory`.

    External URLs built in a request take its host only when it is a valid
    host name; with ``trusted_hosts`` (Werkzeug's ``trusted_hosts``:
    ``"example.com"``, or ``".example.com"`` for it and every subdomain;
    the port is ignored) it must also be one of them. Otherwise
    :class:`~wsgi_party.UntrustedHost` is raised, which the integrations
    answer with 400 Bad Request.

    ``owners`` names the member that answers a shared service for the whole
    site, by service: ``{"identity": "accounts", "layout": "legacy"}``.
    ``ask_first`` of an owned service, and so every integration's
    ``party_identity`` and ``party_fragment``, asks that member alone,
    whichever member asks (the owner too); ``login`` follows ``identity``
    unless named. An owner that is not a member, or does not offer the
    service, is a :class:`~wsgi_party.ConfigurationError` at bootstrap. See
    :attr:`owners` and :ref:`owners`.

    ``moved`` maps legacy endpoint names (``"legacy:main.explore"``,
    ``"explore"``) to the ``"member:endpoint"`` that now has the route, so
    old links keep building once the legacy route is gone; members can
    declare such names themselves (see :ref:`moved-names` and
    :attr:`aliases`).

    .. versionchanged:: 0.2
       ``invites`` defaults to discovery; added ``lazy`` and ``base_url``.
    .. versionchanged:: 0.3
       Added ``url_memory_bytes``, ``trusted_hosts``, ``owners`` and
       ``moved``; an
       invalid request host is refused.
    """

    #: Key of the operator in the invitation's environ.
    partyline_key = "partyline"

    #: Where apps serve their invite route (early 0.1 code reads it here).
    invite_path = INVITE_PATH

    #: Class of the operator handed to each invited app.
    operator_class: type[PartylineOperator] = PartylineOperator

    def __init__(
        self,
        application: WSGIApplication,
        invites: Iterable[str | Invitation] | None = None,
        ignore_missing_services: bool = False,
        *,
        lazy: bool = False,
        base_url: str | None = None,
        url_memory_bytes: int = DEFAULT_MAX_BYTES,
        trusted_hosts: Iterable[str] | None = None,
        owners: Mapping[str, str] | None = None,
        moved: Mapping[str, str] | None = None,
    ) -> None:
        self.application = application
        self.ignore_missing_services = ignore_missing_services
        self.base_url = base_url
        #: Hosts external URLs may name in a request (``None``: any valid host).
        self.trusted_hosts = trusted_host_list(trusted_hosts)
        #: Handlers by service name, in join order (0.1 API).
        self.handlers: dict[str, list[Handler]] = {}
        self._connections: dict[str, tuple[list[Handler], tuple[Connection, ...]]] = {}
        self.invites: tuple[Invitation, ...] = tuple(
            discover(application) if invites is None else map(_invitation, invites)
        )
        self._operators: list[PartylineOperator] = []
        self._by_name: dict[str, PartylineOperator] = {}
        self._declined: list[Declined] = []
        #: Members left out of a lazy party, by the name they were invited as.
        self._failed: dict[str, _Failure] = {}
        self._lazy = lazy
        self._guard = InviteGuard()
        for invitation in self.invites:
            self._guard.add(invitation.path)
        self._guard_all = not self._guard.underscored
        self._lock = threading.RLock()
        self._state = _PENDING
        self._live: dict[str, list[Handler]] = {}
        self._in_flight: list[PartylineOperator] = []
        self._links = LinkMemory(url_memory_bytes)
        self._given_owners = check_owners(owners)
        self._owned: dict[str, str] = {}
        self._moved = checked_moved(moved)
        self._aliases = None
        _live_parties.add(self)
        if not lazy:
            self._bootstrap()

    def __repr__(self) -> str:
        names = ", ".join(self._by_name)
        return f"<WSGIParty {self._state.value} members=[{names}]>"

    # -- WSGI ----------------------------------------------------------------

    @property
    def application(self) -> WSGIApplication:
        """The wrapped application (the dispatcher that mounts the apps)."""
        return self._application

    @application.setter
    def application(self, application: WSGIApplication) -> None:
        self._application = application

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Pass the request to the application; 404 for invite paths."""
        try:
            path = environ["PATH_INFO"]
        except KeyError:
            path = ""
        # Most paths hold neither "_" nor "%" and skip the guard entirely.
        if ("_" in path or "%" in path or self._guard_all) and self._guard.refuses(path):
            return _not_found(environ, start_response)
        if self._state is not _READY and self._state is not _CLOSED:
            self._bootstrap()
        return self._application(environ, start_response)

    @property
    def state(self) -> PartyState:
        """Where the party is in its life (see :class:`PartyState`)."""
        return self._state

    # -- lifecycle -------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._state == _CLOSED

    def close(self) -> None:
        """Disconnect every handler and release every member.

        The same app objects can then join a new party (the test-suite
        pattern). Asking a closed party raises :class:`~wsgi_party.PartyClosed`;
        requests still pass through to the application. Closing twice is
        harmless.
        """
        with self._lock:
            if self._state == _CLOSED:
                return
            self._live = {}
            self._state = _CLOSED
            operators, self._operators = self._operators, []
            self._by_name = {}
        for operator in operators:
            operator._release()
        self.handlers.clear()
        self._connections.clear()
        self._links.clear()
        _live_parties.discard(self)

    def __enter__(self) -> WSGIParty:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    body = b"404 Not Found\n"
    start_response(
        "404 Not Found",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
