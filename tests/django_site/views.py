"""Views of the test project; each shows one helper at work."""

from __future__ import annotations

import json
import typing as t

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

import wsgi_party
from wsgi_party.django import party_fragment, party_identity, party_url

#: How many times ``side_effect`` ran (``match`` must never run a view).
calls = {"side_effect": 0}


def echo(request: t.Any, **kwargs: t.Any) -> HttpResponse:
    """Any routed page: its view name and arguments."""
    return JsonResponse({"view": request.resolver_match.view_name, "kwargs": kwargs})


def _values(request: t.Any) -> dict[str, t.Any]:
    return dict(json.loads(request.GET.get("values", "{}")))


def reverse_view(request: t.Any) -> JsonResponse:
    """Django's own ``reverse()`` for ``?name=&values=`` (the reference)."""
    path = reverse(request.GET["name"], kwargs=_values(request))
    return JsonResponse({"path": path, "absolute": request.build_absolute_uri(path)})


def party_link(request: t.Any, **kwargs: t.Any) -> HttpResponse:
    """``party_url()`` from a view, for ``?endpoint=&values=``."""
    url = party_url(request.GET["endpoint"], request=request, **_values(request))
    return HttpResponse(url, content_type="text/plain")


def tags(request: t.Any) -> HttpResponse:
    """The template tags of ``{% load wsgi_party %}``."""
    return render(request, "site/tags.html")


def page(request: t.Any) -> HttpResponse:
    """Fragments asked for several times in one request."""
    header = party_fragment(request, "header")
    return render(request, "site/page.html", {"header_from_view": header})


def whoami(request: t.Any) -> JsonResponse:
    """``party_identity()`` of this request."""
    identity = party_identity(request)
    if identity is None:
        return JsonResponse({"identity": None})
    return JsonResponse(
        {"identity": {"id": identity.id, "name": identity.name, "roles": sorted(identity.roles)}}
    )


def scope(request: t.Any) -> JsonResponse:
    """Which operator this request is bound to."""
    scope = wsgi_party.current_scope()
    return JsonResponse(
        {
            "request.partyline": getattr(request.partyline, "name", None),
            "wsgi_party.partyline": wsgi_party.partyline.name if scope else None,
        }
    )


def side_effect(request: t.Any) -> HttpResponse:
    """Counts its calls."""
    calls["side_effect"] += 1
    return HttpResponse("ran")
