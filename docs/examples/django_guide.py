"""Django guide: a Django project and a Flask blog in one party.

The settings, URLconf and views of a Django project are condensed into this
one file so that it runs alone: ``python docs/examples/django_guide.py``.
"""

# ruff: noqa: E402 - imports follow the configuration they need

from __future__ import annotations

import typing as t

import django
from django.conf import settings

# [start-settings]
# settings.py
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "wsgi_party.django",
]
MIDDLEWARE = [
    "wsgi_party.django.PartyMiddleware",  # first: it answers the invitation
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
WSGI_PARTY_NAME = "legacy"
WSGI_PARTY_FRAGMENTS = {"header": "header.html"}  # this project answers `layout`
# [end-settings]

# [start-templates]
TEMPLATE_SOURCES = {
    "home.html": (
        "{% load wsgi_party %}"
        '<a href="{% party_url "blog:post" id=3 %}">post 3</a> '
        '<a href="{% party_url "polls:detail" pk=7 %}">poll 7</a>'
    ),
    "header.html": (
        "{% load wsgi_party %}{% party_identity as who %}"
        "<header>{% if who %}{{ who.extra.full_name }} ({{ who.name }})"
        "{% else %}guest{% endif %}</header>"
    ),
}
# [end-templates]

settings.configure(
    SECRET_KEY="not-a-secret-for-real-sites",
    ALLOWED_HOSTS=["localhost", "testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=INSTALLED_APPS,
    MIDDLEWARE=MIDDLEWARE,
    WSGI_PARTY_NAME=WSGI_PARTY_NAME,
    WSGI_PARTY_FRAGMENTS=WSGI_PARTY_FRAGMENTS,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "context_processors": ["django.template.context_processors.request"],
                "loaders": [("django.template.loaders.locmem.Loader", TEMPLATE_SOURCES)],
            },
        }
    ],
)
django.setup()

# [start-urls]
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import include, path

from wsgi_party.django import party_url


def home(request: t.Any) -> HttpResponse:
    return render(request, "home.html")


def detail(request: t.Any, pk: int) -> HttpResponse:
    return HttpResponse(f"poll {pk}; blog at {party_url('blog:index')}")


def sign_in(request: t.Any, username: str) -> HttpResponse:
    login(request, User.objects.get(username=username))
    return redirect(party_url("blog:index"))


polls = ([path("<int:pk>/", detail, name="detail")], "polls")
urlpatterns = [
    path("", home, name="home"),
    path("polls/", include(polls)),
    path("login/<str:username>/", sign_in, name="login"),
]
# [end-urls]

# [start-wsgi]
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_fragment
from wsgi_party.flask import party_url as flask_party_url

blog = Flask("blog")
FlaskParty(blog, name="blog")


@blog.route("/")
def index() -> str:
    # The Django project renders the header, with its own login.
    return f"{party_fragment('header')} <a href='{flask_party_url('legacy:home')}'>home</a>"


@blog.route("/post/<int:id>")
def post(id: int) -> str:
    return f"post {id}"


# In wsgi.py this is django.core.wsgi.get_wsgi_application().
application = WSGIParty(DispatcherMiddleware(WSGIHandler(), {"/blog": blog}))
# [end-wsgi]

if __name__ == "__main__":
    from django.core.management import call_command
    from werkzeug.test import Client

    call_command("migrate", verbosity=0)
    User.objects.create_user("ada", first_name="Ada", last_name="Lovelace")

    # [start-check]
    browser = Client(application)
    assert (
        browser.get("/").text == '<a href="/blog/post/3">post 3</a> <a href="/polls/7/">poll 7</a>'
    )
    assert browser.get("/polls/7/").text == "poll 7; blog at /blog/"
    assert browser.get("/blog/").text == "<header>guest</header> <a href='/'>home</a>"
    assert browser.get("/login/ada/").location == "/blog/"
    assert browser.get("/blog/").text == (
        "<header>Ada Lovelace (ada)</header> <a href='/'>home</a>"
    )
    assert application.url_for("legacy:polls:detail", pk=7, page=2) == "/polls/7/?page=2"
    # [end-check]
    application.close()
