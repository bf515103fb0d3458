"""Login and look in a Starlette app: who is logged in, and the site's chrome.

In endpoints, dependencies and templates::

    from wsgi_party.starlette import party_fragment, party_identity

    user = party_identity(request)           # a wsgi_party.Identity, or None
    header = party_fragment(request, "header")   # Markup, rendered once per request
    login = party_login_url(request)         # the owner's login page, back to this one

An app given ``identity=`` or ``fragments=`` answers for itself unless the
party names another member the owner (``WSGIParty(owners=...)``); any
other asks the member that owns login or the layout, for this request (its
cookies, its path). Asked from an ``async def`` endpoint, the owner answers
in a worker thread while the endpoint waits, so that an owner that refuses
to run inside an event loop (Django's ORM) answers too.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from markupsafe import Markup

from wsgi_party import NoAnswer, NoPartylineContext, NoSuchServiceName, UrlBuildError
from wsgi_party.integration import (
    current_scope,
    enter_scope,
    fallback_fragment,
    leave_scope,
    owner_login_url,
)

from ._member import member_of

if t.TYPE_CHECKING:
    from starlette.requests import HTTPConnection, Request

    from wsgi_party import Identity, PartylineOperator
    from wsgi_party.integration import RequestScope

    from ._member import StarletteMember

__all__ = ["party_fragment", "party_identity", "party_login_url"]

#: ASGI scope key of the fragments rendered for a request.
_FRAGMENTS_KEY = "wsgi_party.fragments"


def party_identity(request: HTTPConnection) -> Identity | None:
    """Who is logged in for ``request``, or ``None`` if anonymous.

    The app's own ``identity=`` answers, unless the party names another
    member the owner of ``identity``; otherwise the party is asked (the
    owner, else the first member that answers). Raises
    :class:`~wsgi_party.NoSuchServiceName` when no member offers it.
    """
    member = member_of(request)
    scope = member.scope_for(request)
    if member.answers_itself("identity"):
        return member.identity_of(t.cast("Request", request))
    if scope is None:
        member.identity_alone(member.app_label())
        return None
    operator = _operator(member, scope, "party_identity")
    answer = member.runner.call_blocking(_ask, scope, operator, "identity", None)
    return t.cast("Identity | None", answer)


def party_fragment(request: HTTPConnection, name: str) -> Markup:
    """The layout fragment ``name`` for ``request``, safe for Jinja.

    The app's own ``fragments`` come first (unless another member owns
    ``layout``), then the member that renders ``name``. Each fragment is
    rendered at most once per request.
    """
    rendered: dict[str, Markup] = request.scope.setdefault(_FRAGMENTS_KEY, {})
    fragment = rendered.get(name)
    if fragment is not None:
        return fragment
    member = member_of(request)
    scope = member.scope_for(request)
    if name in member.fragments and member.answers_itself("layout"):
        fragment = Markup(member.render(name, t.cast("Request", request)))
    elif scope is None:
        fragment = Markup(fallback_fragment(member.fragment_fallback, name))
    else:
        operator = _operator(member, scope, f"party_fragment({name!r})")
        try:
            fragment = Markup(member.runner.call_blocking(_ask, scope, operator, "layout", name))
        except UrlBuildError:
            raise  # a link in the owner's fragment that nobody builds: the template's error
        except (NoAnswer, NoSuchServiceName) as exc:
            raise NoAnswer(
                f"no member renders the layout fragment {name!r} for member"
                f" {operator.name!r}: {exc}"
            ) from exc
    rendered[name] = fragment
    return fragment


def party_login_url(request: HTTPConnection, next_url: str | None = None) -> str:
    """The login page of the member that owns login, to come back to ``next_url``.

    ``next_url`` defaults to the page of ``request``: its full path (the
    party's prefix, the app's mount, the path and the query), so the
    visitor comes back to it however the site is mounted. A dependency that
    requires login redirects anonymous visitors there (see the guide).
    Raises :class:`~wsgi_party.NoAnswer` when no member answers ``login``,
    and :class:`~wsgi_party.NoPartylineContext` when the app is in no live
    party.

    .. versionadded:: 0.3
    """
    member = member_of(request)
    scope = member.scope_for(request)
    operator = _operator(member, scope, "party_login_url")
    if next_url is None:
        # The scope's path is text (a2wsgi decodes it): quote it back, "%" too.
        next_url = quote(request.scope["path"], safe=_PATH_SAFE)
        if request.url.query:
            next_url = f"{next_url}?{request.url.query}"
    return member.runner.call_blocking(_login_url, scope, operator, next_url)


#: Characters a path keeps as they are when it is quoted back.
_PATH_SAFE = "/:@!$&'()*+,;=~"


def _operator(member: StarletteMember, scope: RequestScope | None, doing: str) -> PartylineOperator:
    if scope is None:
        raise NoPartylineContext(
            f"{doing} asks the party, and member {member.joined_name()!r} is in no"
            " live party (no WSGIParty invited it, or the party was closed)"
        )
    return scope.operator


def _login_url(scope: RequestScope | None, operator: PartylineOperator, next_url: str) -> str:
    token = enter_scope(scope) if current_scope() is not scope else None
    try:
        return owner_login_url(operator, next_url)
    finally:
        if token is not None:
            leave_scope(token)


def _ask(
    scope: RequestScope | None, operator: PartylineOperator, service: str, payload: t.Any
) -> t.Any:
    token = enter_scope(scope) if current_scope() is not scope else None
    try:
        return operator.ask_first(service, payload)
    finally:
        if token is not None:
            leave_scope(token)
