"""The legacy shop's URLs.

The product page and the catalogue's JSON feed used to be here::

    path("products/<int:pk>/", views.product, name="product"),
    path("api/products/", views.product_feed, name="product_feed"),

The page has moved to the new Flask app ``shopfront`` (``../shopfront.py``),
the feed to the new FastAPI app ``api`` (``../api.py``); each serves its
route at the same URL through the ``RouteDispatcher``. The templates link
to them by name only, ``{% party_url "product" pk=... %}`` and
``{% party_url "product_feed" %}``, which Django answered while it had the
routes and the party answers now: not one of them changed.
"""

from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("accounts/login/", views.LoginPage.as_view(), name="login"),
    path("accounts/logout/", views.logout_page, name="logout"),
    path("site.css", views.stylesheet, name="stylesheet"),
    path("favicon.svg", views.favicon, name="favicon"),
    # Where browsers look for an icon before they read a page's <link rel="icon">.
    path(
        "favicon.ico",
        RedirectView.as_view(pattern_name="favicon", permanent=True),
        name="favicon_ico",
    ),
]
