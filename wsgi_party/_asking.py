"""Asking: the handlers of each service, and the asks that call them.

:class:`Asking` is the part of :class:`~wsgi_party.WSGIParty` that keeps the
connections (one :class:`~wsgi_party._operator.Connection` record per
handler, by service, in join order) and asks them::

    party.ask_around("ping", None)          # every handler, in join order
    party.ask_first("identity", None)       # the first that does not pass
    party.ask("blog", "url", request)       # one member, whatever the party's size

The three asks are the hot path: each is one tight loop with nothing but
what the 0.1 loop did; everything rare (a party not bootstrapped yet, an
unknown service, a failing handler, runaway recursion) is handled to the
side.
"""

from __future__ import annotations

import typing as t

from ._bootstrap import _CLOSED, _READY, Bootstrap
from ._exceptions import (
    CannotBuild,
    HighAndDry,
    InvalidServiceName,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    NotConnected,
    PartyClosed,
    RecursiveAsk,
)
from ._operator import Connection, Handler, PartylineOperator

if t.TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Asking"]


class Asking(Bootstrap):
    """Connections and asks: the asking side of :class:`~wsgi_party.WSGIParty`."""

    #: Handlers by service name, in join order (0.1 API).
    handlers: dict[str, list[Handler]]
    ignore_missing_services: bool
    # The same as records that know their member, for the asks that skip
    # the asker's own handlers, each with the list of ``handlers`` it
    # describes (code written for 0.1 may replace that list). Both are
    # replaced, never changed in place, so an ask under way keeps what it
    # started with.
    _connections: dict[str, tuple[list[Handler], tuple[Connection, ...]]]
    # The asks' view of the handlers: ``handlers`` itself while ready, else
    # empty, so that one lookup both finds the handlers and notices a party
    # not ready yet (see _handlers_for).
    _live: dict[str, list[Handler]]

    def _opened(self) -> None:
        self._live = self.handlers

    def _handlers_changed(self) -> None:
        """A handler was connected or disconnected (a hook for the links)."""

    # -- handlers ------------------------------------------------------------

    def connect(self, service_name: str, handler: Handler) -> None:
        """Connect ``handler`` to ``service_name`` (0.1 API).

        Apps connect through their operator, which also remembers the handler
        as their own; connecting on the party directly makes an anonymous
        handler that every asker reaches.
        """
        self._add(Connection(None, service_name, handler))

    def disconnect(self, service_name: str, handler: Handler) -> None:
        """Disconnect ``handler``, connected on the party directly, from ``service_name``.

        Raises :class:`~wsgi_party.NotConnected` (a ``LookupError``) if it is
        not connected there. A member's handlers are disconnected through
        its operator.
        """
        self._remove(Connection(None, service_name, handler))

    def _add(self, connection: Connection) -> None:
        service_name = connection.service
        if self._state == _CLOSED:
            raise PartyClosed(f"cannot connect to service {service_name!r}: party closed")
        if not isinstance(service_name, str) or not service_name:
            raise InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        with self._lock:
            self._store(service_name, [*self._records(service_name), connection])
        self._handlers_changed()

    def _remove(self, connection: Connection, *, strict: bool = True) -> None:
        service_name = connection.service
        with self._lock:
            connections = list(self._records(service_name))
            if connection not in connections:
                if not strict:
                    return
                raise NotConnected(
                    f"handler {connection.handler!r} is not connected to service"
                    f" {service_name!r} on the party directly (a member's handler is"
                    " disconnected through its operator)"
                )
            connections.remove(connection)
            self._store(service_name, connections)
        self._handlers_changed()

    def _records(self, service_name: str) -> tuple[Connection, ...]:
        """The connections of ``service_name``, in join order.

        A ``handlers`` list that code written for 0.1 put there itself has no
        records of its own: its handlers count as connected to the party
        directly.
        """
        handlers = self.handlers.get(service_name)
        if handlers is None:
            return ()
        entry = self._connections.get(service_name)
        if entry is not None and entry[0] is handlers:
            return entry[1]
        return tuple(Connection(None, service_name, handler) for handler in handlers)

    def _store(self, service_name: str, connections: t.Sequence[Connection]) -> None:
        if connections:
            handlers = [c.handler for c in connections]
            self._connections[service_name] = (handlers, tuple(connections))
            self.handlers[service_name] = handlers
        else:
            self._connections.pop(service_name, None)
            self.handlers.pop(service_name, None)

    # -- asking (the hot path) -------------------------------------------------

    def ask_around(
        self,
        service_name: str,
        payload: t.Any,
        operator: PartylineOperator | None = None,
    ) -> list[t.Any]:
        """Ask every handler of ``service_name``; return the answers in join order.

        Handlers raising :class:`~wsgi_party.HighAndDry` are skipped, and so
        are handlers connected through ``operator`` (an app never answers
        itself). An unknown service raises
        :class:`~wsgi_party.NoSuchServiceName` unless the party ignores
        missing services. An exception from a handler reaches the caller with
        a note naming the member and the service.
        """
        # The hot path: no bookkeeping beyond what the 0.1 loop did. Rare
        # cases (lazy bootstrap, closed, unknown service, failing handler,
        # runaway recursion) are all handled off to the side.
        try:
            handlers = self._live[service_name]
        except (KeyError, TypeError):
            handlers = self._handlers_for(service_name)
        answers: list[t.Any] = []
        try:
            if operator is None or not operator.handlers:
                for handler in handlers:
                    try:
                        answers.append(handler(payload))
                    except HighAndDry:
                        continue
            else:
                for handler in self._answerers(service_name, handlers, operator):
                    try:
                        answers.append(handler(payload))
                    except HighAndDry:
                        continue
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        return answers

    def ask_first(
        self,
        service_name: str,
        payload: t.Any,
        operator: PartylineOperator | None = None,
    ) -> t.Any:
        """Ask handlers in join order and return the first answer.

        Stops at the first handler that does not raise
        :class:`~wsgi_party.HighAndDry`. When none answers, raises
        :class:`~wsgi_party.NoAnswer` naming the service and who was asked.

        A service the party names an owner for (see :attr:`owners`) is asked
        of that member alone, as :meth:`ask` does, whoever asks: the owner
        asking answers itself.

        .. versionchanged:: 0.3
           Owned services are asked of their owner alone.
        """
        try:
            handlers = self._live[service_name]
        except (KeyError, TypeError):
            handlers = self._owned_or_handlers(service_name)
        owned = self._owned
        if owned and service_name in owned:
            return self.ask(owned[service_name], service_name, payload)
        if operator is not None and operator.handlers:
            handlers = self._answerers(service_name, handlers, operator)
        return self._first(service_name, handlers, payload, None)

    def ask(self, member: str, service_name: str, payload: t.Any) -> t.Any:
        """Ask only the member named ``member``; return its first answer.

        The cost does not depend on the number of members. Raises
        :class:`~wsgi_party.NoSuchMember` for an unknown name and
        :class:`~wsgi_party.NoAnswer` if the member does not offer the
        service or all its handlers raise :class:`~wsgi_party.HighAndDry`.
        """
        if self._state is not _READY:
            self._not_ready()
        try:
            handlers = self._by_name[member].services[service_name]
        except (KeyError, TypeError):
            error = self._no_target(member, service_name)
            raise error from error.__cause__
        return self._first(service_name, handlers, payload, member)

    def _first(
        self,
        service_name: str,
        handlers: Iterable[Handler],
        payload: t.Any,
        member: str | None,
    ) -> t.Any:
        """The loop of :meth:`ask_first` and :meth:`ask`: the first answer.

        A handler raising :class:`~wsgi_party.HighAndDry` is passed over; when
        every one does, :class:`~wsgi_party.NoAnswer` names the service and
        who was asked, or for a targeted ask (``member``) carries the
        member's own reason, its last ``HighAndDry``, as its cause; its
        ``refusals`` are the :class:`~wsgi_party.CannotBuild` passes.
        (:meth:`ask_around` keeps a loop of its own: it is the hot path, and
        a call more would cost it about a tenth of its time.)
        """
        passed: HighAndDry | None = None
        refusals: tuple[CannotBuild, ...] = ()
        try:
            for handler in handlers:
                try:
                    return handler(payload)
                except HighAndDry as exc:
                    passed = exc
                    if isinstance(exc, CannotBuild):
                        refusals = (*refusals, exc)
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        if member is None:
            error = NoAnswer(f"nobody answered {service_name!r}: asked {self._asked(handlers)}")
            error.refusals = refusals
            raise error
        # The member's own reason (its HighAndDry) says why, and stays the cause.
        reason = f": {passed}" if passed is not None and str(passed) else ""
        error = NoAnswer(f"member {member!r} had no answer for {service_name!r}{reason}")
        error.refusals = refusals
        raise error from passed

    def _answerers(
        self,
        service_name: str,
        handlers: list[Handler],
        asker: PartylineOperator | None,
    ) -> list[Handler]:
        """``handlers`` of ``service_name`` but those connected by ``asker``.

        Skipping goes by owner, so two members that connect one function each
        answer the other. An asker that is not a :class:`PartylineOperator`
        (0.1 code) or a ``handlers`` list written by hand skips by handler.
        """
        if asker is None:
            return handlers
        entry = self._connections.get(service_name)
        if entry is not None and entry[0] is handlers and isinstance(asker, PartylineOperator):
            return [c.handler for c in entry[1] if c.operator is not asker]
        skip = asker.handlers
        return [handler for handler in handlers if handler not in skip]

    # -- the cold side of the asks ----------------------------------------------

    def _not_ready(self) -> None:
        if self._state == _CLOSED:
            raise PartyClosed("this party is closed; create a new WSGIParty")
        self._bootstrap()

    def _owned_or_handlers(self, service_name: object) -> list[Handler]:
        """:meth:`_handlers_for`, but no error for an owned service nobody
        connected (its owner's invitation failed): asking the owner says why."""
        if self._state is not _READY:
            self._not_ready()
        if isinstance(service_name, str) and service_name in self._owned:
            return self.handlers.get(service_name, [])
        return self._handlers_for(service_name)

    def _handlers_for(self, service_name: object) -> list[Handler]:
        """The asks' slow path: bootstrap if need be, then find the handlers."""
        if self._state is not _READY:
            self._not_ready()
        try:
            return self.handlers[service_name]  # type: ignore[index]
        except (KeyError, TypeError):
            return self._missing(service_name)

    def _missing(self, service_name: object) -> list[Handler]:
        if not isinstance(service_name, str) or not service_name:
            raise InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        if self.ignore_missing_services:
            return []
        offered = ", ".join(repr(s) for s in self.handlers) or "none"
        failed = "".join(
            f"; member {name!r} is not in the party, its invitation failed" for name in self._failed
        )
        raise NoSuchServiceName(
            f"no handler is connected for service {service_name!r} (services: {offered}){failed}"
        )

    def _no_target(
        self, member: object, service_name: str
    ) -> NoSuchMember | NoAnswer | InvalidServiceName | PartyClosed:
        if self._state == _CLOSED:  # closed while the ask was under way
            return PartyClosed(f"cannot ask member {member!r}: this party is closed")
        try:
            operator = self._by_name[member]  # type: ignore[index]
        except (KeyError, TypeError):
            if isinstance(member, str) and member in self._failed:
                return self._unavailable(member)
            return NoSuchMember(self._no_such_member(member))
        if not isinstance(service_name, str) or not service_name:
            return InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        offered = ", ".join(operator.services) or "none"
        return NoAnswer(
            f"member {member!r} offers no service {service_name!r} (it offers: {offered})"
        )

    def _too_deep(self, service_name: str) -> RecursiveAsk:
        return RecursiveAsk(
            f"asking {service_name!r} recursed without end: a handler keeps asking"
            " the partyline again from inside its own answer (a loop between handlers?)"
        )

    def _owner(self, handler: Handler) -> str:
        owners = [
            f"member {c.operator.name!r}"
            if c.operator is not None
            else "a handler connected to the party directly"
            for service_name in self.handlers
            for c in self._records(service_name)
            if c.handler is handler
        ]
        return " or ".join(dict.fromkeys(owners)) or "a handler no longer connected"

    def _annotate(self, exc: Exception, handler: Handler, service_name: str) -> None:
        if isinstance(exc, RecursiveAsk):
            return
        exc.add_note(
            f"raised by the {service_name!r} handler {handler!r} of {self._owner(handler)}"
        )

    def _asked(self, handlers: Iterable[Handler]) -> str:
        names = [self._owner(h) for h in handlers]
        return ", ".join(names) or "nobody (no other member offers it)"
