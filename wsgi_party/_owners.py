"""Owners: the one member that answers a shared service for the whole site.

Without owners, ``ask_first`` takes the first answer in join order, so which
member the site believes about who is logged in depends on how the apps are
mounted. Naming an owner settles it::

    party = WSGIParty(site, owners={"identity": "accounts", "layout": "legacy"})
    party.owners                        # identity, layout, and login (follows identity)
    party.ask_first("identity", None)   # 'accounts' alone answers, whoever asks

A member's own settings may name owners too (Django's ``WSGI_PARTY_OWNERS``,
Pyramid's ``wsgi_party.owners``, Flask's ``WSGI_PARTY_OWNERS`` config): the
member declares them when it joins (:meth:`PartylineOperator.declare_owners
<wsgi_party.PartylineOperator.declare_owners>`) and the party adopts the ones
its own ``owners`` leave out. This module settles them at bootstrap: every
owner is a member offering the service, declarations agree with each other
and with ``owners``, and a shared service that several members answer with
no owner named is logged.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Mapping

from ._exceptions import ConfigurationError

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ._operator import PartylineOperator

__all__ = ["FOLLOWERS", "SHARED_SERVICES", "check_owners", "settle_owners", "unowned"]

#: The services one member should answer for the whole site: more than one
#: answering with no owner named is logged at bootstrap (and fails
#: ``wsgi-party check``).
SHARED_SERVICES = ("identity", "layout")

#: Services owned by the owner of another unless named themselves: the login
#: page belongs to whoever says who is logged in.
FOLLOWERS = {"login": "identity"}

#: The package's own logger: a misconfigured site is everybody's business,
#: not only the invitations'.
log = logging.getLogger("wsgi_party")


def check_owners(owners: Mapping[str, str] | None, source: str = "owners") -> dict[str, str]:
    """``owners`` as a dict, each service and member a non-empty string.

    ``source`` names where they were given (``"owners"``, a setting) in the
    :class:`~wsgi_party.ConfigurationError` for anything else.
    """
    if owners is None:
        return {}
    if not isinstance(owners, Mapping):
        raise ConfigurationError(
            f"{source} must map service names to member names"
            f" ({{'identity': 'accounts'}}), got {type(owners).__name__}"
        )
    checked: dict[str, str] = {}
    for service, member in owners.items():
        if not isinstance(service, str) or not service:
            raise ConfigurationError(
                f"{source}: service name {service!r} must be a non-empty string"
            )
        if not isinstance(member, str) or not member or ":" in member:
            raise ConfigurationError(
                f"{source}: the owner of {service!r} must be a member name"
                f" (a non-empty string without ':'), got {member!r}"
            )
        checked[service] = member
    return checked


def settle_owners(
    given: Mapping[str, str],
    operators: Sequence[PartylineOperator],
    failed: Iterable[str] = (),
) -> dict[str, str]:
    """The party's owners once every invitation is answered.

    ``given`` is the party's own ``owners``; members' declarations fill in
    the services it leaves out, and each follower (``login``) follows its
    leader unless named. Raises :class:`~wsgi_party.ConfigurationError` when
    an owner is not a member (``failed`` names members whose invitation
    failed: they count as members, asking them says why they are out),
    when it does not offer the service it owns, and when two declarations,
    or a declaration and ``given``, disagree.
    """
    owners = dict(given)
    named_by: dict[str, str] = dict.fromkeys(given, "WSGIParty(owners=...)")
    for operator in operators:
        source = f"{operator.owners_source} of member {operator.name!r}"
        for service, member in operator.declared_owners.items():
            found = owners.get(service)
            if found is None:
                owners[service] = member
                named_by[service] = source
            elif found != member:
                raise ConfigurationError(
                    f"{source} names {member!r} the owner of {service!r}, but"
                    f" {named_by[service]} names {found!r}; make them agree"
                )
    by_name = {op.name: op for op in operators}
    members = ", ".join(repr(name) for name in by_name) or "none"
    out = set(failed)
    for service, member in owners.items():
        owner = by_name.get(member)
        if owner is None:
            if member in out:
                continue  # asking it raises MemberUnavailable, naming the failure
            raise ConfigurationError(
                f"{named_by[service]} names {member!r} the owner of {service!r},"
                f" but no member is named {member!r} (members: {members})"
            )
        if service not in owner.services:
            offered = ", ".join(repr(s) for s in owner.services) or "none"
            raise ConfigurationError(
                f"{named_by[service]} names {member!r} the owner of {service!r},"
                f" but member {member!r} does not offer {service!r} (it offers:"
                f" {offered}); configure it to answer {service!r}, or name another owner"
            )
    for follower, leader in FOLLOWERS.items():
        if follower not in owners and leader in owners:
            owners[follower] = owners[leader]
    return owners


def unowned(
    owners: Mapping[str, str], operators: Sequence[PartylineOperator]
) -> dict[str, tuple[str, ...]]:
    """Each shared service answered by more than one member with no owner:
    the members answering it, in join order."""
    found: dict[str, tuple[str, ...]] = {}
    for service in SHARED_SERVICES:
        if service in owners:
            continue
        answering = tuple(op.name or "" for op in operators if service in op.services)
        if len(answering) > 1:
            found[service] = answering
    return found


def unowned_message(service: str, members: Sequence[str]) -> str:
    """The warning for a shared service several members answer, none owning it."""
    names = ", ".join(repr(name) for name in members)
    return (
        f"{len(members)} members answer {service!r} ({names}) and no owner is named,"
        " so the answer a page gets depends on join order (how the apps are"
        " mounted) and on whether its own app answers; name the one that"
        f" answers for the site: WSGIParty(..., owners={{{service!r}: {members[0]!r}}})"
    )


def warn_unowned(found: Mapping[str, Sequence[str]]) -> None:
    """Log :func:`unowned_message` for each of ``found`` on the ``wsgi_party`` logger."""
    for service, members in found.items():
        log.warning("%s", unowned_message(service, members))
