"""Login and look: who is logged in, and the layout fragments, across the party.

In the project's own views and templates::

    from wsgi_party.django import party_fragment, party_identity
    who = party_identity(request)            # an Identity, or None
    header = party_fragment(request, "header")

    {% party_identity as who %}  {% party_fragment "header" %}

The membership answers ``identity`` and ``layout`` for the *current*
request, which is usually another member's: the browser's cookies are in
that member's environ, so a Django request is made from a copy of it
(:func:`~wsgi_party.integration.member_environ`; its body is never read),
and Django's database connections are looked after as Django's request
signals would.
"""

from __future__ import annotations

import contextlib
import typing as t
from contextvars import ContextVar
from importlib import import_module
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.core.handlers.wsgi import WSGIRequest  # type: ignore[import-untyped,unused-ignore]
from django.db import close_old_connections  # type: ignore[import-untyped,unused-ignore]
from django.http import QueryDict  # type: ignore[import-untyped,unused-ignore]
from django.template.loader import (  # type: ignore[import-untyped,unused-ignore]
    render_to_string,
)
from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    get_script_prefix,
    reverse,
    set_script_prefix,
)
from django.utils.functional import (  # type: ignore[import-untyped,unused-ignore]
    SimpleLazyObject,
)
from django.utils.safestring import mark_safe  # type: ignore[import-untyped,unused-ignore]

from wsgi_party import (
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    current_scope,
)
from wsgi_party.integration import fallback_fragment, member_environ

from .apps import fragment_fallback, fragments, identity_enabled, party_config

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from _typeshed.wsgi import WSGIEnvironment

    from wsgi_party import PartylineOperator

__all__ = [
    "current_identity",
    "django_request",
    "identity_of",
    "login_page",
    "party_fragment",
    "party_identity",
    "render_for",
    "serving",
    "user_of",
]

#: True while this context handles a request of the Django project itself.
serving: ContextVar[bool] = ContextVar("wsgi_party.django.serving", default=False)

_IDENTITY_ATTR = "_wsgi_party_identity"
_FRAGMENTS_ATTR = "_wsgi_party_fragments"
_MISSING = object()
_PROJECT = "the Django project"


# -- in the project's own views and templates ----------------------------------


def party_identity(request: t.Any = None) -> Identity | None:
    """Who is logged in for ``request``: an :class:`~wsgi_party.Identity` or ``None``.

    With an owner of ``identity`` named (``WSGIParty(owners=...)`` or
    ``WSGI_PARTY_OWNERS``), the owner answers, even when this project has
    its own auth (``request.user`` itself is left as Django's auth made
    it). Without one, a project that answers ``identity``
    (``django.contrib.auth`` and sessions installed) answers with
    ``request.user`` (or the user of the request's session cookie);
    otherwise the party is asked. A project in no party that does not
    answer gets ``None``, and a warning is logged once. Computed once per
    request and kept on it; ``request=None`` means the current request of
    the party.

    .. versionchanged:: 0.3
       The owner of ``identity`` answers; a warning when alone.
    """
    if request is not None:
        cached = getattr(request, _IDENTITY_ATTR, _MISSING)
        if cached is not _MISSING:
            return t.cast("Identity | None", cached)
    membership = party_config().membership
    operator = membership.operator
    identity: Identity | None
    if membership.answers_itself("identity"):
        if request is not None:
            user = getattr(request, "user", None)
            identity = identity_of(user if user is not None else user_of(request))
        elif operator is not None:
            identity = current_identity(operator.name)
        else:
            identity = None
    elif operator is not None:
        try:
            identity = operator.ask_first("identity", None)
        except (NoAnswer, NoSuchServiceName):
            identity = None
    else:
        membership.identity_alone(_PROJECT)
        identity = None
    if request is not None:
        setattr(request, _IDENTITY_ATTR, identity)
    return identity


def party_fragment(request: t.Any, name: str) -> str:
    """The layout fragment ``name`` for ``request``, marked safe.

    With an owner of ``layout`` named, the owner renders it. Without one, a
    fragment of this project's ``WSGI_PARTY_FRAGMENTS`` is rendered here
    with ``request``; any other is asked of the party (``layout``). A
    project in no party gives the others from
    ``WSGI_PARTY_FRAGMENT_FALLBACK`` (one HTML string, or a dict by
    fragment name), by default ``""``. Each fragment is rendered at most
    once per request.

    .. versionchanged:: 0.3
       The owner of ``layout`` renders; a project alone gets the fallback.
    """
    cache: dict[str, str] | None = None
    if request is not None:
        cache = t.cast("dict[str, str] | None", getattr(request, _FRAGMENTS_ATTR, None))
        if cache is None:
            cache = {}
            setattr(request, _FRAGMENTS_ATTR, cache)
        elif name in cache:
            return cache[name]
    template = fragments().get(name)
    membership = party_config().membership
    operator = membership.operator
    if template is not None and membership.answers_itself("layout"):
        html = str(render_to_string(template, {"fragment": name}, request=request))
    elif operator is None:
        html = fallback_fragment(fragment_fallback(), name)
    else:
        try:
            html = str(operator.ask_first("layout", name))
        except (NoAnswer, NoSuchServiceName) as exc:
            raise NoAnswer(
                f"no member renders the layout fragment {name!r} (asked by member"
                f" {operator.name!r}: {exc})"
            ) from exc
    safe: str = mark_safe(html)
    if cache is not None:
        cache[name] = safe
    return safe


# -- for another member's request ------------------------------------------------


def django_request(environ: WSGIEnvironment) -> t.Any:
    """A Django request for ``environ`` (another member's), leaving it untouched."""
    return WSGIRequest(member_environ(environ))


def _load_session(request: t.Any) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))


def user_of(request: t.Any) -> t.Any:
    """The user of ``request`` from its own session cookie, via Django's auth."""
    from django.contrib.auth import get_user  # type: ignore[import-untyped,unused-ignore]

    if not hasattr(request, "session"):
        _load_session(request)
    return get_user(request)


def identity_of(user: t.Any) -> Identity | None:
    """The :class:`~wsgi_party.Identity` of a Django user; ``None`` if anonymous.

    ``name`` is the username (the full name when there is no username),
    ``roles`` the names of the user's groups plus ``"staff"`` and
    ``"superuser"`` for those flags, ``extra`` the username, full name,
    email and flags.
    """
    if user is None or not user.is_authenticated:
        return None
    username = str(user.get_username())
    get_full_name = getattr(user, "get_full_name", None)
    full_name = str(get_full_name()).strip() if get_full_name is not None else ""
    roles: set[str] = set()
    groups = getattr(user, "groups", None)
    if groups is not None:
        roles.update(str(name) for name in groups.values_list("name", flat=True))
    is_staff = bool(getattr(user, "is_staff", False))
    is_superuser = bool(getattr(user, "is_superuser", False))
    if is_staff:
        roles.add("staff")
    if is_superuser:
        roles.add("superuser")
    email = getattr(user, user.get_email_field_name(), None)
    return Identity(
        id=str(user.pk),
        name=username or full_name,
        roles=frozenset(roles),
        extra={
            "username": username,
            "full_name": full_name,
            "email": email or None,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        },
    )


@contextlib.contextmanager
def database_scope() -> Iterator[None]:
    """Treat the block as a request for Django's database connections.

    Outside a request of the project itself (in another member's thread),
    connections are handled as Django's ``request_started`` and
    ``request_finished`` signals would: obsolete or broken ones are closed
    before, and after (with the default ``CONN_MAX_AGE = 0``, every one this
    block opened). Inside one of the project's own requests Django does that.
    """
    if serving.get():
        yield
        return
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


def current_identity(member: str | None) -> Identity | None:
    """Answer ``identity`` for the current request, from its session cookie."""
    scope = current_scope()
    if scope is None:
        raise NoPartylineContext(
            f"the 'identity' service of member {member!r} answers for the"
            " current request; ask it while a member handles a request"
        )
    with database_scope():
        return identity_of(user_of(django_request(scope.environ)))


def render_for(operator: PartylineOperator, name: str, template: str) -> str:
    """Render fragment ``name`` (``template``) for the current request (another member's).

    The template gets a Django request made from that request's environ,
    with ``request.user`` loaded lazily from its session, ``request.partyline``
    the project's ``operator`` and the script prefix of the project's own
    mount in the party, so ``{% url %}`` links are right. Outside any
    request it is rendered without a request.
    """
    scope = current_scope()
    if scope is None:
        return str(render_to_string(template, {"fragment": name}))
    with database_scope(), _script_prefix(scope.party_root + operator.script_name):
        request = django_request(scope.environ)
        request.partyline = operator
        if identity_enabled():
            _load_session(request)
            request.user = SimpleLazyObject(lambda: user_of(request))
        return str(render_to_string(template, {"fragment": name}, request=request))


def login_page(operator: PartylineOperator, next_url: str | None) -> str:
    """The project's login page (``LOGIN_URL``) in the party, with ``next=next_url``.

    A URL name is reversed under the project's mount in the party; a path
    (Django's default ``/accounts/login/``) is a path of the project, so it
    gets the party's root and the project's mount in front; a full URL is
    used as it is. ``next`` is added as Django's ``redirect_to_login`` adds
    it (``REDIRECT_FIELD_NAME``).
    """
    from django.contrib.auth import REDIRECT_FIELD_NAME  # type: ignore[import-untyped,unused-ignore]

    scope = current_scope()
    prefix = (scope.party_root if scope is not None else "") + operator.script_name
    with _script_prefix(prefix):
        login = str(settings.LOGIN_URL)  # reverse_lazy() is reversed here, under the mount
        try:
            url = str(reverse(login))
        except NoReverseMatch:
            url = f"{prefix}{login}" if login.startswith("/") else login
    if next_url is None:
        return url
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    query[REDIRECT_FIELD_NAME] = next_url
    return urlunsplit(parts._replace(query=query.urlencode(safe="/")))


@contextlib.contextmanager
def _script_prefix(prefix: str) -> Iterator[None]:
    # Django's script prefix is thread- and context-local (asgiref.Local), so
    # setting it here affects this rendering only.
    previous = get_script_prefix()
    set_script_prefix(prefix or "/")
    try:
        yield
    finally:
        set_script_prefix(previous)
