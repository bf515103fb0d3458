"""Make any WSGI application a party member.

Wrap the app where you mount it; the wrapper answers the invitation and binds
:data:`wsgi_party.partyline` during the app's requests::

    from wsgi_party import PartyMember

    status = PartyMember(status_app, name="status", services={
        "health": lambda payload: {"ok": True},
    })
    application = WSGIParty(DispatcherMiddleware(shop, {"/status": status}))

An app routed by a werkzeug :class:`~werkzeug.routing.Map` (found as
``app.url_map``, or passed as ``url_map=``) answers ``url``, ``routes`` and
``match`` from it with no more code. Every member answers ``ping``. A
service given in ``services`` replaces the standard handler of that name.

The wrapper is the member: one WSGI app wrapped twice (static files at
``/css`` and at ``/img``) makes two members, each with its own name and
services. :data:`~wsgi_party.partyline` stays bound while a streamed body
(a generator) is iterated and closed.
"""

from __future__ import annotations

import typing as t

from werkzeug.routing import Map

from ._context import RequestScope, _reset_scope, _set_scope
from ._exceptions import UntrustedHost
from ._invitations import INVITE_PATH
from ._operator import Handler, PartylineOperator
from ._routing import connect_map_services
from ._services import standard_handlers

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["PartyMember"]

#: The environ key of the operator; the same as ``WSGIParty.partyline_key``.
PARTYLINE_KEY = "partyline"


class PartyMember:
    """WSGI wrapper that makes ``app`` join the party it is invited to.

    ``name`` is the member name (default: derived from the mount).
    ``services`` maps service names to handlers to connect on joining; each
    replaces the standard handler of its name (``ping``, ``url``, ``routes``,
    ``match``). ``url_map`` is the app's werkzeug ``Map``, if it is not
    ``app.url_map``.

    The wrapper, not ``app``, is the member: two wrappers around one app
    join as two members. An :class:`~wsgi_party.UntrustedHost` raised by the
    app is answered with 400 Bad Request.

    .. versionchanged:: 0.3
       Given services replace the standard ones; the wrapper is the member;
       the request scope stays bound while a streamed body runs.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        name: str | None = None,
        services: Mapping[str, Handler] | None = None,
        url_map: Map | None = None,
    ) -> None:
        self.app = app
        self.name = name
        self.services: dict[str, Handler] = dict(services or {})
        found = url_map if url_map is not None else getattr(app, "url_map", None)
        self.url_map: Map | None = found if isinstance(found, Map) else None
        #: The operator of the party this app is a member of, if any.
        self.operator: PartylineOperator | None = None

    def __repr__(self) -> str:
        return f"<PartyMember {self.name!r} of {self.app!r}>"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operator = environ.get(PARTYLINE_KEY)
        if isinstance(operator, PartylineOperator) and (
            environ.get("PATH_INFO", "").rstrip("/") == INVITE_PATH.rstrip("/")
        ):
            return self._accept(operator, start_response)
        current = self.operator
        if current is None:
            return self.app(environ, start_response)
        scope = RequestScope(current, environ)
        token = _set_scope(scope)
        try:
            body = self.app(environ, start_response)
            # A list was built while the app ran; any other body may run
            # code (a generator building links) as the server iterates it.
            if type(body) is not list and type(body) is not environ.get("wsgi.file_wrapper"):
                body = _ScopedBody(body, scope)
        except UntrustedHost as exc:
            return exc(environ, start_response)
        finally:
            _reset_scope(token)
        return body

    def _accept(self, operator: PartylineOperator, start_response: StartResponse) -> list[bytes]:
        if not operator.join(self, name=self.name):
            body = (operator.declined or "declined").encode()
            start_response("409 Conflict", [("Content-Type", "text/plain; charset=utf-8")])
            return [body]
        given = self.services
        for service_name, handler in given.items():
            operator.connect(service_name, handler)
        if self.url_map is not None:
            connect_map_services(operator, self.url_map, skip=given)
        else:
            standard_handlers(operator, skip=given)
        self.operator = operator
        operator.on_close(lambda: self._left(operator))
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"joined\n"]

    def _left(self, operator: PartylineOperator) -> None:
        if self.operator is operator:
            self.operator = None


class _ScopedBody:
    """A member's streamed body, run with its request scope bound.

    The scope is bound around each chunk and around ``close()`` only, so
    code in the body (a generator building links) sees
    :data:`~wsgi_party.partyline`, and the server's own code between chunks
    and the thread's next request never do.
    """

    __slots__ = ("_body", "_chunks", "_scope")

    def __init__(self, body: Iterable[bytes], scope: RequestScope) -> None:
        self._body = body
        self._chunks: Iterator[bytes] = iter(body)
        self._scope = scope

    def __iter__(self) -> _ScopedBody:
        return self

    def __next__(self) -> bytes:
        token = _set_scope(self._scope)
        try:
            return next(self._chunks)
        finally:
            _reset_scope(token)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            token = _set_scope(self._scope)
            try:
                close()
            finally:
                _reset_scope(token)
