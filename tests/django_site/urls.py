"""URLconf of the test project: namespaces, converters, regexes, defaults."""

from __future__ import annotations

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path, re_path, register_converter

from . import views
from .converters import FourDigitYear

register_converter(FourDigitYear, "yyyy")

inner_patterns = [
    path("things/<slug:slug>/", views.echo, name="thing"),
]

api_patterns = [
    path("items/<int:pk>/", views.echo, name="item"),
    path("inner/", include((inner_patterns, "inner"))),
]

urlpatterns = [
    path("", views.echo, name="home"),
    path("polls/", include("tests.django_site.polls_urls")),
    path("old-polls/", include("tests.django_site.polls_urls", namespace="old-polls")),
    path("archive/<yyyy:year>/", views.echo, name="archive"),
    re_path(r"^regex/(?P<slug>[a-z-]+)/(?P<num>[0-9]+)/$", views.echo, name="regex"),
    path("feed/", views.echo, {"format": "rss"}, name="feed"),
    path("feed/<str:format>/", views.echo, name="feed"),
    path("words/<str:word>/", views.echo, name="word"),
    path("files/<path:name>", views.echo, name="files"),
    path("api/<int:version>/", include((api_patterns, "api"))),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("reverse/", views.reverse_view, name="reverse"),
    path("link/", views.party_link, name="party-link"),
    path("tags/", views.tags, name="tags"),
    path("page/", views.page, name="page"),
    path("whoami/", views.whoami, name="whoami"),
    path("scope/", views.scope, name="scope"),
    path("side-effect/", views.side_effect, name="side-effect"),
    path("unnamed/", views.echo),
]
