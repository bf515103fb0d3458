"""FastAPI recipe: the app's own tests, with stand-ins for the rest of the site.

Run it with ``python -m pytest docs/examples/test_testing_starlette.py``.
"""

from __future__ import annotations

import typing as t

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from wsgi_party import Identity
from wsgi_party.starlette import StarletteMember, party_identity, party_url


# [start-factory]
def create_app() -> FastAPI:
    """The API's app factory (api/main.py), as its team wrote it."""
    app = FastAPI()

    @app.get("/products/{product_id}", name="product")
    def product(product_id: int, request: Request) -> dict[str, t.Any]:
        user = party_identity(request)
        return {
            "help": party_url(request, "docs:page", name="products"),
            "self": party_url(request, "product", product_id=product_id),
            "user": user.name if user is not None else None,
        }

    return app


# [end-factory]


# [start-conftest]
# conftest.py
@pytest.fixture
def app(party_for: t.Any, stand_in: t.Any) -> FastAPI:
    app = create_app()
    docs = stand_in("docs", routes={"page": "/<path:name>.html"}, mount="/docs")
    accounts = stand_in("accounts", identity=Identity("1", "ann"))
    party_for(StarletteMember(app), "/api", docs, accounts)  # closed when the test ends
    return app


@pytest.fixture
def client(app: FastAPI) -> t.Iterator[TestClient]:
    with TestClient(app) as client:  # Starlette's own client, unchanged
        yield client


# [end-conftest]


# [start-tests]
# test_products.py: the team's tests, unchanged
def test_a_product_links_to_the_docs(client: TestClient) -> None:
    page = client.get("/products/3").json()
    assert page["help"] == "/docs/products.html"
    assert page["self"] == "/products/3"  # as the client serves the app: at the root


def test_a_product_knows_the_user(client: TestClient) -> None:
    assert client.get("/products/3").json()["user"] == "ann"


# [end-tests]
