"""Middleware of the test project's own, switched on by tests with ``override_settings``.

* :class:`LibraryBannerMiddleware` adds ``request.library_banner`` and
  ``request.library_refuse`` (raises ``PermissionDenied`` when a template
  reads it);
* :class:`HeaderUserMiddleware` authenticates from an ``X-Library-User``
  header (as ``RemoteUserMiddleware`` does from ``REMOTE_USER``);
* :class:`LoginRequiredMiddleware` sends anonymous visitors to the login page;
* :class:`AsyncBannerMiddleware` is an async-only one.
"""

from __future__ import annotations

import typing as t

from django.http import HttpResponseRedirect


class LibraryBannerMiddleware:
    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: t.Any) -> t.Any:
        request.library_banner = "City Library"
        request.library_refuse = _refuse
        return self.get_response(request)


def _refuse() -> str:
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("the template refuses")


class HeaderUserMiddleware:
    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: t.Any) -> t.Any:
        from django.contrib.auth.models import User

        username = request.headers.get("X-Library-User")
        if username:
            request.user = User.objects.get(username=username)
        return self.get_response(request)


class LoginRequiredMiddleware:
    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: t.Any) -> t.Any:
        if not request.user.is_authenticated and "/accounts/" not in request.path:
            return HttpResponseRedirect("/legacy/accounts/login/")
        return self.get_response(request)


class AsyncBannerMiddleware:
    """An async-only middleware: Django adapts it in a WSGI project."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        from asgiref.sync import markcoroutinefunction

        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: t.Any) -> t.Any:
        request.library_banner = "Async Library"
        return await self.get_response(request)
