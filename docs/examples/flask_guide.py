"""Flask guide: the extension pattern, party_url, templates, errors.

``python docs/examples/flask_guide.py`` runs the checks.
"""

# ruff: noqa: E402 - each snippet shows its own imports

from __future__ import annotations

import typing as t

# [start-extension]
from flask import Blueprint, Flask, render_template_string
from werkzeug.routing import BuildError

from wsgi_party.flask import FlaskParty, party_url

party = FlaskParty()  # one extension object, any number of apps

catalog = Blueprint("catalog", __name__)


@catalog.route("/item/<int:id>")
def item(id: int) -> str:
    return f"item {id}"


def create_app() -> Flask:
    app = Flask("shop")
    app.config["WSGI_PARTY_NAME"] = "shop"  # or FlaskParty(name="shop")
    app.register_blueprint(catalog, url_prefix="/catalog")
    party.init_app(app)

    @app.route("/")
    def index() -> str:
        return render_template_string(
            '<a href="{{ party_url("docs:page", name="install") }}">docs</a>'
            ' <a href="{{ party_url("catalog.item", id=7) }}">item 7</a>'
            " {{ partyline.name }}"
            # The filter spelling, for links built in a loop:
            "{% for n in [1, 2] %} <a href=\"{{ 'catalog.item'|party_url(id=n) }}\">{{ n }}</a>"
            "{% endfor %}"
        )

    @app.route("/broken")
    def broken() -> str:
        try:
            return party_url("checkout")
        except BuildError as exc:  # PartyBuildError is a werkzeug BuildError
            return f"no link: {exc}"

    return app


# [end-extension]


def make_docs() -> t.Any:
    """A second member, a plain Werkzeug app, so the shop has someone to ask."""
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    from wsgi_party import PartyMember

    url_map = Map([Rule("/<name>", endpoint="page")])

    @Request.application
    def docs(request: Request) -> Response:
        return Response(f"page {url_map.bind_to_environ(request.environ).match()[1]['name']}")

    return PartyMember(docs, name="docs", url_map=url_map)


# [start-mount]
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty

shop = create_app()
application = WSGIParty(DispatcherMiddleware(shop, {"/docs": make_docs()}))
# [end-mount]

if __name__ == "__main__":
    from werkzeug.test import Client

    # [start-check]
    client = Client(application)
    assert client.get("/").text == (
        '<a href="/docs/install">docs</a> <a href="/catalog/item/7">item 7</a> shop'
        ' <a href="/catalog/item/1">1</a> <a href="/catalog/item/2">2</a>'
    )
    assert client.get("/broken").text.startswith(
        "no link: Could not build url for endpoint 'checkout' from Flask app 'shop'"
    )
    # Other members reach the blueprint's endpoint by its Flask name.
    assert application.url_for("shop:catalog.item", id=7, ref="mail") == "/catalog/item/7?ref=mail"
    # A link built by the party equals the one Flask builds locally.
    with shop.test_request_context("/"):
        from flask import url_for

        assert url_for("catalog.item", id=7) == application.url_for("catalog.item", id=7)
    # [end-check]
    application.close()
