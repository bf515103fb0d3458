"""Starlette and FastAPI apps as party members, through a2wsgi.

Wrap the app where it is mounted, wrap the dispatcher::

    from wsgi_party.starlette import StarletteMember, party_url

    api = FastAPI()

    @api.get("/items/{id}", name="item")
    def item(id: int, request: Request):
        return {"blog": party_url(request, "blog:post", id=id)}  # '/blog/post/3'

    application = WSGIParty(DispatcherMiddleware(flask_app, {"/api": StarletteMember(api)}))

The member is a WSGI app: the ASGI app runs through a2wsgi on an event loop
thread of the member's own, started (with the app's lifespan) at its first
request and stopped when the party closes. Its router answers ``url``, ``routes`` and ``match``;
``identity=`` and ``fragments=`` make it answer ``identity`` and ``layout``.
:data:`wsgi_party.partyline` is bound in its endpoints, dependencies and
templates (``def`` and ``async def``); the helpers take the Starlette
``Request``: :func:`party_url`, :func:`party_identity`,
:func:`party_fragment`, :func:`party_login_url`, and
:func:`install_templates` gives a ``Jinja2Templates`` the same as globals.

The package holds one concern per module: the member, its routes, the
event loop and the request scope in it, the lifespan, URLs, login and look,
templates, and the a2wsgi and FastAPI internals it reads. Import from ``wsgi_party.starlette``;
the modules inside are private.
"""

from __future__ import annotations

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import a2wsgi  # noqa: F401
    import starlette  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.starlette needs Starlette and a2wsgi: pip install "wsgi_party[starlette]"'
    raise ModuleNotFoundError(msg, name=error.name) from error

from ._lifespan import LifespanFailed
from ._look import party_fragment, party_identity, party_login_url
from ._member import IdentityCallable, StarletteMember, member_of
from ._templates import install_templates
from ._urls import PartyBuildError, party_url

__all__ = [
    "IdentityCallable",
    "LifespanFailed",
    "PartyBuildError",
    "StarletteMember",
    "install_templates",
    "member_of",
    "party_fragment",
    "party_identity",
    "party_login_url",
    "party_url",
]
