"""Flask recipe: the app factory's own tests, with stand-ins for the rest of the site.

Run it with ``python -m pytest docs/examples/test_testing_flask.py``.
"""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask, render_template_string

from wsgi_party import Identity
from wsgi_party.flask import FlaskParty

if t.TYPE_CHECKING:
    from flask.testing import FlaskClient


# [start-factory]
def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """The blog's app factory (blog/__init__.py), as its team wrote it."""
    app = Flask("blog")
    app.config.update(config or {})
    FlaskParty(app, name="blog")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            '<a href="{{ party_url("docs:page", name="writing") }}">Help</a>'
            " {% if party_identity() %}{{ party_identity().name }}{% endif %}"
        )

    return app


# [end-factory]


# [start-conftest]
# conftest.py
@pytest.fixture
def app(party_for: t.Any, stand_in: t.Any) -> Flask:
    app = create_app({"TESTING": True})
    docs = stand_in("docs", routes={"page": "/<path:name>.html"}, mount="/docs")
    accounts = stand_in("accounts", identity=Identity("1", "ann"))
    party_for(app, "/blog", docs, accounts)  # closed when the test ends
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()  # Flask's own client, unchanged


# [end-conftest]


# [start-tests]
# test_views.py: the team's tests, unchanged
def test_index_links_to_the_docs(client: FlaskClient) -> None:
    assert b'href="/docs/writing.html"' in client.get("/").data


def test_index_greets_the_user(client: FlaskClient) -> None:
    assert b"ann" in client.get("/").data


# [end-tests]
