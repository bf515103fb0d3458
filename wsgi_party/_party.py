"""The party: WSGI middleware, bootstrap, and the ask path.

Wrap the dispatcher that mounts your apps; every app that joins can then ask
the others::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from wsgi_party import WSGIParty

    application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}))

    application.members                 # (Member('root', ...), Member('blog', ...))
    application.url_for("blog:post", id=3, _external=True)
    application.close()                 # in test suites, before the next party

The three paths through this module each live in one place:

* **bootstrap**: :meth:`WSGIParty.send_invitations` (lazily, under a
  double-checked lock, from :meth:`WSGIParty._bootstrap`);
* **asking**: :meth:`WSGIParty.ask_around`, :meth:`WSGIParty.ask_first` and
  :meth:`WSGIParty.ask`, each one tight function;
* **URLs**: :meth:`WSGIParty.build_url`, on top of the asks.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
import typing as t
import weakref
from dataclasses import dataclass

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ, run_wsgi_app

from ._context import RequestScope, _get_scope
from ._exceptions import (
    HighAndDry,
    InvalidServiceName,
    InvitationError,
    MemberUnavailable,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    NotConnected,
    PartyClosed,
    RecursiveAsk,
    UrlBuildError,
)
from ._hosts import trusted_host_list
from ._invitations import INVITE_PATH, Invitation, InviteGuard, derive_name, discover
from ._links import DEFAULT_MAX_BYTES, LinkMemory, call_key
from ._operator import Connection, Handler, PartylineOperator
from ._url import UrlRequest

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Declined", "Member", "WSGIParty"]

log = logging.getLogger("wsgi_party")

_PENDING, _BOOTSTRAPPING, _READY, _CLOSED = "pending", "bootstrapping", "ready", "closed"


@dataclass(frozen=True, slots=True)
class Member:
    """An app that joined the party by connecting at least one handler."""

    #: The member's name (its own choice, else derived from its mount).
    name: str
    #: Where the member is mounted inside the party ("" for the root).
    script_name: str
    #: The invite path it answered.
    invite_path: str
    #: The services it offers, in the order first connected.
    services: tuple[str, ...]
    #: The operator it joined through.
    operator: PartylineOperator


@dataclass(frozen=True, slots=True)
class Declined:
    """An invitation that produced no member, and why."""

    #: The invite path.
    path: str
    #: Why, in words.
    reason: str
    #: What went wrong when the invitation failed in a lazy party: the
    #: exception the invite raised, or an :class:`~wsgi_party.InvitationError`
    #: naming the server error it answered. ``None`` when the app declined.
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    """A member left out of a lazy party because its invitation failed."""

    name: str
    invitation: Invitation
    #: What went wrong, in words ("raised OSError: ...").
    reason: str
    declined: Declined


class WSGIParty:
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

    .. versionchanged:: 0.2
       ``invites`` defaults to discovery; added ``lazy`` and ``base_url``.
    .. versionchanged:: 0.3
       Added ``url_memory_bytes`` and ``trusted_hosts``; an invalid request
       host is refused.
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
    ) -> None:
        self.application = application  # see the property: it also sets _dispatcher
        self.ignore_missing_services = ignore_missing_services
        self.base_url = base_url
        #: Hosts external URLs may name in a request (``None``: any valid host).
        self.trusted_hosts = trusted_host_list(trusted_hosts)
        #: Handlers by service name, in join order (0.1 API).
        self.handlers: dict[str, list[Handler]] = {}
        # The same as records that know their member, for the asks that
        # skip the asker's own handlers, each with the list of ``handlers``
        # it describes (code written for 0.1 may replace that list). Both are
        # replaced, never changed in place, so an ask under way keeps what it
        # started with.
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
        # One flag for the hot paths: true only once bootstrapped and open.
        self._ready = False
        # The asks' view of the handlers: ``handlers`` itself while ready,
        # else empty, so that one lookup both finds the handlers and notices
        # a party not ready yet (see _handlers_for).
        self._live: dict[str, list[Handler]] = {}
        self._in_flight: list[PartylineOperator] = []
        #: Finished links, exact and bounded (see wsgi_party._links).
        self._links = LinkMemory(url_memory_bytes)
        _live_parties.add(self)
        if not lazy:
            self._bootstrap()

    def __repr__(self) -> str:
        names = ", ".join(self._by_name)
        return f"<WSGIParty {self._state} members=[{names}]>"

    # -- WSGI ----------------------------------------------------------------

    @property
    def application(self) -> WSGIApplication:
        """The wrapped application (the dispatcher that mounts the apps)."""
        return self._application

    @application.setter
    def application(self, application: WSGIApplication) -> None:
        self._application = application
        # A plain werkzeug DispatcherMiddleware is dispatched in __call__'s own
        # frame, saving a Python call on every request. Anything else
        # (subclasses included) is called as it is.
        self._dispatcher = application if type(application) is DispatcherMiddleware else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Pass the request to the application; 404 for invite paths."""
        try:
            path = environ["PATH_INFO"]
        except KeyError:
            path = ""
        # Most paths hold neither "_" nor "%" and skip the guard entirely.
        if ("_" in path or "%" in path or self._guard_all) and self._guard.refuses(path):
            return _not_found(environ, start_response)
        if not self._ready and self._state != _CLOSED:
            self._bootstrap()
        dispatcher = self._dispatcher
        if dispatcher is None:
            return self._application(environ, start_response)
        # What DispatcherMiddleware.__call__ does, step for step (werkzeug
        # 3; tests/test_dispatch_inline.py holds the two to the same
        # results): the longest mounted prefix of the path wins, else the
        # root app. Its attributes are read on every request, so changes to
        # its mounts or root app take effect as they would unwrapped.
        mounts = dispatcher.mounts
        script = path
        path_info = ""
        while "/" in script:
            if script in mounts:
                app = mounts[script]
                break
            script, last_item = script.rsplit("/", 1)
            path_info = f"/{last_item}{path_info}"
        else:
            app = mounts.get(script, dispatcher.app)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
        environ["PATH_INFO"] = path_info
        return app(environ, start_response)

    # -- bootstrap -------------------------------------------------------------

    def _bootstrap(self) -> None:
        """Send the invitations once, however many threads get here together.

        A thread arriving while another bootstraps waits for it to finish.
        """
        if self._state in (_READY, _CLOSED):
            return
        with self._lock:
            # Checked again under the lock: another thread may have finished
            # meanwhile. The lock is re-entrant so that an app which asks the
            # party from its invite view does not deadlock (it sees the
            # members admitted so far).
            if self._state != _PENDING:
                return
            self._state = _BOOTSTRAPPING
            try:
                self._send(self.invites, tolerate=self._lazy)
            except BaseException:
                self._state = _PENDING
                raise
            self._state = _READY
            self._ready = True
            self._live = self.handlers

    def send_invitations(self, invites: Iterable[str | Invitation]) -> None:
        """Invite each of ``invites`` (paths or :class:`Invitation`\\ s) now.

        Apps that connect a handler become members. An invitation that is
        answered without connecting anything (such as a 404 from an app with no
        invite route) is recorded in :attr:`declined` and logged. An invite
        that raises or answers with a 5xx status, an app joining twice, and
        two members with one name raise :class:`~wsgi_party.InvitationError`;
        then every member admitted by this call is released again.
        """
        self._send(invites, tolerate=False)

    def _send(self, invites: Iterable[str | Invitation], *, tolerate: bool) -> None:
        """:meth:`send_invitations`; with ``tolerate`` an invite that fails
        leaves its app out (see :meth:`_fail`) instead of raising."""
        if self._state == _CLOSED:
            raise PartyClosed("cannot send invitations through a closed party")
        admitted: list[PartylineOperator] = []
        # Kept on the party so that a fork in the middle can undo it (see
        # _after_fork_in_child).
        self._in_flight = admitted
        try:
            for invite in invites:
                invitation = _invitation(invite)
                self._guard.add(invitation.path)
                self._guard_all = not self._guard.underscored
                operator = self.operator_class(self)
                admitted.append(operator)
                if self._invite(invitation, operator, tolerate):
                    self._admit(invitation, operator)
                else:
                    admitted.remove(operator)
                    operator._release()
        except BaseException:
            for operator in admitted:
                self._dismiss(operator)
            raise
        finally:
            self._in_flight = []

    def _invite(
        self, invitation: Invitation, operator: PartylineOperator, tolerate: bool = False
    ) -> bool:
        """Deliver one invitation; whether the app joined.

        An invite that raises or answers with a server error raises
        :class:`~wsgi_party.InvitationError`, or with ``tolerate`` is
        recorded as failed.
        """
        label = invitation.label
        operator.invite_path = invitation.path
        operator.script_name = invitation.mount
        if invitation.app is not None:
            environ = create_environ(path=INVITE_PATH)
            environ["SCRIPT_NAME"] = invitation.script_name
            target = invitation.app
        else:
            environ = create_environ(path=invitation.path)
            target = self._application
        environ[self.partyline_key] = operator
        environ["wsgi_party.invitation"] = invitation
        try:
            app_iter, status, _headers = run_wsgi_app(target, environ, buffered=True)
            if hasattr(app_iter, "close"):
                app_iter.close()
        except InvitationError:
            raise
        except Exception as exc:
            reason = f"raised {type(exc).__name__}: {exc}"
            if tolerate:
                self._fail(invitation, operator, reason, exc)
                return False
            raise InvitationError(f"the invitation to {label} {reason}") from exc
        if operator.declined is not None:
            self._decline(invitation.path, operator.declined)
            return False
        code = int(status[:3]) if status[:3].isdigit() else 0
        if code >= 500:
            reason = (
                f"answered {status!r}; the app's invite route failed (see the app's own error log)"
            )
            error = InvitationError(f"the invitation to {label} {reason}")
            if tolerate:
                self._fail(invitation, operator, reason, error)
                return False
            raise error
        if not operator.handlers:
            self._decline(invitation.path, f"answered {status!r} and connected no handler")
            return False
        return True

    def _admit(self, invitation: Invitation, operator: PartylineOperator) -> None:
        if operator.name is None:
            operator.name = invitation.name or derive_name(invitation.mount)
        other = self._by_name.get(operator.name)
        if other is not None:
            raise InvitationError(
                f"two members are named {operator.name!r}: the app invited at"
                f" {other.invite_path!r} and the app invited at"
                f" {operator.invite_path!r}; give one of them another name"
            )
        self._by_name[operator.name] = operator
        self._operators.append(operator)
        if self._failed:
            self._forget_failure(invitation.path)

    def _decline(self, path: str, reason: str) -> None:
        self._declined.append(Declined(path, reason))
        log.warning("invitation to %r declined: %s", path, reason)

    def _fail(
        self,
        invitation: Invitation,
        operator: PartylineOperator,
        reason: str,
        error: BaseException,
    ) -> None:
        """Leave out the app of a failed invitation; asking it raises
        :class:`~wsgi_party.MemberUnavailable` (see :meth:`_unavailable`)."""
        name = operator.name or invitation.name or derive_name(invitation.mount)
        self._forget_failure(invitation.path)
        declined = Declined(invitation.path, f"member {name!r} failed to join: {reason}", error)
        self._declined.append(declined)
        self._failed[name] = _Failure(name, invitation, reason, declined)
        log.error(
            "invitation to %s failed, member %r is left out of the party: %s"
            " (the other members serve; reinvite() or restart the process to retry)",
            invitation.label,
            name,
            reason,
            # The traceback of an exception the invite raised; a server error
            # was logged by the app itself.
            exc_info=None if isinstance(error, InvitationError) else error,
        )
        # Kept for the life of the party: let it keep where it was raised,
        # not the locals of the frames (the invite's environ, the app's data).
        traceback.clear_frames(error.__traceback__)

    def _forget_failure(self, path: str) -> None:
        for failure in [f for f in self._failed.values() if f.invitation.path == path]:
            del self._failed[failure.name]
            self._declined.remove(failure.declined)

    def _unavailable(self, name: str) -> MemberUnavailable:
        """The error for asking a member whose invitation failed, caused by its error."""
        failure = self._failed[name]
        declined = failure.declined
        error = MemberUnavailable(
            f"member {name!r} is not in the party: its invitation to"
            f" {failure.invitation.label} failed, it {failure.reason};"
            " see party.declined, and reinvite() or restart the process to retry",
            name,
            declined.path,
        )
        if not isinstance(declined.error, InvitationError):  # not our own words again
            error.__cause__ = declined.error
        return error

    def _dismiss(self, operator: PartylineOperator) -> None:
        operator._release()
        if self._by_name.get(operator.name or "") is operator:
            del self._by_name[operator.name or ""]
        if operator in self._operators:
            self._operators.remove(operator)

    # -- members -------------------------------------------------------------

    @property
    def members(self) -> tuple[Member, ...]:
        """Every member, in join order (bootstraps a lazy party)."""
        self._bootstrap()
        return tuple(
            Member(
                op.name or "",
                op.script_name,
                op.invite_path or "",
                tuple(op.services),
                op,
            )
            for op in self._operators
        )

    @property
    def declined(self) -> tuple[Declined, ...]:
        """Invitations that produced no member, with the reason for each.

        In a lazy party this includes the invitations that failed (their
        :attr:`Declined.error` is set); see :meth:`reinvite`.
        """
        self._bootstrap()
        return tuple(self._declined)

    def reinvite(self) -> tuple[Member, ...]:
        """Send again each invitation that failed in a lazy party; the members that joined.

        The party never retries by itself: a member whose invitation failed
        stays out until this is called or the process restarts. An
        invitation that fails again stays in :attr:`declined`, with its new
        error, and is logged again.
        """
        self._bootstrap()
        with self._lock:
            if self._state == _CLOSED:
                raise PartyClosed("cannot send invitations through a closed party")
            joined = len(self._operators)
            self._send([f.invitation for f in list(self._failed.values())], tolerate=True)
            return self.members[joined:]

    def member(self, name: str) -> Member:
        """The member called ``name``; :class:`~wsgi_party.NoSuchMember` if none."""
        for member in self.members:
            if member.name == name:
                return member
        if name in self._failed:
            raise self._unavailable(name)
        raise NoSuchMember(self._no_such_member(name))

    def _no_such_member(self, name: object) -> str:
        known = ", ".join(repr(n) for n in self._by_name) or "none"
        return f"no member is named {name!r} (members: {known})"

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
        self._links.clear()

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
        self._links.clear()

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
        """
        try:
            handlers = self._live[service_name]
        except (KeyError, TypeError):
            handlers = self._handlers_for(service_name)
        if operator is not None and operator.handlers:
            handlers = self._answerers(service_name, handlers, operator)
        try:
            for handler in handlers:
                try:
                    return handler(payload)
                except HighAndDry:
                    pass
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        raise NoAnswer(f"nobody answered {service_name!r}: asked {self._asked(handlers)}")

    def ask(self, member: str, service_name: str, payload: t.Any) -> t.Any:
        """Ask only the member named ``member``; return its first answer.

        The cost does not depend on the number of members. Raises
        :class:`~wsgi_party.NoSuchMember` for an unknown name and
        :class:`~wsgi_party.NoAnswer` if the member does not offer the
        service or all its handlers raise :class:`~wsgi_party.HighAndDry`.
        """
        if not self._ready:
            self._not_ready()
        try:
            handlers = self._by_name[member].services[service_name]
        except (KeyError, TypeError):
            error = self._no_target(member, service_name)
            raise error from error.__cause__
        passed: HighAndDry | None = None
        try:
            for handler in handlers:
                try:
                    return handler(payload)
                except HighAndDry as exc:
                    passed = exc
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        # The member's own reason (its HighAndDry) says why, and stays the cause.
        reason = f": {passed}" if passed is not None and str(passed) else ""
        raise NoAnswer(f"member {member!r} had no answer for {service_name!r}{reason}") from passed

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

    def _handlers_for(self, service_name: object) -> list[Handler]:
        """The asks' slow path: bootstrap if need be, then find the handlers."""
        if not self._ready:
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

    # -- URLs ----------------------------------------------------------------

    def url_for(self, endpoint: str, **values: t.Any) -> str:
        """Build a URL to a member's endpoint, with Flask's conventions.

        ``"member:endpoint"`` asks only that member; any other endpoint is
        asked around and the first answer in join order wins. ``_external``,
        ``_anchor`` and ``_method`` work as in Flask. Outside any request the
        URL is located with ``base_url``.
        """
        return self._url_for(endpoint, values, None)

    def _url_for(
        self,
        endpoint: str,
        values: dict[str, t.Any],
        operator: PartylineOperator | None,
        link: t.Hashable | None = None,
    ) -> str:
        """``url_for`` for a party or an operator: a remembered link, else a build.

        The link is looked up first, keyed by :meth:`_link_key`, before any
        :class:`~wsgi_party.UrlRequest` is made; ``values`` is not changed.
        An integration that looked the link up itself under a key of its own
        passes that key as ``link``, and the URL is remembered under it.
        """
        if link is None:
            link = self._link_key(endpoint, values, operator, _get_scope())
            if link is not None:
                url = self._links.get(link)
                if url is not None:
                    return url
        generation = self._links.generation
        request = UrlRequest.from_url_for(endpoint, dict(values))
        url, pure = self._build_url(request, operator)
        if link is not None and pure:
            self._links.remember(link, url, generation)
        return url

    def _link_key(
        self,
        endpoint: str,
        values: t.Mapping[str, t.Any],
        asker: object,
        scope: RequestScope | None,
    ) -> t.Hashable | None:
        """The key a link is remembered under, or ``None`` if it never is.

        A link depends on who asks (an app never answers itself), the place
        it is built from and the call. Inside a request the place is the
        request's member and ``SCRIPT_NAME`` (which give the party's root);
        an external link depends on the request's host too and is never
        remembered there. Outside a request the place is :attr:`base_url`.
        """
        call = call_key(endpoint, values)
        if call is None:
            return None
        if scope is None:
            return (asker, None, self.base_url, call)
        if not _LOCATING.isdisjoint(values):
            return None
        return (asker, scope.operator, scope.environ.get("SCRIPT_NAME"), call)

    def _split_target(self, endpoint: str) -> tuple[str | None, str]:
        """``("blog", "post")`` for ``"blog:post"`` when ``blog`` is a member,
        else ``(None, endpoint)``: the member is asked for its own endpoint name."""
        if ":" in endpoint:
            name, _, rest = endpoint.partition(":")
            if name in self._by_name:
                return name, rest
            if name in self._failed:
                raise self._unavailable(name)
        return None, endpoint

    def build_url(self, request: UrlRequest, operator: PartylineOperator | None = None) -> str:
        """Answer a :class:`~wsgi_party.UrlRequest` through the ``url`` service.

        Raises :class:`~wsgi_party.UrlBuildError` (a ``LookupError``) naming
        the endpoint and the members asked when no member can build it.
        It is built every time: only
        :meth:`url_for` and the integrations' helpers remember links.
        """
        return self._build_url(request, operator)[0]

    def _build_url(
        self, request: UrlRequest, operator: PartylineOperator | None
    ) -> tuple[str, bool]:
        """Build the URL for ``request``, located and targeted (in copies).

        Returns the URL and whether every handler that could have answered builds the
        endpoint from its values alone (their ``pure`` says so; see
        :func:`~wsgi_party.url_handler`), so that the link may be remembered.
        """
        if not self._ready:
            self._not_ready()
        request = request.located(self.base_url)
        endpoint = request.endpoint
        target, own_name = self._split_target(endpoint)
        if target is not None:  # the member is asked for its own name of the endpoint
            request = UrlRequest(
                own_name,
                request.values,
                request.external,
                request.anchor,
                request.method,
                script_root=request.script_root,
                scheme=request.scheme,
                host=request.host,
            )
        if target is not None:
            try:
                url = self.ask(target, "url", request)
            except NoAnswer:
                raise UrlBuildError(
                    f"member {target!r} could not build a URL for {endpoint!r}",
                    endpoint,
                    (target,),
                ) from None
            member = self._by_name.get(target)
            if member is None:  # the party closed while the member built it
                return url, False
            handlers: t.Iterable[Handler] = member.services.get("url", ())
        else:
            try:
                url = self.ask_first("url", request, operator)
            except (NoAnswer, NoSuchServiceName):
                asked = tuple(
                    op.name or ""
                    for op in self._operators
                    if "url" in op.services and op is not operator
                )
                raise UrlBuildError(
                    f"no member could build a URL for endpoint {endpoint!r}"
                    f" (asked: {', '.join(repr(a) for a in asked) or 'nobody'})",
                    endpoint,
                    asked,
                ) from None
            handlers = self._answerers("url", self.handlers.get("url", []), operator)
        return url, _all_pure(handlers, request.endpoint)

    def clear_url_cache(self) -> None:
        """Forget every remembered link, here and in each member's ``url`` handler.

        Call it after changing routes at run time; connecting or
        disconnecting handlers already does it. A link being built while it
        runs is not remembered.
        """
        self._links.clear()
        for handler in self.handlers.get("url", ()):
            clear = getattr(handler, "cache_clear", None)
            if clear is not None:
                clear()

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
            self._ready = False
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

    def _after_fork_in_child(self) -> None:
        # The lock may have been held by a thread that does not exist in the
        # child; a bootstrap that thread was running will never finish here.
        self._lock = threading.RLock()
        if self._state == _BOOTSTRAPPING:
            for operator in [*self._in_flight, *self._operators]:
                self._dismiss(operator)
            self._in_flight = []
            self._declined.clear()
            self._failed.clear()
            self._state = _PENDING


def _invitation(invite: str | Invitation) -> Invitation:
    if isinstance(invite, Invitation):
        return invite
    if not isinstance(invite, str) or not invite.startswith("/"):
        raise InvitationError(f"an invite path must be a string starting with '/', got {invite!r}")
    return Invitation(invite)


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    body = b"404 Not Found\n"
    start_response(
        "404 Not Found",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


#: The url_for options that make a URL external, so that it depends on the host.
_LOCATING = frozenset(("_external", "_scheme"))

_live_parties: weakref.WeakSet[WSGIParty] = weakref.WeakSet()


def _reinit_after_fork() -> None:
    for party in list(_live_parties):
        party._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)


def _all_pure(handlers: t.Iterable[Handler], endpoint: str) -> bool:
    """Whether every one of ``handlers`` builds ``endpoint`` from its values alone."""
    for handler in handlers:
        pure = getattr(handler, "pure", None)
        if pure is None or not pure(endpoint):
            return False
    return True
