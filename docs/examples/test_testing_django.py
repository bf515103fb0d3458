"""Django recipe: a project's own TestCase, with stand-ins for the other apps.

Settings, URLconf and views are condensed into this file so that it runs
alone: ``python -m pytest docs/examples/test_testing_django.py`` (Django's
own ``manage.py test`` runs such a TestCase just the same).
"""

# ruff: noqa: E402 - imports follow the configuration they need

from __future__ import annotations

import typing as t

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="not-a-secret-for-real-sites",
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["wsgi_party.django"],
    MIDDLEWARE=["wsgi_party.django.PartyMiddleware"],
    WSGI_PARTY_NAME="legacy",
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "home.html": '{% load wsgi_party %}<a href="{% party_url'
                            ' "blog:post" id=3 %}">post</a> <a href="{% url "home" %}">home</a>'
                        },
                    )
                ]
            },
        }
    ],
)
django.setup()

from django.shortcuts import render
from django.test import RequestFactory, SimpleTestCase
from django.urls import path


def home(request: t.Any) -> t.Any:
    return render(request, "home.html")


urlpatterns = [path("", home, name="home")]

# [start-tests]
from wsgi_party.django.testing import PartyTestMixin
from wsgi_party.testing import StandIn


class HomeTests(PartyTestMixin, SimpleTestCase):
    stand_ins = (StandIn("blog", routes={"post": "/post/<int:id>"}, mount="/blog"),)
    party_mount = "/"  # where the real site mounts the project

    def test_home_links_to_a_blog_post(self) -> None:
        response = self.client.get("/")  # Django's own test Client, unchanged
        self.assertContains(response, 'href="/blog/post/3"')
        self.assertContains(response, 'href="/"')

    def test_the_view_alone_links_the_same(self) -> None:
        response = home(RequestFactory().get("/"))
        self.assertContains(response, 'href="/blog/post/3"')


# [end-tests]
