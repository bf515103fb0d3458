"""The ``polls`` application namespace, included twice (``polls``, ``old-polls``)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "polls"

urlpatterns = [
    path("", views.echo, name="index"),
    path("<int:pk>/", views.echo, name="detail"),
    path("<int:pk>/results/<slug:kind>/", views.echo, name="results"),
    path("<int:pk>/link/", views.party_link, name="link"),
]
