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
passed through the project's ``MIDDLEWARE`` (:func:`in_django_request`),
and Django's database connections are looked after as Django's request
signals would.
"""

from __future__ import annotations

import contextlib
import logging
import typing as t
import weakref
from contextvars import ContextVar
from importlib import import_module
from urllib.parse import urlsplit, urlunsplit

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.core.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    BadRequest,
    ImproperlyConfigured,
    MiddlewareNotUsed,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.handlers.wsgi import WSGIRequest  # type: ignore[import-untyped,unused-ignore]
from django.core.signals import setting_changed  # type: ignore[import-untyped,unused-ignore]
from django.db import close_old_connections  # type: ignore[import-untyped,unused-ignore]
from django.dispatch import receiver  # type: ignore[import-untyped,unused-ignore]
from django.http import (  # type: ignore[import-untyped,unused-ignore]
    Http404,
    HttpResponse,
    QueryDict,  # type: ignore[import-untyped,unused-ignore]
)
from django.template.loader import (  # type: ignore[import-untyped,unused-ignore]
    render_to_string,
)
from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    get_script_prefix,
    reverse,
    set_script_prefix,
)
from django.utils import translation  # type: ignore[import-untyped,unused-ignore]
from django.utils.functional import (  # type: ignore[import-untyped,unused-ignore]
    SimpleLazyObject,
)
from django.utils.module_loading import (  # type: ignore[import-untyped,unused-ignore]
    import_string,
)
from django.utils.safestring import mark_safe  # type: ignore[import-untyped,unused-ignore]

from wsgi_party import (
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    PartylineOperator,
    current_scope,
)
from wsgi_party.integration import fallback_fragment, member_environ

from .apps import fragment_fallback, fragments, identity_enabled, party_config

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "current_identity",
    "django_request",
    "identity_of",
    "login_page",
    "in_django_request",
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

log = logging.getLogger("wsgi_party")


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


def current_identity(
    member: str | None, operator: PartylineOperator | None = None
) -> Identity | None:
    """Answer ``identity`` for the current request (another member's).

    From ``request.user`` of a Django request made for it after the
    project's middleware (:func:`in_django_request`), else from its session
    cookie.

    .. versionchanged:: 0.3
       The project's middleware runs first (with ``operator``), so a custom
       authentication middleware is followed.
    """
    scope = current_scope()
    if scope is None:
        raise NoPartylineContext(
            f"the 'identity' service of member {member!r} answers for the"
            " current request; ask it while a member handles a request"
        )
    if operator is None:
        with database_scope():
            return identity_of(user_of(django_request(scope.environ)))
    return in_django_request(operator, "identity", _identity_of_request)


def render_for(operator: PartylineOperator, name: str, template: str) -> str:
    """Render fragment ``name`` (``template``) for the current request (another member's).

    The template gets a Django request made from that request's environ,
    after the project's middleware (:func:`in_django_request`): its
    ``request.user``, its session and whatever the project's own middleware
    adds; ``request.partyline`` is the project's ``operator``. Outside any
    request it is rendered without a request.

    .. versionchanged:: 0.3
       The project's middleware runs first.
    """
    scope = current_scope()
    if scope is None:
        return str(render_to_string(template, {"fragment": name}))

    def render(request: t.Any) -> str:
        if identity_enabled() and not hasattr(request, "user"):
            if not hasattr(request, "session"):
                _load_session(request)
            request.user = SimpleLazyObject(lambda: user_of(request))
        return str(render_to_string(template, {"fragment": name}, request=request))

    return in_django_request(operator, "layout", render)


def _identity_of_request(request: t.Any) -> Identity | None:
    user = getattr(request, "user", None)
    return identity_of(user if user is not None else user_of(request))


# -- the project's middleware, for another member's request ------------------------

#: Attribute of the borrowed request carrying the answer being made.
_ANSWERING_ATTR = "_wsgi_party_answering"

_T = t.TypeVar("_T")


class _Answering:
    """One answer in progress: what to call where the view would be, what it
    returned or raised."""

    __slots__ = ("error", "operator", "result", "service", "use")

    def __init__(
        self, operator: PartylineOperator, service: str, use: Callable[[t.Any], object]
    ) -> None:
        self.operator = operator
        self.service = service
        self.use = use
        self.result: object = _MISSING
        self.error: BaseException | None = None

    def answer(self, request: t.Any) -> None:
        """Make the answer, keeping what it raised."""
        try:
            self.result = self.use(request)
        except BaseException as exc:
            self.error = exc
            raise

    def answer_as_left(self, request: t.Any, middleware: str, response: object) -> None:
        """``middleware`` answered with ``response`` of its own: warn, then
        answer with the request as the middleware before it left it."""
        _middleware_answered(self.operator, self.service, middleware, response)
        self.answer(request)


def in_django_request(operator: PartylineOperator, service: str, use: Callable[[t.Any], _T]) -> _T:
    """Call ``use`` with a Django request for the current request (another member's).

    The request (:func:`django_request`: the asker's cookies, host and
    path; ``request.partyline`` the project's ``operator``) goes through
    the project's ``MIDDLEWARE`` first, as the project's own requests do,
    but reaches ``use`` instead of a view: ``SessionMiddleware``,
    ``AuthenticationMiddleware`` and the project's own middleware set
    ``request.session``, ``request.user`` and the rest; no URL is resolved,
    so ``process_view``, ``process_exception`` and
    ``process_template_response`` are not called. The script prefix is the
    project's mount in the party, the database connections are looked after
    (:func:`database_scope`) and the active language is restored afterwards.

    A middleware that answers with a response of its own (a redirect to
    HTTPS or to a login page), or raises what Django answers with a 4xx
    response (``Http404``, ``PermissionDenied``, ``BadRequest``,
    ``SuspiciousOperation`` such as ``DisallowedHost``), does not take over
    the asker's page: its response is dropped and ``use`` is called where
    that middleware stood, inside the middleware around it, with the
    request as the middleware before it left it; the ``wsgi_party`` logger
    warns once per service and middleware. Any other exception, and any
    exception of ``use``, propagates to the asker.
    """
    scope = current_scope()
    assert scope is not None  # checked by the callers
    chain = _middleware_chain()
    with (
        database_scope(),
        _script_prefix(scope.party_root + operator.script_name),
        translation.override(translation.get_language()),
    ):
        request = django_request(scope.environ)
        request.partyline = operator
        answering = _Answering(operator, service, use)
        setattr(request, _ANSWERING_ATTR, answering)
        chain(request)
        if answering.result is _MISSING:  # pragma: no cover - every path answers
            answering.answer_as_left(request, "the project's middleware", None)
        return t.cast("_T", answering.result)


def _answer(request: t.Any) -> t.Any:
    """The heart of the middleware chain: the answer, where a view would be."""
    answering: _Answering = getattr(request, _ANSWERING_ATTR)
    answering.answer(request)
    return HttpResponse(b"", content_type="text/plain")


#: What Django's handler answers with a 4xx response when a middleware
#: raises it (``DisallowedHost`` from ``CommonMiddleware``, say): a refusal,
#: like a response of the middleware's own.
_REFUSALS = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)


#: The chain built for the current ``MIDDLEWARE``: (setting, chain).
_chain: tuple[tuple[str, ...], Callable[[t.Any], t.Any]] | None = None


def _middleware_chain() -> Callable[[t.Any], t.Any]:
    """The project's ``MIDDLEWARE`` around :func:`_answer`, built once (again
    when a setting changes).

    Built as Django's handler builds its own (one instance of each
    middleware, ``MiddlewareNotUsed`` honoured, async-only middleware
    adapted), without Django's conversion of exceptions into responses and
    without :class:`~wsgi_party.django.PartyMiddleware`, whose work (the
    party's scope, ``request.partyline``) is done already.
    """
    global _chain  # noqa: PLW0603 - one chain per process, as Django's handler has
    paths = tuple(settings.MIDDLEWARE)
    built = _chain
    if built is not None and built[0] == paths:
        return built[1]
    from .middleware import PartyMiddleware

    handler: Callable[[t.Any], t.Any] = _answer
    for path in reversed(paths):
        factory = import_string(path)
        if isinstance(factory, type) and issubclass(factory, PartyMiddleware):
            continue
        is_async = not getattr(factory, "sync_capable", True)
        try:
            instance = factory(sync_to_async(handler) if is_async else handler)
        except MiddlewareNotUsed:
            continue
        if instance is None:
            raise ImproperlyConfigured(f"Middleware factory {path} returned None.")
        handler = _entering(path, async_to_sync(instance) if is_async else instance)
    _chain = (paths, handler)
    return handler


@receiver(setting_changed)
def _forget_chain(**kwargs: object) -> None:
    """Middleware read settings when made (``override_settings`` in tests)."""
    global _chain  # noqa: PLW0603 - see _middleware_chain
    _chain = None


def _entering(path: str, middleware: Callable[[t.Any], t.Any]) -> Callable[[t.Any], t.Any]:
    def enter(request: t.Any) -> t.Any:
        answering: _Answering = getattr(request, _ANSWERING_ATTR)
        try:
            response: object = middleware(request)
        except _REFUSALS as exc:
            if answering.error is exc or answering.result is not _MISSING:
                raise  # the answer's own, or after the answer: not a refusal
            response = exc
        if answering.result is _MISSING and answering.error is None:
            # This middleware answered without calling the ones below:
            # answer here, inside the middleware around it.
            answering.answer_as_left(request, path, response)
        if isinstance(response, BaseException):
            return HttpResponse(b"", content_type="text/plain")
        return response

    return enter


#: Per party (its member's operator): (service, middleware) pairs warned about.
_warned: weakref.WeakKeyDictionary[PartylineOperator, set[tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _middleware_answered(
    operator: PartylineOperator, service: str, middleware: str, response: t.Any
) -> None:
    warned = _warned.setdefault(operator, set())
    if (service, middleware) in warned:
        return
    warned.add((service, middleware))
    if isinstance(response, BaseException):
        status = f"{type(response).__name__}: {response}"
        location = None
    else:
        status = f"{getattr(response, 'status_code', '?')}"
        location = response.get("Location") if hasattr(response, "get") else None
    log.warning(
        "member %r answered %r for another member's request without the"
        " response its middleware %s returned (%s%s): the page is the asker's;"
        " the answer is given as the middleware before it left the request",
        operator.name,
        service,
        middleware,
        status,
        f" to {location}" if location else "",
    )


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
