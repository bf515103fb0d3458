"""The new JSON API: a FastAPI app, the shop's first step towards ASGI.

It shares the root of the site with the legacy Django shop and the Flask
shopfront: the :class:`~wsgi_party.RouteDispatcher` in ``site.py`` sends it
the requests its routes match, through
:class:`wsgi_party.starlette.StarletteMember`, which runs it under a2wsgi::

    api = create_api()       # StarletteMember(fastapi_app, name="api")
    site = RouteDispatcher({"shopfront": ..., "api": api, "legacy": django_app}, default="legacy")

Its routes:

``/api/products/{pk}`` (``product_json``)
    One product, with links to its page (the Flask shopfront), the blog post
    about it (the Flask blog) and the shop (Django), all built by endpoint
    name through the party, and who is logged in: the legacy shop's Django
    session, asked of the party for this request (``party_identity``).
``/api/products/`` (``product_feed``)
    The catalogue. The legacy Django shop used to serve it; FastAPI took it
    over at the same URL and under the same name, so the Django templates
    still link to it with ``{% party_url "product_feed" %}``.

One endpoint is a plain ``def`` (FastAPI runs it in its thread pool), the
other ``async def``: the party answers in both, for the request being served.
(In ``async def``, ``party_identity`` has the legacy shop answer in a worker
thread, since Django's ORM refuses to run on an event loop.)
"""

from __future__ import annotations

import typing as t

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from wsgi_party.starlette import StarletteMember, party_identity, party_url

from . import data
from .blog import story_of


def _user(request: Request) -> str | None:
    """The name of the visitor logged in to the legacy shop, if any."""
    who = party_identity(request)
    return who.name if who is not None else None


def _product(request: Request, product: data.Product) -> dict[str, t.Any]:
    return {
        "id": product.pk,
        "slug": product.slug,
        "name": product.name,
        "price": product.price,
        "url": party_url(request, "product", pk=product.pk),
        "api": party_url(request, "api:product_json", pk=product.pk),
    }


def create_api() -> StarletteMember:
    """The FastAPI app, ready to join a party as ``api``."""
    app = FastAPI(
        title="Looking-Glass Curiosities API",
        # Its pages share the site's root: keep FastAPI's own under /api.
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )

    @app.get("/api/products/{pk}", name="product_json")
    def product_json(pk: int, request: Request) -> dict[str, t.Any]:
        found = data.product(pk)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no product {pk}")
        story = story_of(found.slug)
        return {
            "member": "api",
            "product": _product(request, found),
            "links": {
                "story": party_url(request, "blog:post", slug=story) if story else None,
                "shop": party_url(request, "product_list"),
                "feed": party_url(request, "product_feed"),
            },
            "user": _user(request),
        }

    @app.get("/api/products/", name="product_feed")
    async def product_feed(request: Request) -> dict[str, t.Any]:
        products = await run_in_threadpool(data.products)
        return {
            "member": "api",
            "products": [_product(request, product) for product in products],
            "links": {"shop": party_url(request, "product_list")},
            "user": _user(request),
        }

    return StarletteMember(app, name="api")
