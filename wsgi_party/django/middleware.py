"""``PartyMiddleware``: the Django project's door to the party.

Put it at the top of ``MIDDLEWARE`` (as ``"wsgi_party.django.PartyMiddleware"``)::

    MIDDLEWARE = [
        "wsgi_party.django.PartyMiddleware",
        "django.middleware.security.SecurityMiddleware",
        ...
    ]

It answers the party's invitation itself, so no URLconf change is needed,
and binds every other request to the party (``request.partyline`` and
:data:`wsgi_party.partyline`).
"""

from __future__ import annotations

import typing as t

from django.core.exceptions import DisallowedHost  # type: ignore[import-untyped,unused-ignore]
from django.http import HttpResponse  # type: ignore[import-untyped,unused-ignore]
from django.urls import clear_script_prefix  # type: ignore[import-untyped,unused-ignore]

from wsgi_party import UntrustedHost, bind_request, unbind_request
from wsgi_party.integration import invited_operator

from ._look import serving
from .apps import party_config

__all__ = ["PartyMiddleware"]


class PartyMiddleware:
    """Joins the party it is invited to and binds each request to it.

    A request is an invitation only when its path is the invite path *and*
    ``environ["partyline"]`` is a :class:`~wsgi_party.PartylineOperator`;
    over HTTP the invite path is left alone (Django answers 404 as for any
    unknown URL). Every other request gets ``request.partyline`` (the
    project's operator, ``None`` outside a party) and, in a party, the
    request scope that :data:`wsgi_party.partyline` and cross-app URL
    building read.

    A view (or its template) that asks for an external URL on a host the
    party refuses (:class:`~wsgi_party.UntrustedHost`) gets Django's own
    answer to a bad host: :class:`~django.core.exceptions.DisallowedHost`,
    a 400 Bad Request logged by ``django.security.DisallowedHost``.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: t.Callable[[t.Any], t.Any]) -> None:
        self.get_response = get_response
        self.config = party_config()
        self.membership = self.config.membership

    def __call__(self, request: t.Any) -> t.Any:
        """Answer an invitation, or handle ``request`` inside the party's scope."""
        environ = getattr(request, "environ", None)
        if environ is None:
            request.partyline = None
            return self.get_response(request)
        invitation = invited_operator(environ)
        if invitation is not None:
            try:
                status, body = self.membership.accept(invitation)
                return HttpResponse(
                    body, status=int(status[:3]), content_type="text/plain; charset=utf-8"
                )
            finally:
                # Django's WSGIHandler set the thread's script prefix to the
                # mount for the invitation; left there, reverse() in the
                # same thread (a test, Django's test Client, which never sets
                # it) would put the mount in front of every URL.
                clear_script_prefix()
        operator = self.membership.operator
        request.partyline = operator
        if operator is None:
            return self.get_response(request)
        token = bind_request(operator, environ)
        own = serving.set(True)
        try:
            return self.get_response(request)
        finally:
            serving.reset(own)
            unbind_request(token)

    def process_exception(self, request: t.Any, exception: Exception) -> None:
        """Turn :class:`~wsgi_party.UntrustedHost` into Django's ``DisallowedHost``."""
        if isinstance(exception, UntrustedHost):
            raise DisallowedHost(str(exception)) from exception
