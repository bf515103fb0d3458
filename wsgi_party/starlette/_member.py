"""A Starlette or FastAPI app as a party member: :class:`StarletteMember`.

The member is a WSGI app (the ASGI app runs through a2wsgi on an event
loop thread of the member's own, see :mod:`._runner`) that answers the
party's invitation itself and answers ``url``, ``routes`` and ``match`` from
the app's router, ``identity`` from the ``identity=`` callable and
``layout`` from the ``fragments=`` templates::

    api = StarletteMember(fastapi_app, name="api", identity=current_user,
                          fragments={"header": "header.html"}, templates=templates)
    application = WSGIParty(DispatcherMiddleware(legacy, {"/api": api}))
"""

from __future__ import annotations

import inspect
import logging
import typing as t
import weakref

from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse

from wsgi_party import (
    Identity,
    NoAnswer,
    NoPartylineContext,
    PartylineException,
    PartylineOperator,
    UntrustedHost,
)
from wsgi_party.integration import (
    Membership,
    RequestScope,
    check_fallback,
    current_scope,
    enter_scope,
    invited_operator,
    leave_scope,
    member_environ,
)

from ._compat import asgi_scope_for, environ_for
from ._routes import RouteTable, find_router
from ._runner import MEMBER_KEY, OPERATOR_KEY, SCOPE_KEY, BindScope, LoopRunner, scope_of

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from starlette.templating import Jinja2Templates

    from ._runner import ASGIApp

__all__ = ["MEMBER_KEY", "IdentityCallable", "StarletteMember", "member_of"]

#: The ``identity=`` callable: called with a Starlette ``Request`` for the
#: current request (its cookies and headers); returns the logged-in user as
#: a :class:`~wsgi_party.Identity`, or ``None``. A plain function: it runs
#: in the thread that asks.
IdentityCallable = t.Callable[[Request], Identity | None]

_T = t.TypeVar("_T")

_log = logging.getLogger("wsgi_party.starlette")

#: Each member by ``id()`` of its app (the member keeps the app alive).
_MEMBERS: weakref.WeakValueDictionary[int, StarletteMember] = weakref.WeakValueDictionary()


class StarletteMember(Membership):
    """WSGI app that makes the Starlette or FastAPI ``app`` a party member.

    Mount it where the app is served (a werkzeug ``DispatcherMiddleware``, a
    :class:`~wsgi_party.RouteDispatcher`), wrap the whole in
    :class:`~wsgi_party.WSGIParty`. ``name`` is the member name (default:
    derived from the mount). ``identity`` makes the app the owner of login:
    a function of a Starlette ``Request`` returning a
    :class:`~wsgi_party.Identity` or ``None``. ``fragments`` maps layout
    fragment names to template names, rendered with ``templates`` (a
    ``Jinja2Templates``; default: ``app.state.templates``).

    The app's routes answer ``url`` (as ``url_path_for`` builds them),
    ``routes`` and ``match``. :data:`wsgi_party.partyline` is bound in its
    endpoints, dependencies and templates, ``def`` and ``async def`` alike.
    The wrapper is the member; its event loop thread starts with the first
    request and stops when the party closes (or at :meth:`close`).
    ``wait_time`` is a2wsgi's: how long a response waits for the app's
    background tasks (``None``: until they end). ``fragment_fallback`` is
    the HTML of other members' fragments while the app is in no party (its
    own server or tests): one string, or a dict by fragment name; default
    ``""`` (see :ref:`alone`).

    .. versionadded:: 0.3
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        name: str | None = None,
        identity: IdentityCallable | None = None,
        fragments: Mapping[str, str] | None = None,
        templates: Jinja2Templates | None = None,
        wait_time: float | None = None,
        fragment_fallback: str | Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(self, name)
        #: Other members' fragments while the app is in no party.
        self.fragment_fallback = check_fallback(
            fragment_fallback, "StarletteMember(fragment_fallback=...)"
        )
        #: The ASGI app.
        self.app = app
        #: The identity callable, if the app owns login.
        self.identity_callable = identity
        #: Layout fragment name -> template name.
        self.fragments: dict[str, str] = dict(fragments or {})
        self._templates = templates
        router = find_router(app)
        #: The app's routes, or ``None`` when it has no Starlette router.
        self.route_table: RouteTable | None = (
            RouteTable(router, self.joined_name) if router is not None else None
        )
        #: Serves the app through a2wsgi on the member's event loop thread.
        self.runner = LoopRunner(BindScope(app, self), member=self, wait_time=wait_time)
        _answer_untrusted_hosts(app)
        self._root_checked = False
        # So that a request the app gets without the member (its own
        # TestClient) still finds it: see member_of.
        _MEMBERS[id(app)] = self

    def __repr__(self) -> str:
        return f"<StarletteMember {self.joined_name()!r} of {self.app!r}>"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operator = invited_operator(environ)
        if operator is not None:
            return self.answer_invitation(operator, start_response)
        current = self.operator
        if current is not None:
            environ[OPERATOR_KEY] = current
            if not self._root_checked:
                self._check_root_path(environ.get("SCRIPT_NAME", ""))
        return self.runner(environ, start_response)

    def _check_root_path(self, served_at: str) -> None:
        """Warn, once, when a FastAPI ``root_path=`` hides where the party serves the app.

        FastAPI puts its own ``root_path`` in every request's scope in place
        of the one a2wsgi gives (the party's prefix and the mount), so
        Starlette routes and builds ``request.url_for`` for another place
        than the party's links point to.
        """
        self._root_checked = True
        own = getattr(self.app, "root_path", None)
        if isinstance(own, str) and own and own != served_at:
            _log.warning(
                "member %r: the app sets root_path=%r but the party serves it at %r;"
                " FastAPI puts its root_path in every request, so its routes may not be"
                " found (404) and request.url_for differs from the party's links:"
                " drop root_path= (the party gives each request its root), or serve"
                " the app at %r",
                self.joined_name(),
                own,
                served_at,
                own,
            )

    def close(self) -> None:
        """Stop the member's event loop and join its thread (the party does it on close)."""
        self.runner.close()

    def joined_name(self) -> str | None:
        """The name the member joined under, else the one it asked for."""
        operator = self.operator
        return operator.name if operator is not None else self.name

    def app_label(self) -> str:
        """The app as messages name it: ``Starlette app 'api'``, or
        ``the Starlette app`` when it has no name (alone, none given)."""
        name = self.joined_name()
        return f"Starlette app {name!r}" if name is not None else "the Starlette app"

    @property
    def templates(self) -> Jinja2Templates | None:
        """The templates fragments render with: given, else ``app.state.templates``."""
        if self._templates is not None:
            return self._templates
        state = getattr(self.app, "state", None)
        return getattr(state, "templates", None) if state is not None else None

    # -- what the member answers ------------------------------------------------

    def offers(self, service_name: str) -> bool:
        if service_name in ("url", "routes", "match"):
            return self.route_table is not None
        if service_name == "identity":
            return self.identity_callable is not None
        return super().offers(service_name)

    def left(self, operator: PartylineOperator) -> None:
        self.runner.close()

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        assert self.route_table is not None
        return self.route_table.build(endpoint, values, method)

    def builds_purely(self, endpoint: str) -> bool:
        return True  # url_path_for builds from the route and its values alone

    def list_routes(self) -> Iterator[tuple[str, str, Iterable[str]]]:
        assert self.route_table is not None
        return self.route_table.routes()

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        assert self.route_table is not None
        return self.route_table.match(method, path)

    def identity(self) -> Identity | None:
        return self.answer_for_current("identity", self.identity_of)

    def render_fragment(self, name: str) -> str:
        return self.answer_for_current("layout", lambda request: self.render(name, request))

    # -- answering for a request ---------------------------------------------------

    def scope_for(self, request: HTTPConnection) -> RequestScope | None:
        """The party's request scope of ``request``; ``None`` when the member is in no party.

        A request served through the member carries it. One the app got
        directly (its own ``TestClient``, a server running the app) gets one
        made from its ASGI scope, kept in it, while the member is in a party.
        """
        found = scope_of(request.scope)
        if found is not None:
            return found
        operator = self.operator
        if operator is None:
            return None
        made = RequestScope(operator, environ_for(request.scope))
        request.scope[SCOPE_KEY] = made
        return made

    def identity_of(self, request: Request) -> Identity | None:
        """Call the identity callable for ``request``; check what it returns."""
        identify = self.identity_callable
        if identify is None:
            raise NoAnswer(f"member {self.joined_name()!r} was not given identity=")
        answer = identify(request)
        if inspect.isawaitable(answer):
            close = getattr(answer, "close", None)
            if close is not None:
                close()  # never awaited: say so, without a warning about it
            raise PartylineException(
                f"the identity callable {identify!r} of member {self.joined_name()!r} is"
                " a coroutine function; give a plain function (it runs in the asking thread)"
            )
        if answer is not None and not isinstance(answer, Identity):
            raise PartylineException(
                f"the identity callable {identify!r} of member {self.joined_name()!r}"
                f" returned {type(answer).__name__}; it must return wsgi_party.Identity or None"
            )
        return answer

    def render(self, name: str, request: Request) -> str:
        """Render fragment ``name`` (one of :attr:`fragments`) for ``request``."""
        template_name = self.fragments[name]
        templates = self.templates
        if templates is None:
            raise PartylineException(
                f"member {self.joined_name()!r} has fragments= but no templates: give"
                " StarletteMember(..., templates=Jinja2Templates(...)) or set app.state.templates"
            )
        context: dict[str, t.Any] = {"request": request}
        for processor in templates.context_processors:
            context.update(processor(request))
        return templates.get_template(template_name).render(context)

    def answer_for_current(self, service: str, answer: t.Callable[[Request], _T]) -> _T:
        """Call ``answer`` with this app's ``Request`` for the party's current request.

        The request carries the asker's cookies, headers and host, with the
        path and ``root_path`` at this member's mount; :data:`~wsgi_party.partyline`
        is this member's while ``answer`` runs.
        """
        scope = current_scope()
        operator = self.operator
        if scope is None or operator is None:
            raise NoPartylineContext(
                f"member {self.joined_name()!r} answers {service!r} only for a current"
                " request, and there is none"
            )
        request, own = self.request_for(scope, operator)
        token = enter_scope(own)
        try:
            return answer(request)
        finally:
            leave_scope(token)

    def request_for(
        self, scope: RequestScope, operator: PartylineOperator
    ) -> tuple[Request, RequestScope]:
        """This app's ``Request`` for the request of ``scope``, and its request scope."""
        environ = member_environ(scope.environ, operator.script_name, party_root=scope.party_root)
        environ.pop(OPERATOR_KEY, None)
        own = RequestScope(operator, environ)
        asgi = asgi_scope_for(environ)
        asgi["app"] = self.app
        if self.route_table is not None:
            asgi["router"] = self.route_table.router
        asgi[SCOPE_KEY] = own
        asgi[MEMBER_KEY] = self
        return Request(asgi), own


def member_of(request: HTTPConnection) -> StarletteMember:
    """The :class:`StarletteMember` serving ``request``; a clear error if none.

    That is the member the request came through, else the member made for
    the request's app (``scope["app"]``), when the app is called directly.
    """
    member = request.scope.get(MEMBER_KEY)
    if member is None:
        member = _MEMBERS.get(id(request.scope.get("app")))
    if not isinstance(member, StarletteMember):
        raise NoPartylineContext(
            f"request {request.url.path!r} is not served by a"
            " StarletteMember: wrap the app, StarletteMember(app), where it is mounted"
        )
    return member


def _answer_untrusted_hosts(app: object) -> None:
    """Answer :class:`~wsgi_party.UntrustedHost` with 400, as the other members do.

    Only a Starlette app (FastAPI included) has exception handlers to add
    to; one the app registered itself is kept.
    """
    handlers = getattr(app, "exception_handlers", None)
    add = getattr(app, "add_exception_handler", None)
    if isinstance(handlers, dict) and add is not None and UntrustedHost not in handlers:
        add(UntrustedHost, _bad_host)


async def _bad_host(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"400 Bad Request: {exc}", status_code=400)
