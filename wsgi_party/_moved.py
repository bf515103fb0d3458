"""Moved names: the legacy endpoint names a moved route still answers to.

A route that moves from the legacy member to a new one keeps its URL (a
:class:`~wsgi_party.RouteDispatcher` sends it to the new app) but not its
name, and every old link names it. The new owner declares the names it
answers for, through its integration (``aliases``: legacy name to its own
endpoint), or the party does for it (``moved``: legacy name to
``"member:endpoint"``)::

    FlaskParty(shop, aliases={"legacy:main.explore": "explore", "main.explore": "explore"})
    party = WSGIParty(site, moved={"legacy:catalog": "shop:catalog.index"})
    party.url_for("legacy:main.explore")    # the shop's 'explore', once legacy lacks it
    party.aliases["legacy:main.explore"]    # Alias(member="shop", endpoint="explore", ...)

A name is looked up here only when it builds nowhere else: while the legacy
route is live, links to it keep going there; delete it and the alias
answers. Names are exact: every spelling an old link uses (bare,
``member:``-qualified) is declared on its own. A member declares its aliases
by answering the ``aliases`` service with a mapping.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from dataclasses import dataclass

from ._exceptions import ConfigurationError

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from ._operator import PartylineOperator

__all__ = ["Alias", "alias_table", "checked_aliases", "checked_moved"]

#: How the party's own ``moved`` map is named in messages.
PARTY_MOVED = "WSGIParty(moved=...)"


@dataclass(frozen=True, slots=True)
class Alias:
    """A legacy endpoint name and the route that now answers to it.

    .. versionadded:: 0.3
    """

    #: The legacy name, as old links write it (``"legacy:main.explore"``).
    name: str
    #: The member that now has the route.
    member: str
    #: The route's endpoint in that member.
    endpoint: str
    #: Who declared it: ``"member 'shop'"`` or ``"WSGIParty(moved=...)"``.
    declared_by: str


def checked_aliases(aliases: Mapping[str, str] | None, where: str) -> dict[str, str]:
    """``aliases`` (legacy name to own endpoint) as a dict, checked.

    Raises :class:`~wsgi_party.ConfigurationError` naming ``where`` (the
    argument or setting) when it is not a mapping of non-empty strings.
    """
    if aliases is None:
        return {}
    if not isinstance(aliases, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in aliases.items()
    ):
        raise ConfigurationError(
            f"{where} must map legacy endpoint names to this member's own endpoints"
            f" (non-empty strings), got {aliases!r}"
        )
    return dict(aliases)


def checked_moved(moved: Mapping[str, str] | None) -> dict[str, tuple[str, str]]:
    """The party's ``moved`` map as ``{legacy name: (member, endpoint)}``, checked.

    Each target must be ``"member:endpoint"``.
    """
    checked = checked_aliases(moved, PARTY_MOVED)
    targets: dict[str, tuple[str, str]] = {}
    for name, target in checked.items():
        member, colon, endpoint = target.partition(":")
        if not colon or not member or not endpoint:
            raise ConfigurationError(
                f"{PARTY_MOVED}: the new place of {name!r} must be 'member:endpoint',"
                f" got {target!r}"
            )
        targets[name] = (member, endpoint)
    return targets


def alias_table(
    moved: Mapping[str, tuple[str, str]], operators: Iterable[PartylineOperator]
) -> dict[str, Alias]:
    """Every legacy name of the party: its ``moved`` map and its members' aliases.

    Raises :class:`~wsgi_party.ConfigurationError` when a ``moved`` target
    is not a member, when a member's ``aliases`` answer is not a mapping of
    names, and when two declare the same legacy name.
    """
    operators = list(operators)
    names = [op.name for op in operators if op.name]
    table: dict[str, Alias] = {}

    def add(alias: Alias) -> None:
        other = table.get(alias.name)
        if other is not None:
            raise ConfigurationError(
                f"legacy name {alias.name!r} is declared twice: by {other.declared_by}"
                f" (for {other.member}:{other.endpoint}) and by {alias.declared_by}"
                f" (for {alias.member}:{alias.endpoint}); keep one"
            )
        table[alias.name] = alias

    for name, (member, endpoint) in moved.items():
        if member not in names:
            raise ConfigurationError(
                f"{PARTY_MOVED} moves {name!r} to {member}:{endpoint}, but {member!r} is"
                f" not a member (members: {', '.join(map(repr, names)) or 'none'})"
            )
        add(Alias(name, member, endpoint, PARTY_MOVED))
    for operator in operators:
        member = operator.name or ""
        declared_by = f"member {member!r}"
        for handler in operator.services.get("aliases", ()):
            answer = checked_aliases(handler(None), f"the 'aliases' answer of {declared_by}")
            for name, endpoint in answer.items():
                add(Alias(name, member, endpoint, declared_by))
    return table
