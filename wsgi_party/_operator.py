"""The operator: one member's handle on the partyline.

Each invitation carries a fresh :class:`PartylineOperator` in
``environ["partyline"]``. The invited app keeps it, connects its handlers
through it and asks the others through it::

    def invite_view(environ, start_response):
        operator = environ["partyline"]
        if operator.join(my_app, name="shop"):
            operator.connect("ping", lambda payload: "pong")
        start_response("200 OK", [])
        return [b""]

    # later, in a view of my_app
    operator.ask_around("ping", None)   # every other member answers

Asking through an operator never reaches the handlers connected through it:
an app does not answer itself.
"""

from __future__ import annotations

import functools
import typing as t
import weakref
from dataclasses import dataclass

from ._exceptions import InvalidServiceName, InvitationError, NotConnected, PartyClosed
from ._owners import check_owners

if t.TYPE_CHECKING:
    from ._party import WSGIParty

__all__ = ["Connection", "Handler", "PartylineOperator"]

#: A handler takes the ask's payload and returns an answer, or raises
#: :class:`~wsgi_party.HighAndDry` to be skipped.
Handler = t.Callable[[t.Any], t.Any]


@dataclass(frozen=True, slots=True)
class Connection:
    """One handler connected to one service, and the member it belongs to.

    The party keeps these per service, in join order. ``operator`` is the
    member's operator, or ``None`` for a handler connected on the party
    directly (which every asker reaches). An asker skips the connections of
    its own operator: two members that connect the same function each
    answer the other.
    """

    operator: PartylineOperator | None
    service: str
    handler: Handler


# Which live operator each application object joined through, so the same
# app cannot join a second live party (its handlers would answer twice).
# Keyed by id() of the app, holding nothing strongly: the operator holds its
# app (so the id stays the app's while the entry can be alive), and the entry
# is a weak reference to the operator that removes itself when the operator
# dies. A party dropped without close() is thus freed with its apps: the
# app usually holds the party (through its operator), so a strong reference
# here would keep both alive for the life of the process.
_joined: dict[int, weakref.ref[PartylineOperator]] = {}


class PartylineOperator:
    """A member's connection to the party, handed out with each invitation.

    ``partyline`` is the :class:`~wsgi_party.WSGIParty` (anything with
    ``connect`` and ``ask_around`` works, as in 0.1). ``handlers`` is the set
    of every handler connected through this operator; those are skipped when
    this operator asks.
    """

    def __init__(self, partyline: WSGIParty) -> None:
        #: The party this operator connects to.
        self.partyline = partyline
        #: Every handler connected through this operator (0.1 API).
        self.handlers: set[Handler] = set()
        #: This operator's own handlers by service name, in connect order.
        self.services: dict[str, list[Handler]] = {}
        #: The member name: chosen by the app through :meth:`join`, else
        #: derived from the mount when the invitation completes.
        self.name: str | None = None
        #: Where the app is mounted inside the party ("" for the root).
        self.script_name: str = ""
        #: The invite path this operator was sent to.
        self.invite_path: str | None = None
        #: Why the app declined the invitation, if it did.
        self.declined: str | None = None
        #: Owners of shared services named by the app's own configuration
        #: (see :meth:`declare_owners`).
        self.declared_owners: dict[str, str] = {}
        #: Where :attr:`declared_owners` were configured (a setting's name).
        self.owners_source = "owners"
        self.closed = False
        self._app: object = None
        self._app_key: int | None = None
        self._on_close: list[t.Callable[[], object]] = []

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<PartylineOperator {self.name!r} at {self.script_name or '/'!r}{state}>"

    # -- joining -----------------------------------------------------------

    def join(self, app: object, *, name: str | None = None) -> bool:
        """Claim membership for ``app``; returns ``False`` if it declined.

        An app that is already a member of another live party declines (the
        reason is recorded on the invitation and reported by the party), so
        it never answers twice. Joining the same party twice is an
        :class:`~wsgi_party.InvitationError`. ``name`` is the member name the
        app chooses; without one it is derived from the mount.
        """
        self._check_open()
        key = id(app)
        ref = _joined.get(key)
        if ref is not None:
            other = ref()
            if other is not None and other._app is app and not other.closed:
                if other.partyline is self.partyline:
                    raise InvitationError(
                        f"{_describe(app)} was invited at {self.invite_path!r} but"
                        f" already joined this party as member {other.name!r}"
                        f" (invited at {other.invite_path!r}); mount each app once (an app"
                        " that serves a prefix and also takes over routes of a"
                        " RouteDispatcher is one RouteDispatcher member whose own routes"
                        " carry the prefix: see 'One app, a prefix and taken-over routes'"
                        " in the docs)"
                    )
                self.decline(
                    f"{_describe(app)} is already member {other.name!r} of another"
                    f" live party (invited at {other.invite_path!r}); close() that"
                    " party before inviting the app to a new one"
                )
                return False
        _joined[key] = weakref.ref(self, functools.partial(_forget_joined, key))
        self._app = app
        self._app_key = key
        if name is not None:
            if not isinstance(name, str) or not name or ":" in name:
                raise InvitationError(
                    f"member name {name!r} (invited at {self.invite_path!r}) must be"
                    " a non-empty string without ':'"
                )
            self.name = name
        return True

    def decline(self, reason: str) -> None:
        """Decline the invitation; ``reason`` is reported by the party."""
        self.declined = reason

    def declare_owners(self, owners: t.Mapping[str, str], *, source: str = "owners") -> None:
        """Name the owners the app's own configuration expects, by service.

        ``source`` says where they were configured (``"setting
        WSGI_PARTY_OWNERS"``), for error messages. At bootstrap the party
        adopts each one its own ``owners`` does not name; one that
        contradicts it, or another member's, is a
        :class:`~wsgi_party.ConfigurationError` naming both.

        .. versionadded:: 0.3
        """
        self._check_open()
        self.declared_owners = check_owners(owners, source)
        self.owners_source = source

    def on_close(self, callback: t.Callable[[], object]) -> None:
        """Call ``callback`` when the party closes (integrations drop state)."""
        self._on_close.append(callback)

    # -- handlers ----------------------------------------------------------

    def connect(self, service_name: str, handler: Handler) -> t.Any:
        """Connect ``handler`` to ``service_name`` on the partyline."""
        if not isinstance(service_name, str) or not service_name:
            raise InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
                f" (member {self.name!r})"
            )
        self._check_open()
        self.handlers.add(handler)
        self.services.setdefault(service_name, []).append(handler)
        party = self.partyline
        if _is_party(party):
            party._add(Connection(self, service_name, handler))
            return None
        return party.connect(service_name, handler)  # a 0.1-style partyline

    def disconnect(self, service_name: str, handler: Handler) -> None:
        """Disconnect a handler connected through this operator."""
        own = self.services.get(service_name, [])
        if handler not in own:
            raise NotConnected(
                f"handler {handler!r} is not connected to service {service_name!r}"
                f" through member {self.name!r}"
            )
        own.remove(handler)
        if not own:
            del self.services[service_name]
        if not any(handler in hs for hs in self.services.values()):
            self.handlers.discard(handler)
        party = self.partyline
        if _is_party(party):
            party._remove(Connection(self, service_name, handler))
        else:
            party.disconnect(service_name, handler)

    # -- asking ------------------------------------------------------------

    def ask_around(self, service_name: str, payload: t.Any) -> list[t.Any]:
        """Ask every other member's handlers; return their answers in join order."""
        return self.partyline.ask_around(service_name, payload, self)

    def ask_first(self, service_name: str, payload: t.Any) -> t.Any:
        """Ask the other members in join order; return the first answer."""
        return self.partyline.ask_first(service_name, payload, self)

    def ask(self, member: str, service_name: str, payload: t.Any) -> t.Any:
        """Ask the one member named ``member`` (see :meth:`WSGIParty.ask`)."""
        return self.partyline.ask(member, service_name, payload)

    def url_for(self, endpoint: str, **values: t.Any) -> str:
        """Build a URL to another member's endpoint, with Flask's conventions.

        ``_external``, ``_anchor``, ``_method`` and ``_scheme`` work as in
        Flask's ``url_for``; ``"member:endpoint"`` targets one member.
        """
        return self.partyline._url_for(endpoint, values, self)

    # -- lifecycle ---------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise PartyClosed(f"the operator of member {self.name!r} is closed")

    def _release(self) -> None:
        """Drop every handler and the app's membership (called by the party)."""
        if self.closed:
            return
        self.closed = True
        party = self.partyline
        for service_name, own in list(self.services.items()):
            for handler in own:
                if _is_party(party):
                    party._remove(Connection(self, service_name, handler), strict=False)
        self.services.clear()
        self.handlers.clear()
        if self._app_key is not None:
            ref = _joined.get(self._app_key)
            if ref is not None and ref() is self:
                del _joined[self._app_key]
            self._app = self._app_key = None
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback()


def _is_party(partyline: object) -> bool:
    """Whether ``partyline`` is a :class:`WSGIParty` (else a 0.1-style object)."""
    from ._party import WSGIParty  # imported here: the party imports this module

    return isinstance(partyline, WSGIParty)


def _forget_joined(key: int, ref: weakref.ref[PartylineOperator]) -> None:
    """Drop the entry of an operator that was freed without being released."""
    # Only if the entry is still this reference: the app may have joined
    # again, through a new operator, since (the old entry then was replaced).
    if _joined.get(key) is ref:
        del _joined[key]


def _describe(app: object) -> str:
    name = (
        getattr(app, "name", None)
        or getattr(app, "import_name", None)
        or getattr(app, "package_name", None)
    )
    kind = type(app).__name__
    return f"{kind} {name!r}" if isinstance(name, str) else f"{kind} at {id(app):#x}"
