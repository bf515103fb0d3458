"""Real FastAPI and Starlette apps for the Starlette integration's tests and servers.

``api()`` is a FastAPI app (member ``api``) with ``def`` and ``async def``
endpoints, a dependency, an ``APIRouter``, a named mount of a Starlette
router and Jinja templates; ``shop()`` a plain Starlette app (member
``shop``) with typed path parameters, a named mount with parameters and a
mount of a raw ASGI app. Each endpoint reports what it saw of the party as
JSON, so a test can check it::

    app = api()
    party = WSGIParty(DispatcherMiddleware(flask_app, {"/api": StarletteMember(app)}))
"""

from __future__ import annotations

import typing as t

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates

import wsgi_party
from wsgi_party import Identity, NoSuchServiceName, partyline
from wsgi_party.starlette import install_templates, party_fragment, party_identity, party_url

#: Templates of the FastAPI app, in memory.
TEMPLATES = {
    "page.html": (
        "<p id=self>{{ party_url('item', id=7) }}</p>"
        "<p id=blog>{{ party_url('blog:post', id=7) }}</p>"
        "<p id=filter>{{ 'blog:post'|party_url(id=8) }}</p>"
        "<p id=member>{{ partyline.name }}</p>"
        "<p id=who>{{ who or 'anonymous' }}</p>"
    ),
    "chrome.html": "<nav>API for {{ request.cookies.get('user', 'anonymous') }}"
    " <a href='{{ party_url('item', id=1) }}'>first item</a></nav>",
    "with_fragment.html": "{{ party_fragment('header') }}<main>api</main>",
}

#: How many times an endpoint of the apps ran (``match`` must run none).
calls: dict[str, int] = {"endpoints": 0}


def templates() -> Jinja2Templates:
    """Jinja2Templates over :data:`TEMPLATES`, with the party's globals."""
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    return install_templates(Jinja2Templates(env=env))


def seen(request: StarletteRequest) -> dict[str, t.Any]:
    """What an endpoint sees of the party for ``request``."""
    calls["endpoints"] += 1
    scope = wsgi_party.current_scope()
    return {
        "member": partyline.name,
        "script_name": scope.environ.get("SCRIPT_NAME") if scope is not None else None,
        "host": scope.environ.get("HTTP_HOST") if scope is not None else None,
    }


def who(request: StarletteRequest) -> str | None:
    """The logged-in user's name; ``None`` when anonymous or nobody owns login."""
    try:
        identity = party_identity(request)
    except NoSuchServiceName:
        return None
    return identity.name if identity is not None else None


def member_name() -> str | None:
    """A FastAPI dependency: the member bound where dependencies run."""
    return partyline.name


async def async_member_name() -> str | None:
    return partyline.name


def api() -> FastAPI:
    """The FastAPI app: ``def`` and ``async def`` endpoints, dependencies, templates."""
    app = FastAPI()
    app.state.templates = templates()

    @app.get("/items/{id}", name="item")
    def item(id: int, request: Request, dep: str = Depends(member_name)) -> dict[str, t.Any]:
        return {
            **seen(request),
            "id": id,
            "dependency": dep,
            "self": party_url(request, "item", id=id, q="x"),
            "blog": party_url(request, "blog:post", id=id),
            "user": who(request),
        }

    @app.get("/async/{id}", name="async_item")
    async def async_item(
        id: int, request: Request, dep: str = Depends(async_member_name)
    ) -> dict[str, t.Any]:
        return {
            **seen(request),
            "id": id,
            "dependency": dep,
            "self": party_url(request, "async_item", id=id),
            "blog": party_url(request, "blog:post", id=id, _external=True, _anchor="c"),
            "user": who(request),
        }

    @app.post("/items", name="create_item")
    def create_item(request: Request) -> dict[str, t.Any]:
        return seen(request)

    @app.get("/page", name="page", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        calls["endpoints"] += 1
        return request.app.state.templates.TemplateResponse(
            request, "page.html", {"who": who(request)}
        )

    @app.get("/framed", name="framed", response_class=HTMLResponse)
    async def framed(request: Request) -> HTMLResponse:
        return request.app.state.templates.TemplateResponse(request, "with_fragment.html")

    @app.get("/fragment/{name}", name="fragment")
    def fragment(name: str, request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(party_fragment(request, name)))

    @app.get("/link", name="link")
    def link(request: Request, endpoint: str) -> PlainTextResponse:
        values = {k: v for k, v in request.query_params.items() if k != "endpoint"}
        return PlainTextResponse(party_url(request, endpoint, **values))

    @app.get("/whoami", name="whoami")
    def whoami(request: Request) -> dict[str, t.Any]:
        return {"user": who(request)}

    @app.get("/boom", name="boom")
    def boom() -> None:
        raise RuntimeError("the endpoint broke")

    router = APIRouter(prefix="/products")

    @router.get("/{product_id}", name="product")
    async def product(product_id: int, request: Request) -> dict[str, t.Any]:
        return {**seen(request), "product": product_id}

    app.include_router(router)

    async def v1_thing(request: StarletteRequest) -> JSONResponse:
        return JSONResponse({**seen(request), "thing": request.path_params["slug"]})

    app.mount("/v1", Starlette(routes=[Route("/things/{slug}", v1_thing, name="thing")]), "v1")
    return app


def shop() -> Starlette:
    """A plain Starlette app: typed parameters, a mount with parameters, a raw ASGI mount."""

    async def show(request: StarletteRequest) -> JSONResponse:
        return JSONResponse({**seen(request), "params": dict(request.path_params)})

    async def raw(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"raw"})

    return Starlette(
        routes=[
            Route("/", show, name="index"),
            Route("/price/{amount:float}", show, name="price"),
            Route("/by-id/{uid:uuid}", show, name="by_id"),
            Route("/files/{name:path}", show, name="files", methods=["GET", "PUT"]),
            Route("/word/{word}", show, name="word"),
            Mount(
                "/{lang}/catalog",
                routes=[Route("/{n:int}", show, name="entry")],
                name="catalog",
            ),
            Mount("/raw", app=raw, name="raw"),
        ]
    )


def cookie_identity(request: StarletteRequest) -> Identity | None:
    """The ``identity=`` of an API that owns login: the ``user`` cookie."""
    user = request.cookies.get("user")
    return Identity(user, user.title(), frozenset({"api"})) if user else None
