"""The Django member's matrix pages (see :mod:`tests.matrix_site`)."""

from __future__ import annotations

import typing as t

from django.http import HttpResponse
from django.template import engines

from wsgi_party.django import party_url

from . import TEMPLATE_VALUES, TEMPLATES, item_page, link_request


def _template(name: str) -> t.Any:
    # The matrix templates live beside this module, outside the test
    # project's template DIRS; the project's own engine renders them.
    return engines["django"].from_string((TEMPLATES / name).read_text(encoding="utf-8"))


def item(request: t.Any, id: int, name: str) -> HttpResponse:
    """The target of every link: framework, member, route, values, query."""
    query = {key: request.GET.getlist(key) for key in request.GET}
    member = request.partyline.name if request.partyline is not None else None
    view = request.resolver_match.view_name
    body = item_page("django", member, view, id=id, name=name, query=query)
    return HttpResponse(body, content_type="application/json")


def link(request: t.Any) -> HttpResponse:
    """``party_url()`` from a view."""
    endpoint, values = link_request(request.GET)
    return HttpResponse(party_url(endpoint, request=request, **values), content_type="text/plain")


def template_link(request: t.Any) -> HttpResponse:
    """``{% party_url %}`` from a template (its values are named, as a template's are)."""
    endpoint, values = link_request(request.GET)
    unknown = set(values) - set(TEMPLATE_VALUES)
    if unknown:
        raise ValueError(f"the Django link template takes only {TEMPLATE_VALUES}, got {unknown}")
    context = {
        "endpoint": endpoint,
        "id": values.get("id"),
        "name": values.get("name"),
        "q": values.get("q"),
        "anchor": values.get("_anchor"),
        "external": values.get("_external", False),
    }
    return HttpResponse(_template("django_link.html").render(context, request))


def page(request: t.Any) -> HttpResponse:
    """The project's own page, in its own chrome."""
    return HttpResponse(_template("django_page.html").render({}, request))
