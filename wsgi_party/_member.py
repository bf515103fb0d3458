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

from werkzeug.routing import BuildError, Map

from ._exceptions import UntrustedHost
from ._routing import map_matcher
from .integration import (
    Membership,
    RequestScope,
    checked_aliases,
    enter_scope,
    invited_operator,
    leave_scope,
    map_build_failed,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._operator import Handler

__all__ = ["PartyMember"]


class PartyMember(Membership):
    """WSGI wrapper that makes ``app`` join the party it is invited to.

    ``name`` is the member name (default: derived from the mount).
    ``services`` maps service names to handlers to connect on joining; each
    replaces the standard handler of its name (``ping``, ``url``, ``routes``,
    ``match``). ``url_map`` is the app's werkzeug ``Map``, if it is not
    ``app.url_map``. ``aliases`` maps legacy endpoint names to the app's
    own endpoints: routes it took over (see :ref:`moved-names`).

    The wrapper, not ``app``, is the member: two wrappers around one app
    join as two members. An :class:`~wsgi_party.UntrustedHost` raised by the
    app is answered with 400 Bad Request.

    .. versionchanged:: 0.3
       Given services replace the standard ones; the wrapper is the member;
       the request scope stays bound while a streamed body runs; added
       ``aliases``.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        name: str | None = None,
        services: Mapping[str, Handler] | None = None,
        url_map: Map | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(self, name)
        self.aliases = checked_aliases(aliases, "PartyMember(aliases=...)")
        #: The wrapped WSGI app.
        self.app = app
        #: Handlers by service name, connected on joining.
        self.services: dict[str, Handler] = dict(services or {})
        found = url_map if url_map is not None else getattr(app, "url_map", None)
        #: The werkzeug ``Map`` the app routes by, if any.
        self.url_map: Map | None = found if isinstance(found, Map) else None

    def __repr__(self) -> str:
        return f"<PartyMember {self.name!r} of {self.app!r}>"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operator = invited_operator(environ)
        if operator is not None:
            return self.answer_invitation(operator, start_response)
        current = self.operator
        if current is None:
            return self.app(environ, start_response)
        scope = RequestScope(current, environ)
        token = enter_scope(scope)
        try:
            body = self.app(environ, start_response)
            # A list was built while the app ran; any other body may run
            # code (a generator building links) as the server iterates it.
            if type(body) is not list and type(body) is not environ.get("wsgi.file_wrapper"):
                body = _ScopedBody(body, scope)
        except UntrustedHost as exc:
            return exc(environ, start_response)
        finally:
            leave_scope(token)
        return body

    # -- what the member answers, from its map --------------------------------

    def given_services(self) -> Mapping[str, Handler]:
        return self.services

    def offers(self, service_name: str) -> bool:
        return self.url_map is not None and super().offers(service_name)

    def connect(self, operator: t.Any) -> None:
        if self.url_map is not None:
            # Bound once; the adapter re-reads the map when rules are added
            # later, so routes added after the invitation still count.
            self._adapter = self.url_map.bind("localhost", script_name="/")
            self._matcher = map_matcher(self.url_map)
        super().connect(operator)

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            path: str = self._adapter.build(endpoint, values, method=method, append_unknown=True)
        except (BuildError, ValueError) as exc:
            assert self.url_map is not None  # url is offered only with a map
            map_build_failed(self.operator_name, self.url_map, endpoint, values, exc, method=method)
        values.clear()
        return path

    def builds_purely(self, endpoint: str) -> bool:
        return True  # a Map builds from the rule and its values alone

    def list_routes(self) -> Iterator[tuple[str, str, Iterable[str]]]:
        assert self.url_map is not None
        for rule in self.url_map.iter_rules():
            yield str(rule.endpoint), rule.rule, rule.methods or ()

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        return self._matcher(method, path)

    @property
    def operator_name(self) -> str | None:
        """The name the member joined under, else the one it asked for."""
        return self.operator.name if self.operator is not None else self.name


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
        token = enter_scope(self._scope)
        try:
            return next(self._chunks)
        finally:
            leave_scope(token)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            token = enter_scope(self._scope)
            try:
                close()
            finally:
                leave_scope(token)
