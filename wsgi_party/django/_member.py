"""How the Django project joins a party and answers its services.

:class:`~wsgi_party.django.PartyMiddleware` calls :func:`accept` with the
operator of an invitation::

    response = accept(party_config(), operator)   # 200, or 409 if declined

The project then answers ``url``, ``ping``, ``routes`` and ``match`` from its
URLconf, ``identity`` from its sessions and auth, and ``layout`` from the
templates named in ``WSGI_PARTY_FRAGMENTS``. ``identity`` and ``layout``
answer for the *current* request, which is usually another member's: the
browser's cookies are in that member's environ, so a Django request is built
from a copy of it (its body is never read), and Django's database connections
are looked after as Django's request signals would.
"""

from __future__ import annotations

import contextlib
import io
import typing as t
from contextvars import ContextVar
from importlib import import_module

from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.core.handlers.wsgi import WSGIRequest  # type: ignore[import-untyped,unused-ignore]
from django.db import close_old_connections  # type: ignore[import-untyped,unused-ignore]
from django.http import HttpResponse  # type: ignore[import-untyped,unused-ignore]
from django.template.loader import (  # type: ignore[import-untyped,unused-ignore]
    render_to_string,
)
from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    Resolver404,
    get_script_prefix,
    set_script_prefix,
)
from django.utils.encoding import (  # type: ignore[import-untyped,unused-ignore]
    repercent_broken_unicode,
)
from django.utils.functional import (  # type: ignore[import-untyped,unused-ignore]
    SimpleLazyObject,
)

from wsgi_party import (
    HighAndDry,
    Identity,
    NoPartylineContext,
    current_scope,
    standard_handlers,
    url_handler,
)
from wsgi_party.integration import no_route, no_such_endpoint

from ._reverse import list_routes, resolve_route
from .apps import fragments, identity_enabled, member_name

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from _typeshed.wsgi import WSGIEnvironment

    from wsgi_party import PartylineOperator

    from .apps import PartyConfig

__all__ = [
    "accept",
    "django_request",
    "identity_of",
    "render_fragment",
    "serving",
    "user_of",
]

_TEXT = "text/plain; charset=utf-8"

#: True while this context handles a request of the Django project itself.
serving: ContextVar[bool] = ContextVar("wsgi_party.django.serving", default=False)


def accept(config: PartyConfig, operator: PartylineOperator) -> t.Any:
    """Join the party of ``operator`` and connect every service.

    Returns the invite route's response: 200, or 409 with the reason when
    the project is already a member of another live party.
    """
    if not operator.join(config, name=member_name()):
        return HttpResponse(operator.declined or "declined", status=409, content_type=_TEXT)

    reverser = config.reverser

    def build_path(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            return reverser.path(endpoint, values, request_urlconf=False)
        except NoReverseMatch:
            raise no_such_endpoint(operator.name, endpoint) from None

    def match(method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]]:
        try:
            return resolve_route(_path_text(path)), True, ()
        except Resolver404:
            raise no_route(operator.name, method, path) from None

    url = url_handler(operator, build_path, pure=reverser.pure)
    operator.connect("url", url)
    standard_handlers(operator, list_routes, match)
    if identity_enabled():
        operator.connect("identity", lambda payload: current_identity(operator))
    if fragments():
        operator.connect("layout", lambda payload: answer_layout(operator, payload))
    config.operator = operator
    config.url = url
    operator.on_close(lambda: config.left(operator))
    return HttpResponse("joined\n", content_type=_TEXT)


def _path_text(path: str) -> str:
    """A WSGI ``PATH_INFO`` (bytes as a latin-1 string) as Django's ``path_info``.

    Decoded as :class:`~django.core.handlers.wsgi.WSGIRequest` decodes it;
    a path with characters beyond latin-1 is taken as text already.
    """
    if path.isascii():
        return path
    try:
        raw = path.encode("latin-1")
    except UnicodeEncodeError:
        return path
    return str(repercent_broken_unicode(raw).decode())


# -- the current request, as Django sees it ------------------------------------


def django_request(environ: WSGIEnvironment) -> t.Any:
    """A Django request for ``environ`` (another member's), leaving it untouched.

    The environ is copied and given an empty body, so the owner's
    ``wsgi.input`` is never read.
    """
    copied = dict(environ)
    copied["wsgi.input"] = io.BytesIO()
    copied["CONTENT_LENGTH"] = "0"
    copied.setdefault("REQUEST_METHOD", "GET")
    return WSGIRequest(copied)


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


def current_identity(operator: PartylineOperator) -> Identity | None:
    """Answer ``identity`` for the current request, from its session cookie."""
    scope = current_scope()
    if scope is None:
        raise NoPartylineContext(
            f"the 'identity' service of member {operator.name!r} answers for the"
            " current request; ask it while a member handles a request"
        )
    with database_scope():
        return identity_of(user_of(django_request(scope.environ)))


# -- layout --------------------------------------------------------------------


def answer_layout(operator: PartylineOperator, payload: object) -> str:
    """Answer ``layout``: render the fragment ``payload`` for the current request."""
    declared = fragments()
    template = declared.get(payload) if isinstance(payload, str) else None
    if template is None:
        raise HighAndDry(
            f"member {operator.name!r} declares no layout fragment {payload!r}"
            f" (WSGI_PARTY_FRAGMENTS: {', '.join(map(repr, declared)) or 'none'})"
        )
    return render_fragment(operator, t.cast(str, payload), template)


def render_fragment(operator: PartylineOperator, name: str, template: str) -> str:
    """Render ``template`` for the current request (another member's).

    The template gets a Django request built from that request's environ,
    with ``request.user`` loaded lazily from its session, and the script
    prefix of the project's own mount, so ``{% url %}`` links are right.
    Outside any request it is rendered without a request.
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
