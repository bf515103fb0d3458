"""The Django URLconf of the matrix: tests/django_site's, plus the matrix pages.

The matrix pages sit under ``/matrix/`` in the namespace ``matrix``; every
pattern of tests/django_site keeps its place (its header fragment links to
``polls:index``), so nothing tests/test_django.py relies on changes.
"""

from __future__ import annotations

from django.urls import include, path

from tests.django_site.urls import urlpatterns as site_urlpatterns

from . import django_views as views

matrix_patterns = [
    path("items/<int:id>/<str:name>/", views.item, name="item"),
    path("über/<int:id>/<str:name>/", views.item, name="uber"),
    path("link/", views.link, name="link"),
    path("tlink/", views.template_link, name="tlink"),
    path("page/", views.page, name="page"),
]

urlpatterns = [
    path("matrix/", include((matrix_patterns, "matrix"))),
    *site_urlpatterns,
]
