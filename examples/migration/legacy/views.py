"""The legacy shop's views: plain Django, unaware of the party but for links."""

from __future__ import annotations

import typing as t
from pathlib import Path

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from wsgi_party.django import party_url

from ..data import PASSWORD, USERNAME
from .models import Product

STATIC = Path(__file__).resolve().parent / "static"
STYLESHEET = STATIC / "site.css"
FAVICON = STATIC / "favicon.svg"


def home(request: t.Any) -> HttpResponse:
    """The front page: a few products and a word from the blog."""
    return render(request, "legacy/home.html", {"products": Product.objects.all()[:3]})


def product_list(request: t.Any) -> HttpResponse:
    """Every product; each links to its page, wherever that page is served."""
    return render(request, "legacy/product_list.html", {"products": Product.objects.all()})


class LoginPage(LoginView):
    """Django's login view; ``?next=`` may point into any app of the party."""

    template_name = "legacy/login.html"
    extra_context: t.ClassVar[dict[str, str]] = {"demo_user": USERNAME, "demo_password": PASSWORD}


@require_http_methods(["GET", "POST"])
def logout_page(request: t.Any) -> HttpResponse:
    """Ask first (GET), log out on POST: logging out changes state."""
    if request.method == "POST":
        logout(request)
        return redirect(party_url("home", request=request))
    return render(request, "legacy/logout.html")


def stylesheet(request: t.Any) -> HttpResponse:
    """The site's CSS, linked from the ``head`` fragment of every app."""
    response = HttpResponse(STYLESHEET.read_bytes(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def favicon(request: t.Any) -> HttpResponse:
    """The site's icon, linked from the ``head`` fragment of every app."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
