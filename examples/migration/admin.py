"""The shop's admin: a Pyramid app mounted at ``/admin``.

It has no login of its own: it protects its pages the Pyramid way, with an
ACL and ``permission=`` on its views, and takes the user from the legacy
Django project, which owns login (``owners`` in ``site.py``).
:class:`~wsgi_party.pyramid.PartySecurityPolicy` makes ``request.identity``
the owner's answer for the visitor's session cookie, with their roles as
principals; :func:`~wsgi_party.pyramid.party_forbidden_view` sends an
anonymous visitor to Django's login page, with ``next=`` back here::

    config.include("wsgi_party.pyramid")
    config.set_security_policy(PartySecurityPolicy())
    config.add_forbidden_view(party_forbidden_view)
    config.add_view(dashboard, route_name="dashboard", permission="manage")

    request.identity                    # Identity('1', 'alice', roles={'staff'})
    request.party_url("product", pk=3)  # the product page, wherever it is served

Its templates are Jinja2, rendered by the small renderer below, and share the
new apps' page shell (``templates/layout.html``).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyramid.authorization import Allow
from pyramid.config import Configurator

from wsgi_party.pyramid import PartySecurityPolicy, party_forbidden_view

from . import data

TEMPLATES = Path(__file__).resolve().parent / "templates"
_jinja = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def jinja2_renderer_factory(info: t.Any) -> t.Callable[[dict[str, t.Any], dict[str, t.Any]], str]:
    """A Pyramid renderer for ``*.html`` Jinja2 templates.

    The template sees Pyramid's system values (``request`` ...), the party's
    renderer globals (``party_url``, ``party_fragment``, ``party_identity``,
    ``partyline``), ``app_name`` (the app's member name, for the page shell)
    and what the view returned.
    """
    template = _jinja.get_template(info.name)

    def render(value: dict[str, t.Any], system: dict[str, t.Any]) -> str:
        app_name = system["request"].registry.settings["wsgi_party.name"]
        return template.render({**system, "app_name": app_name, **value})

    return render


class Root:
    """The admin's root resource: its pages are for the shop's staff."""

    # PartySecurityPolicy gives a user the principal "role:<role>" for each
    # role the owner of login gives them.
    __acl__: t.ClassVar[list[tuple[str, str, str]]] = [(Allow, "role:staff", "manage")]

    def __init__(self, request: t.Any) -> None:
        self.request = request


def dashboard(request: t.Any) -> dict[str, t.Any]:
    """The admin's front page."""
    products = data.products()
    total = sum(product.price_cents for product in products) / 100
    return {"user": request.identity, "products": products, "total": f"{total:.2f}"}


def inventory(request: t.Any) -> dict[str, t.Any]:
    """Every product, linked to its page."""
    return {"products": data.products()}


def create_admin() -> t.Any:
    """The Pyramid app serving the admin."""
    with Configurator(settings={"wsgi_party.name": "admin"}) as config:
        config.include("wsgi_party.pyramid")
        config.set_root_factory(Root)
        config.set_security_policy(PartySecurityPolicy())
        config.add_forbidden_view(party_forbidden_view)
        config.add_renderer(".html", jinja2_renderer_factory)
        config.add_route("dashboard", "/")
        config.add_route("inventory", "/inventory/")
        config.add_view(
            dashboard,
            route_name="dashboard",
            renderer="admin/dashboard.html",
            request_method="GET",
            permission="manage",
        )
        config.add_view(
            inventory,
            route_name="inventory",
            renderer="admin/inventory.html",
            request_method="GET",
            permission="manage",
        )
        return config.make_wsgi_app()
