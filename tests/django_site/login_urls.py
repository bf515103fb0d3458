"""URLconf of the test project when another member owns login (tests/test_login.py).

The project's own routes, plus pages that require login and a permission,
and :func:`wsgi_party.django.auth.party_login` as ``LOGIN_URL``.
"""

from __future__ import annotations

import typing as t

from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.urls import path

from wsgi_party.django.auth import PartyBackend, party_login

from .urls import urlpatterns as project_patterns


class KnownUsersOnly(PartyBackend):
    """A backend that maps identities to existing users only."""

    create_unknown_user = False


def _user(request: t.Any) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "can_view_users": user.has_perm("auth.view_user"),
            "identity_name": user.party_identity.name,
        }
    )


@login_required
def private(request: t.Any) -> JsonResponse:
    """A page for logged-in users."""
    return _user(request)


@login_required
@permission_required("auth.view_user", raise_exception=True)
def users(request: t.Any) -> JsonResponse:
    """A page for users with a permission (from a group named like a role)."""
    return _user(request)


@login_required
async def private_async(request: t.Any) -> JsonResponse:
    """An async page for logged-in users (Django's decorator awaits ``request.auser()``)."""
    user = await request.auser()
    return JsonResponse({"username": user.get_username()})


urlpatterns = [
    path("private/", private, name="private"),
    path("private-async/", private_async, name="private-async"),
    path("users/", users, name="users"),
    path("party-login/", party_login, name="party-login"),
    *project_patterns,
]
