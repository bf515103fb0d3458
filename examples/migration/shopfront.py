"""The new shopfront: a Flask app that took over one route of the legacy shop.

It shares the root of the site with the Django project. The
:class:`~wsgi_party.RouteDispatcher` in ``site.py`` sends it exactly the
requests its routes match (``/products/<pk>/``), and the legacy app gets the
rest, so the product page moved without a single URL or link changing::

    shopfront = create_shopfront()
    site = RouteDispatcher({"shopfront": shopfront, "legacy": django_app}, default="legacy")

Old links keep building. Links that say ``"product"`` find the shopfront's
route of that name; links written for the legacy member, ``"legacy:product"``
(``legacy/templates/legacy/home.html`` has one), need the new owner to say
it answers for that name, since Django no longer has the route::

    FlaskParty(app, name="shopfront", aliases={"legacy:product": "product"})

It owns nothing but its page: login and chrome are the legacy shop's, asked
of the party for each request (``party_identity()`` and
``party_fragment(...)`` in ``templates/layout.html``).
"""

from __future__ import annotations

from flask import Flask, abort, render_template

from wsgi_party.flask import FlaskParty

from . import data
from .blog import story_of

TEMPLATES = "templates"


def create_shopfront() -> Flask:
    """The Flask app serving the product pages."""
    app = Flask(__name__, static_folder=None, template_folder=TEMPLATES)
    party = FlaskParty(app, name="shopfront", aliases={"legacy:product": "product"})
    app.jinja_env.globals["app_name"] = party.name

    @app.get("/products/<int:pk>/")
    def product(pk: int) -> str:
        found = data.product(pk)
        if found is None:
            abort(404)
        return render_template("shopfront/product.html", product=found, story=story_of(found.slug))

    return app
