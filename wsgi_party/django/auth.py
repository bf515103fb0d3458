"""Login required by a Django project that does not own login.

The member that owns login says who is logged in (``identity``) and where
its login page is (``login``); the project keeps ``login_required``,
``permission_required`` and ``request.user`` as Django has them, with users
mapped from the owner's answer the way Django's ``RemoteUserBackend`` maps
``REMOTE_USER``::

    # settings.py
    MIDDLEWARE = [
        "wsgi_party.django.PartyMiddleware",
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "wsgi_party.django.auth.PartyUserMiddleware",       # after it
    ]
    AUTHENTICATION_BACKENDS = ["wsgi_party.django.auth.PartyBackend"]
    LOGIN_URL = "login"

    # urls.py
    from wsgi_party.django.auth import party_login
    urlpatterns = [path("login/", party_login, name="login"), ...]

``login_required`` then sends an anonymous visitor to this project's
``login/``, which redirects to the owner's login page with ``next=`` back to
the page (its full path, under any prefix).
"""

from __future__ import annotations

import functools
import typing as t

from asgiref.sync import sync_to_async
from django.contrib import auth  # type: ignore[import-untyped,unused-ignore]
from django.contrib.auth import (  # type: ignore[import-untyped,unused-ignore]
    REDIRECT_FIELD_NAME,
    get_user_model,
)
from django.contrib.auth.backends import ModelBackend  # type: ignore[import-untyped,unused-ignore]
from django.contrib.auth.models import (  # type: ignore[import-untyped,unused-ignore]
    AnonymousUser,
    Group,
)
from django.http import (  # type: ignore[import-untyped,unused-ignore]
    HttpResponse,
    HttpResponseRedirect,
)
from django.utils.functional import (  # type: ignore[import-untyped,unused-ignore]
    SimpleLazyObject,
)
from django.utils.http import (  # type: ignore[import-untyped,unused-ignore]
    url_has_allowed_host_and_scheme,
)

from wsgi_party import NoPartylineContext
from wsgi_party.integration import not_in_party, owner_login_url

from ._look import party_identity
from .apps import PARTY_USER_MIDDLEWARE_PATH, PartyImproperlyConfigured, party_config

if t.TYPE_CHECKING:
    from wsgi_party import Identity

__all__ = ["PartyBackend", "PartyUserMiddleware", "party_login", "party_login_url", "party_user"]


_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
_THIS = PARTY_USER_MIDDLEWARE_PATH


class PartyBackend(ModelBackend):  # type: ignore[misc,unused-ignore]
    """An authentication backend for the users the login owner vouches for.

    :class:`PartyUserMiddleware` calls ``authenticate(request,
    party_identity=identity)``; the backend finds the user whose username is
    ``clean_username(username_of(identity))`` (by default the identity's
    ``id``), creating it when :attr:`create_unknown_user` (with an unusable
    password: it never logs in here), and :meth:`configure_user` brings its
    flags and groups in line with the identity's roles. Permissions come
    from the user and its groups, as with Django's ``ModelBackend``.
    """

    #: Create a user for an identity that has none yet (else: anonymous).
    create_unknown_user = True
    #: Roles that make the user ``is_staff``.
    staff_roles: t.Collection[str] = frozenset({"staff"})
    #: Roles that make the user ``is_superuser``.
    superuser_roles: t.Collection[str] = frozenset({"superuser"})
    #: Make the user a member of exactly the existing groups named like its roles.
    sync_groups = True

    def authenticate(  # type: ignore[override,unused-ignore]  # as RemoteUserBackend's
        self, request: t.Any, party_identity: Identity | None = None, **kwargs: t.Any
    ) -> t.Any:
        """The user for ``party_identity``, or ``None``."""
        if party_identity is None:
            return None
        user_model: t.Any = get_user_model()
        username = self.clean_username(self.username_of(party_identity))
        manager = user_model._default_manager
        if self.create_unknown_user:
            user, created = manager.get_or_create(**{user_model.USERNAME_FIELD: username})
        else:
            try:
                user, created = manager.get_by_natural_key(username), False
            except user_model.DoesNotExist:
                return None
        user = self.configure_user(request, user, party_identity, created=created)
        user.party_identity = party_identity
        return user if self.user_can_authenticate(user) else None

    def username_of(self, identity: Identity) -> str:
        """The username that stands for ``identity``: its ``id`` (stable in the owner)."""
        return identity.id

    def clean_username(self, username: str) -> str:
        """Change the username before it is looked up (as ``RemoteUserBackend``)."""
        return username

    def configure_user(
        self, request: t.Any, user: t.Any, identity: Identity, created: bool = True
    ) -> t.Any:
        """Bring ``user`` in line with ``identity``: flags, groups; saved when changed.

        ``is_staff`` follows :attr:`staff_roles`, ``is_superuser``
        :attr:`superuser_roles`, the groups :attr:`sync_groups`. A new user
        gets an unusable password. Override to copy more (names, email).
        """
        changed: list[str] = []
        if created and hasattr(user, "set_unusable_password"):
            user.set_unusable_password()
            changed.append("password")
        for flag, roles in (("is_staff", self.staff_roles), ("is_superuser", self.superuser_roles)):
            if hasattr(user, flag):
                wanted = any(role in identity.roles for role in roles)
                if getattr(user, flag) != wanted:
                    setattr(user, flag, wanted)
                    changed.append(flag)
        if changed:
            user.save(update_fields=changed)
        if self.sync_groups and hasattr(user, "groups"):
            wanted_groups = set(
                Group.objects.filter(name__in=identity.roles).values_list("pk", flat=True)
            )
            if set(user.groups.values_list("pk", flat=True)) != wanted_groups:
                user.groups.set(wanted_groups)
        return user


class PartyUserMiddleware:
    """Makes ``request.user`` (and ``request.auser()``) the user the login owner says is logged in.

    Put it after ``AuthenticationMiddleware`` (or instead of it). For every
    request ``request.user`` is, lazily, the user :class:`PartyBackend`
    gives for the owner's :func:`~wsgi_party.django.party_identity`, or an
    ``AnonymousUser``: nothing is kept in this project's session, so logging
    in and out on the owner's pages counts at once. With it in
    ``MIDDLEWARE`` the project no longer answers ``identity`` itself.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        from django.conf import settings  # type: ignore[import-untyped,unused-ignore]

        if getattr(settings, "WSGI_PARTY_IDENTITY", None):
            raise PartyImproperlyConfigured(
                "WSGI_PARTY_IDENTITY = True answers 'identity' from this project's own"
                " users, but PartyUserMiddleware takes them from the party: the"
                " project would ask itself; remove one of them"
            )
        middleware = list(settings.MIDDLEWARE or ())
        if (
            _AUTH_MIDDLEWARE in middleware
            and _THIS in middleware
            and middleware.index(_AUTH_MIDDLEWARE) > middleware.index(_THIS)
        ):
            raise PartyImproperlyConfigured(
                f"{_THIS!r} must come after {_AUTH_MIDDLEWARE!r} in MIDDLEWARE,"
                " or the session's own user replaces the owner's"
            )
        if not any(isinstance(backend, PartyBackend) for backend in auth.get_backends()):
            raise PartyImproperlyConfigured(
                "PartyUserMiddleware needs 'wsgi_party.django.auth.PartyBackend' (or a"
                " subclass) in AUTHENTICATION_BACKENDS"
            )
        self.get_response = get_response

    def __call__(self, request: t.Any) -> t.Any:
        """Set ``request.user`` and ``request.auser`` (lazily) and handle the request."""
        user = SimpleLazyObject(lambda: party_user(request))
        request.user = user
        # What async views and Django's decorators on them await.
        request.auser = functools.partial(_auser, user)
        return self.get_response(request)


async def _auser(user: t.Any) -> t.Any:
    # The lazy user reads the database: load it in a thread, then hand it over.
    await sync_to_async(getattr)(user, "is_authenticated")
    return user


def party_user(request: t.Any) -> t.Any:
    """The user of ``request`` the login owner vouches for, else an ``AnonymousUser``."""
    identity = party_identity(request)
    if identity is None:
        return AnonymousUser()
    user = auth.authenticate(request, party_identity=identity)
    return user if user is not None else AnonymousUser()


def party_login_url(request: t.Any, next_url: str | None = None) -> str:
    """The owner's login page, to come back to ``next_url`` (default: this page).

    ``next_url`` defaults to the request's full path (the party's prefix,
    the project's mount, the path and the query). Raises
    :class:`~wsgi_party.NoAnswer` when no member answers ``login``.
    """
    next_url = request.get_full_path() if next_url is None else next_url
    return owner_login_url(_operator(), next_url)


def party_login(request: t.Any) -> HttpResponse:
    """A view for ``LOGIN_URL``: redirect to the owner's login page.

    ``?next=`` (Django's ``REDIRECT_FIELD_NAME``, as ``login_required``
    sends it) is passed on when it points to this site; any other is
    dropped, as Django's ``LoginView`` would. Django's
    ``LoginRequiredMiddleware`` lets anonymous visitors reach it. A project
    alone (in no party) has no owner's login page: 401 Unauthorized, saying
    so.
    """
    if party_config().membership.operator is None:
        return HttpResponse(not_in_party("the Django project"), status=401)
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or None
    if next_url is not None and not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = None
    return HttpResponseRedirect(owner_login_url(_operator(), next_url))


# Open to anonymous visitors under Django's LoginRequiredMiddleware (5.1+), as
# its login_not_required decorator marks a view; without it the login page
# would itself require login.
party_login.login_required = False  # type: ignore[attr-defined]


def _operator() -> t.Any:
    operator = party_config().membership.operator
    if operator is None:
        raise NoPartylineContext(
            "this Django project is not in a live party: there is no login owner"
            " to send the visitor to"
        )
    return operator
