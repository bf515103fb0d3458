"""The shop's admin: a Pyramid app mounted at ``/admin``.

It includes ``wsgi_party.pyramid`` and has no security policy of its own: it
asks the party who is logged in (``request.party_identity``, answered by the
legacy Django project from the visitor's session cookie) and shows the staff
pages only to staff::

    config.include("wsgi_party.pyramid")
    request.party_identity            # Identity('1', 'alice', roles={'staff'}) or None
    request.party_url("product", pk=3)  # the product page, wherever it is served

Its templates are Jinja2, rendered by the small renderer below, and share the
new apps' page shell (``templates/layout.html``).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyramid.config import Configurator

from . import data

TEMPLATES = Path(__file__).resolve().parent / "templates"
_jinja = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def jinja2_renderer_factory(info: t.Any) -> t.Callable[[dict[str, t.Any], dict[str, t.Any]], str]:
    """A Pyramid renderer for ``*.html`` Jinja2 templates.

    The template sees Pyramid's system values (``request`` ...), the party's
    renderer globals (``party_url``, ``party_fragment``, ``party_identity``,
    ``partyline``) and what the view returned.
    """
    template = _jinja.get_template(info.name)

    def render(value: dict[str, t.Any], system: dict[str, t.Any]) -> str:
        return template.render({**system, **value})

    return render


def _staff(request: t.Any) -> bool:
    who = request.party_identity
    return who is not None and "staff" in who.roles


def dashboard(request: t.Any) -> dict[str, t.Any]:
    """The admin's front page."""
    if not _staff(request):
        return {}
    products = data.products()
    total = sum(product.price_cents for product in products) / 100
    return {"products": products, "total": f"{total:.2f}"}


def inventory(request: t.Any) -> dict[str, t.Any]:
    """Every product, linked to its page."""
    return {"products": data.products() if _staff(request) else []}


def create_admin() -> t.Any:
    """The Pyramid app serving the admin."""
    with Configurator(settings={"wsgi_party.name": "admin"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_renderer(".html", jinja2_renderer_factory)
        config.add_route("dashboard", "/")
        config.add_route("inventory", "/inventory/")
        config.add_view(
            dashboard, route_name="dashboard", renderer="admin/dashboard.html", request_method="GET"
        )
        config.add_view(
            inventory, route_name="inventory", renderer="admin/inventory.html", request_method="GET"
        )
        return config.make_wsgi_app()
