"""The legacy shop's URLs.

The product page used to be here::

    path("products/<int:pk>/", views.product, name="product"),

It has moved to the new Flask app ``shopfront`` (``../shopfront.py``), which
serves it at the same URL through the ``RouteDispatcher``. The templates did
not change: they always linked to it as ``{% party_url "product" pk=... %}``,
which Django answered while it had the route and the party answers now.
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
