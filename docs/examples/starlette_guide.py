"""Starlette and FastAPI guide: the member, links both ways, login, templates, a moved route.

``python docs/examples/starlette_guide.py`` runs the checks.
"""

# ruff: noqa: E402 - each snippet shows its own imports

from __future__ import annotations

import typing as t

# [start-api]
import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from wsgi_party import partyline
from wsgi_party.starlette import install_templates, party_identity, party_url

api = FastAPI()
templates = install_templates(
    Jinja2Templates(
        env=jinja2.Environment(
            loader=jinja2.DictLoader(
                {"product.html": '<a href="{{ party_url("shop:index") }}">back to the shop</a>'}
            ),
            autoescape=True,
        )
    )
)


@api.get("/products/{product_id}", name="product")
async def product(product_id: int, request: Request) -> dict[str, t.Any]:
    user = party_identity(request)  # the shop's login, for this request
    return {
        "id": product_id,
        "shop": party_url(request, "shop:index"),  # built by the Flask app
        "self": party_url(request, "product", product_id=product_id),  # the API's own
        "user": user.name if user is not None else None,
        "member": partyline.name,
    }


@api.get("/products/{product_id}/page", name="product_page", response_class=HTMLResponse)
def product_page(product_id: int, request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "product.html")


# [end-api]


# [start-mount]
import flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import Identity, WSGIParty
from wsgi_party.flask import FlaskParty
from wsgi_party.flask import party_url as flask_party_url
from wsgi_party.starlette import StarletteMember

shop = flask.Flask("shop")


def current_user() -> Identity | None:  # the shop owns login
    name = flask.session.get("user")
    return Identity(name, name.title()) if name else None


shop.secret_key = "not-a-secret"
FlaskParty(shop, name="shop", identity=current_user, login_endpoint="sign_in")


@shop.route("/")
def index() -> str:
    return flask_party_url("api:product", product_id=3)  # built by FastAPI


@shop.route("/login/<name>")
def login(name: str) -> str:
    flask.session["user"] = name
    return "ok"


@shop.route("/sign-in")
def sign_in() -> str:  # the login page, with ?next= to come back to
    return "sign in"


application = WSGIParty(DispatcherMiddleware(shop, {"/api": StarletteMember(api, name="api")}))
# [end-mount]

# [start-login-required]
from typing import Annotated

from fastapi import Depends, HTTPException

from wsgi_party.starlette import party_login_url


async def logged_in(request: Request) -> Identity:
    user = party_identity(request)
    if user is None:  # to the owner's login page, and back to this one after
        raise HTTPException(303, headers={"Location": party_login_url(request)})
    return user


@api.get("/orders", name="orders")
def orders(user: Annotated[Identity, Depends(logged_in)]) -> dict[str, str]:
    return {"orders of": user.name}


# [end-login-required]


def check_links_and_login() -> None:
    from werkzeug.test import Client

    client = Client(application)
    # [start-check]
    assert client.get("/").text == "/api/products/3"
    orders = client.get("/api/orders?page=2", buffered=True)
    assert orders.status_code == 303
    assert orders.headers["Location"] == "/sign-in?next=/api/orders?page%3D2"
    page = client.get("/api/products/3", buffered=True).json
    assert page == {
        "id": 3,
        "shop": "/",
        "self": "/api/products/3",
        "user": None,
        "member": "api",
    }
    client.get("/login/ann")
    assert client.get("/api/products/3", buffered=True).json["user"] == "Ann"
    assert client.get("/api/orders", buffered=True).json == {"orders of": "Ann"}
    assert application.url_for("api:product", product_id=4, ref="mail") == (
        "/api/products/4?ref=mail"
    )
    html = client.get("/api/products/3/page", buffered=True).text
    assert html == '<a href="/">back to the shop</a>'
    # [end-check]


# [start-move]
from wsgi_party import RouteDispatcher

legacy = flask.Flask("legacy")
FlaskParty(legacy, name="legacy")


@legacy.route("/products/<int:product_id>")
def old_product(product_id: int) -> str:
    return f"old page of product {product_id}"


@legacy.route("/about")
def about() -> str:
    return flask_party_url("old_product", product_id=5)  # the old name, still building


moved = FastAPI()


@moved.get("/products/{product_id}", name="product")
def new_product(product_id: int) -> dict[str, int]:
    return {"product": product_id}


site = WSGIParty(
    RouteDispatcher({"api": StarletteMember(moved), "legacy": legacy}, default="legacy")
)
# [end-move]


def check_move() -> None:
    from werkzeug.test import Client

    client = Client(site)
    assert client.get("/products/5", buffered=True).json == {"product": 5}
    assert client.get("/about").text == "/products/5"
    assert site.url_for("api:product", product_id=5) == "/products/5"


def check_moved_names() -> None:
    """The legacy route is deleted: the party maps its old names to the API's."""
    from werkzeug.test import Client

    # [start-moved]
    legacy = flask.Flask("legacy")
    FlaskParty(legacy, name="legacy")  # its old_product route is deleted

    @legacy.route("/about")
    def about() -> str:
        return flask_party_url("old_product", product_id=5)  # the old name, still building

    site = WSGIParty(
        RouteDispatcher({"api": StarletteMember(moved), "legacy": legacy}, default="legacy"),
        moved={"old_product": "api:product", "legacy:old_product": "api:product"},
    )
    # [end-moved]
    try:
        client = Client(site)
        assert client.get("/about").text == "/products/5"
        assert site.url_for("legacy:old_product", product_id=6) == "/products/6"
        assert client.get("/products/5", buffered=True).json == {"product": 5}
    finally:
        site.close()


if __name__ == "__main__":
    try:
        check_links_and_login()
        check_move()
    finally:
        application.close()  # stops the API's event loop thread
        site.close()
    check_moved_names()
    print("starlette guide: ok")
