"""Route-level migration: a new Flask app takes over routes of a legacy Pyramid app.

``python docs/examples/route_migration.py`` runs the checks;
``wsgi-party routes docs/examples/route_migration.py`` shows who serves what.
"""

from __future__ import annotations

# [start-legacy]
from flask import Flask
from pyramid.config import Configurator
from pyramid.response import Response

from wsgi_party import RouteDispatcher, WSGIParty
from wsgi_party.flask import FlaskParty, party_url


def make_legacy() -> object:
    """The legacy site: every page, and links built with request.party_url."""

    def home(request: object) -> Response:
        links = [request.party_url("about"), request.party_url("article", slug="hello")]
        return Response(f"legacy home: {' '.join(links)}")

    def page(request: object) -> Response:
        return Response(f"legacy {request.matched_route.name}")

    with Configurator(settings={"wsgi_party.name": "legacy"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("home", "/")
        config.add_route("about", "/about")
        config.add_route("article", "/articles/{slug}")
        config.add_route("contact", "/contact")
        config.add_view(home, route_name="home")
        for name in ("about", "article", "contact"):
            config.add_view(page, route_name=name)
        return config.make_wsgi_app()


# [end-legacy]


# [start-new]
def make_new() -> Flask:
    """The new app: so far it serves /about and the articles, at the same URLs."""
    new = Flask("new")
    FlaskParty(new, name="new")

    @new.route("/about")
    def about() -> str:
        return f"new about; back to {party_url('home')}"

    @new.route("/articles/<slug>")
    def article(slug: str) -> str:
        return f"new article {slug}"

    return new


site = RouteDispatcher({"new": make_new(), "legacy": make_legacy()}, default="legacy")
application = WSGIParty(site)
# [end-new]

if __name__ == "__main__":
    # [start-check]
    from werkzeug.test import Client

    client = Client(application)
    assert client.get("/about").text == "new about; back to /"
    assert client.get("/articles/hello").text == "new article hello"
    assert client.get("/contact").text == "legacy contact"
    # The legacy home page links keep resolving: the same URLs, now served by new.
    assert client.get("/").text == "legacy home: /about /articles/hello"
    # A route the new app has only for GET stays with legacy for other methods.
    assert client.post("/about").text == "legacy about"
    # [end-check]
    application.close()

    # [start-one-app]
    from flask import Blueprint

    def make_shop() -> Flask:
        """A new app with a prefix of its own that also took over /about."""
        shop = Flask("shop")
        FlaskParty(shop, name="shop")
        pages = Blueprint("pages", "shop")

        @pages.route("/")
        def index() -> str:
            return f"shop index; about is {party_url('about')}"

        @pages.route("/cart")
        def cart() -> str:
            return "cart"

        shop.register_blueprint(pages, url_prefix="/shop")  # its own prefix

        @shop.route("/about")  # taken over, at its legacy URL
        def about() -> str:
            return f"shop about; see {party_url('pages.cart')}"

        return shop

    site = RouteDispatcher({"shop": make_shop(), "legacy": make_legacy()}, default="legacy")
    application = WSGIParty(site)
    client = Client(application)
    assert client.get("/shop/").text == "shop index; about is /about"
    assert client.get("/about").text == "shop about; see /shop/cart"
    assert client.get("/").text == "legacy home: /about /articles/hello"
    assert application.url_for("shop:pages.cart") == "/shop/cart"
    # [end-one-app]
    application.close()
