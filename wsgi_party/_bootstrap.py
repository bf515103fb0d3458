"""The party's bootstrap: invitations, members, and the process lifecycle.

:class:`Bootstrap` is the part of :class:`~wsgi_party.WSGIParty` that sends
the invitations (once, under a double-checked lock; lazily on the first
request or ask with ``lazy=True``), admits members, records declined and
failed invitations and undoes a bootstrap that a fork cut short::

    party = WSGIParty(dispatcher, lazy=True)
    party.members        # bootstraps now, once, however many threads ask
    party.declined       # (Declined('/static/__invite__/', "answered '404 ..."),)
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import traceback
import typing as t
import weakref
from dataclasses import dataclass
from types import MappingProxyType

from werkzeug.test import create_environ, run_wsgi_app

from ._exceptions import (
    ConfigurationError,
    InvitationError,
    MemberUnavailable,
    NoSuchMember,
    PartyClosed,
)
from ._invitations import INVITE_PATH, Invitation, InviteGuard, derive_name
from ._operator import PartylineOperator
from ._owners import settle_owners, unowned, warn_unowned

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import WSGIApplication

    from ._party import WSGIParty

__all__ = ["Bootstrap", "Declined", "Member", "PartyState"]

#: Every invitation that produced no member: a warning when the app
#: declined (no invite route, already in another party), an error with the
#: traceback when it failed. ``wsgi-party check`` reports declines itself and
#: quiets the warnings here.
log = logging.getLogger("wsgi_party.invitations")


class PartyState(enum.Enum):
    """Where a party is in its life."""

    #: Created; the invitations have not gone out (a lazy party).
    PENDING = "pending"
    #: Sending the invitations.
    BOOTSTRAPPING = "bootstrapping"
    #: Every invitation answered: asks are served.
    READY = "ready"
    #: Closed: asks raise PartyClosed, requests still pass through.
    CLOSED = "closed"


_PENDING = PartyState.PENDING
_BOOTSTRAPPING = PartyState.BOOTSTRAPPING
_READY = PartyState.READY
_CLOSED = PartyState.CLOSED


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


class Bootstrap:
    """Invitations and members: the bootstrap side of :class:`~wsgi_party.WSGIParty`.

    The attributes are set by ``WSGIParty.__init__``.
    """

    partyline_key: str
    operator_class: type[PartylineOperator]
    invites: tuple[Invitation, ...]
    _application: WSGIApplication
    _state: PartyState
    _lock: threading.RLock
    _lazy: bool
    _operators: list[PartylineOperator]
    _by_name: dict[str, PartylineOperator]
    _declined: list[Declined]
    _failed: dict[str, _Failure]
    _in_flight: list[PartylineOperator]
    _guard: InviteGuard
    _guard_all: bool
    #: The party's own ``owners`` argument, checked.
    _given_owners: dict[str, str]
    #: The owners settled at bootstrap (see :mod:`wsgi_party._owners`); the
    #: asks read it, empty until then.
    _owned: dict[str, str]

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
                self._owned = self._settle_owners()
            except BaseException:
                self._state = _PENDING
                raise
            self._state = _READY
            self._opened()

    def _settle_owners(self) -> dict[str, str]:
        """The owners, settled once every invitation is answered; the
        unowned shared services are logged.

        Owners that cannot be settled undo the bootstrap, as an
        :class:`~wsgi_party.InvitationError` does, and raise
        :class:`~wsgi_party.ConfigurationError`.
        """
        try:
            owners = settle_owners(self._given_owners, self._operators, self._failed)
        except ConfigurationError:
            for operator in list(self._operators):
                self._dismiss(operator)
            self._declined.clear()
            self._failed.clear()
            raise
        warn_unowned(unowned(owners, self._operators))
        return owners

    def _opened(self) -> None:
        """The party is ready: the asks may start (a hook for the asking side)."""

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
                operator = self.operator_class(t.cast("WSGIParty", self))
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

    @property
    def owners(self) -> t.Mapping[str, str]:
        """The member that owns each owned service, by service (bootstraps a lazy party).

        The party's ``owners``, the owners its members' settings name where
        it names none, and ``login`` following ``identity`` unless named.
        ``ask_first`` of an owned service asks its owner alone.

        .. versionadded:: 0.3
        """
        self._bootstrap()
        return MappingProxyType(self._owned)

    def unowned_services(self) -> dict[str, tuple[str, ...]]:
        """Shared services (``identity``, ``layout``) that several members
        answer with no owner named: the members answering each, in join order.

        Each was logged as a warning at bootstrap; ``wsgi-party check`` fails
        on them.

        .. versionadded:: 0.3
        """
        self._bootstrap()
        return unowned(self._owned, self._operators)

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


_live_parties: weakref.WeakSet[WSGIParty] = weakref.WeakSet()


def _reinit_after_fork() -> None:
    for party in list(_live_parties):
        party._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)
