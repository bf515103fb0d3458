"""The request scope: which member is handling the current request.

Framework integrations bind the scope around each request of their app, and
everything that needs "the current request" reads it from here::

    from wsgi_party import partyline

    def view(request):
        links = partyline.ask_around("url", UrlRequest("blog:index"))

:data:`partyline` is a context-local proxy (built on :mod:`contextvars`, so
it is correct under threads and under asyncio alike) to the
:class:`~wsgi_party.PartylineOperator` of the member whose request is being
handled. Outside such a request it raises :class:`~wsgi_party.NoPartylineContext`.

An integration binds the scope with :func:`bind_request` / :func:`unbind_request`
(or the :func:`request_scope` context manager).
"""

from __future__ import annotations

import contextlib
import typing as t
from contextvars import ContextVar, Token

from werkzeug.local import LocalProxy

from ._exceptions import NoPartylineContext

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ._operator import PartylineOperator

__all__ = [
    "RequestScope",
    "bind_request",
    "current_scope",
    "partyline",
    "request_scope",
    "unbind_request",
]


class RequestScope:
    """The member handling the current request, and that request's environ."""

    __slots__ = ("environ", "operator")

    def __init__(self, operator: PartylineOperator, environ: WSGIEnvironment) -> None:
        #: The operator of the member handling the request.
        self.operator = operator
        #: The request's WSGI environ, as the member sees it.
        self.environ = environ

    def __repr__(self) -> str:
        return f"<RequestScope {self.operator!r} {self.environ.get('PATH_INFO')!r}>"

    @property
    def party_root(self) -> str:
        """The party's own ``SCRIPT_NAME`` in this request.

        The member sees ``SCRIPT_NAME`` = party root + its mount; the mount
        is taken off. A member that answers another member's request mounts
        its own paths under this root.
        """
        script_name: str = self.environ.get("SCRIPT_NAME", "")
        mount = self.operator.script_name
        if mount and script_name.endswith(mount):
            return script_name[: -len(mount)]
        return script_name


_scope: ContextVar[RequestScope | None] = ContextVar("wsgi_party.scope", default=None)

# Its methods bound once, for the paths that run on every request or link:
# CPython 3.11 does not always specialise ``_scope.get()`` where ``_scope`` is
# a global imported from here, and then makes a bound method object on every
# call (about three times the cost; valgrind --tool=callgrind shows it).
_get_scope = _scope.get
_set_scope = _scope.set
_reset_scope = _scope.reset


def bind_request(
    operator: PartylineOperator, environ: WSGIEnvironment
) -> Token[RequestScope | None]:
    """Bind ``operator`` as the current member for the request ``environ``.

    Returns a token for :func:`unbind_request`. Scopes nest: a member that
    calls another app in-process rebinds, and unbinding restores the outer one.
    """
    return _scope.set(RequestScope(operator, environ))


def unbind_request(token: Token[RequestScope | None]) -> None:
    """End the scope opened by :func:`bind_request` with ``token``."""
    try:
        _scope.reset(token)
    except ValueError:
        # The token was made in another context (a framework that runs its
        # teardown elsewhere); leaving no scope bound is the safe outcome.
        _scope.set(None)


@contextlib.contextmanager
def request_scope(
    operator: PartylineOperator, environ: WSGIEnvironment
) -> t.Iterator[RequestScope]:
    """Context manager form of :func:`bind_request` / :func:`unbind_request`."""
    token = bind_request(operator, environ)
    try:
        yield _scope.get()  # type: ignore[misc]
    finally:
        unbind_request(token)


def current_scope() -> RequestScope | None:
    """The scope of the current request, or ``None`` outside any."""
    return _scope.get()


def _current_operator() -> PartylineOperator:
    scope = _scope.get()
    if scope is None:
        raise NoPartylineContext(
            "wsgi_party.partyline is only bound while a party member handles a"
            " request (FlaskParty, wsgi_party.pyramid, wsgi_party.django or"
            " PartyMember bind it; an app whose invitation failed or was declined is"
            " no member, see party.declined); outside a request, ask the WSGIParty itself"
        )
    return scope.operator


#: Proxy to the :class:`~wsgi_party.PartylineOperator` of the member handling
#: the current request.
partyline: PartylineOperator = t.cast("PartylineOperator", LocalProxy(_current_operator))
