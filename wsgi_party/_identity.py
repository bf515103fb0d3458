"""Who is logged in: the answer of the ``identity`` service.

The member that owns authentication answers ``identity`` for the current
request with an :class:`Identity`, or ``None`` for an anonymous visitor::

    identity = partyline.ask_first("identity", None)
    if identity is not None and "editor" in identity.roles:
        ...
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

__all__ = ["Identity"]


@dataclass(frozen=True, slots=True)
class Identity:
    """A logged-in user, as the member that owns login sees them."""

    #: The user's stable identifier in the owning app (primary key, userid).
    id: str
    #: A name fit to show on a page.
    name: str
    #: Roles or groups, for authorisation decisions.
    roles: frozenset[str] = frozenset()
    #: Anything else the owner shares (email, is_staff, ...).
    extra: t.Mapping[str, t.Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "roles", frozenset(self.roles))
