"""URLconf of the Django member in the URL benchmark."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def product(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"product {pk}")


urlpatterns = [path("products/<int:pk>/", product, name="product")]
