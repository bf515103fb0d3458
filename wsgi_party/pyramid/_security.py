"""Login required by a Pyramid app that does not own login: a security policy.

The member that owns login says who is logged in (``identity``) and where
its login page is (``login``); this app keeps its own ACLs and ``permission=``
views, and sends anonymous visitors to the owner's login page::

    from wsgi_party.pyramid import PartySecurityPolicy, party_forbidden_view

    config.include("wsgi_party.pyramid")
    config.set_security_policy(PartySecurityPolicy())
    config.add_forbidden_view(party_forbidden_view)

    @view_config(route_name="edit", permission="edit")   # __acl__: (Allow, "role:editor", "edit")
    def edit(request):
        return f"hello {request.identity.name}"          # the owner's Identity
"""

from __future__ import annotations

import typing as t

from pyramid.authorization import (  # type: ignore[import-untyped]
    ACLHelper,
    Authenticated,
    Everyone,
)
from pyramid.httpexceptions import (  # type: ignore[import-untyped]
    HTTPForbidden,
    HTTPFound,
    HTTPUnauthorized,
)

from wsgi_party import NoPartylineContext
from wsgi_party.integration import not_in_party, owner_login_url

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from wsgi_party import Identity

__all__ = ["PartySecurityPolicy", "party_forbidden_view", "party_login_url"]

#: Where a request keeps the user ``user_from_identity`` made for it.
_USER_KEY = "_wsgi_party_policy_user"


class PartySecurityPolicy:
    """A Pyramid security policy that follows the member that owns login.

    * ``request.identity`` is the owner's :class:`~wsgi_party.Identity` for
      the request (``request.party_identity``, asked once per request), or
      ``None`` for an anonymous visitor; with ``user_from_identity``, what
      that callable makes of it (``(request, identity) -> user``, once per
      request; a user of the app's own database, say; ``None`` counts as
      anonymous);
    * ``request.authenticated_userid`` is the owner's ``id`` of the user;
    * ``permission=`` is decided by the ACLs of the context (Pyramid's
      :class:`~pyramid.authorization.ACLHelper`) against
      :meth:`effective_principals`: ``Everyone``, and for a logged-in user
      ``Authenticated``, the user's id and ``role_prefix`` + each role
      (``"role:editor"``);
    * ``remember`` and ``forget`` return no headers: logging in and out
      happens on the owner's pages.

    The app then answers ``identity`` no more (it would only repeat the
    owner). Requires ``config.include("wsgi_party.pyramid")``.
    """

    def __init__(
        self,
        *,
        role_prefix: str = "role:",
        user_from_identity: Callable[[t.Any, Identity], t.Any] | None = None,
    ) -> None:
        #: Put in front of each role to make its principal.
        self.role_prefix = role_prefix
        #: Makes the app's user of the owner's identity, if given.
        self.user_from_identity = user_from_identity
        self._acl = ACLHelper()

    def __repr__(self) -> str:
        return f"<PartySecurityPolicy role_prefix={self.role_prefix!r}>"

    def owner_identity(self, request: t.Any) -> Identity | None:
        """The owner's identity for ``request``; ``None`` when nobody is
        logged in or ``user_from_identity`` made no user of it."""
        _require_include(request)
        found: Identity | None = request.party_identity
        if found is None or self.user_from_identity is None:
            return found
        return found if self.identity(request) is not None else None

    def identity(self, request: t.Any) -> t.Any:
        """``request.identity``: the owner's identity, or the app's user made of it."""
        _require_include(request)
        found: Identity | None = request.party_identity
        if found is None or self.user_from_identity is None:
            return found
        made: dict[str, t.Any] = request.__dict__
        if _USER_KEY not in made:
            made[_USER_KEY] = self.user_from_identity(request, found)
        return made[_USER_KEY]

    def authenticated_userid(self, request: t.Any) -> str | None:
        """The owner's ``id`` of the logged-in user, or ``None``."""
        identity = self.owner_identity(request)
        return identity.id if identity is not None else None

    def effective_principals(self, request: t.Any) -> list[str]:
        """The principals ACLs are matched against (override to map roles otherwise)."""
        identity = self.owner_identity(request)
        if identity is None:
            return [Everyone]
        roles = sorted(f"{self.role_prefix}{role}" for role in identity.roles)
        return [Everyone, Authenticated, identity.id, *roles]

    def permits(self, request: t.Any, context: t.Any, permission: str) -> t.Any:
        """Pyramid's ACL decision for :meth:`effective_principals`."""
        return self._acl.permits(context, self.effective_principals(request), permission)

    def remember(self, request: t.Any, userid: t.Any, **kw: t.Any) -> list[tuple[str, str]]:
        """No headers: the member that owns login logs users in."""
        return []

    def forget(self, request: t.Any, **kw: t.Any) -> list[tuple[str, str]]:
        """No headers: the member that owns login logs users out."""
        return []


def party_login_url(request: t.Any, next_url: str | None = None) -> str:
    """``request.party_login_url()``: the owner's login page, back to ``next_url``.

    ``next_url`` defaults to the page of ``request``: its full path (the
    party's prefix, the app's mount, the path and the query). Raises
    :class:`~wsgi_party.NoAnswer` when no member answers ``login``.
    """
    member = _require_include(request)
    operator = member.operator
    if operator is None:
        raise NoPartylineContext(
            f"member {member.member_name()!r} is not in a live party: there is no"
            " login owner to send the visitor to"
        )
    return owner_login_url(operator, request.path_qs if next_url is None else next_url)


def party_forbidden_view(request: t.Any) -> t.Any:
    """Forbidden view: anonymous visitors go to the owner's login page.

    Register it with ``config.add_forbidden_view(party_forbidden_view)``. A
    visitor who is logged in but lacks the permission gets the 403 as
    Pyramid raised it. An app alone (in no party) has no owner's login page:
    an anonymous visitor gets 401 Unauthorized saying so.
    """
    if request.authenticated_userid is None:
        member = _require_include(request)
        if member.operator is None:
            return HTTPUnauthorized(detail=not_in_party(f"Pyramid app {member.member_name()!r}"))
        return HTTPFound(location=party_login_url(request))
    exception = getattr(request, "exception", None)
    return exception if isinstance(exception, HTTPForbidden) else HTTPForbidden()


def _require_include(request: t.Any) -> t.Any:
    from ._member import party_member

    return party_member(request.registry)
