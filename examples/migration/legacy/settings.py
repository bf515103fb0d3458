"""Settings of the legacy shop (the Django project of the migration demo).

``legacy/wsgi.py`` selects this module; everything about the party is in
the last block: the project joins as ``legacy``, answers ``identity`` from
its sessions and auth (the default when both are installed), and renders
the ``head``, ``header`` and ``footer`` fragments for every member.
"""

from __future__ import annotations

import os

from ..data import database_path

#: This package, however the demo was imported (``examples.migration.legacy``).
PACKAGE = __name__.rpartition(".")[0]

# A demo key: set WSGI_PARTY_DEMO_SECRET_KEY anywhere that is not your laptop.
SECRET_KEY = os.environ.get("WSGI_PARTY_DEMO_SECRET_KEY", "wsgi-party-demo-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
USE_TZ = True
# Django sets the process's time zone from this (on Unix), so every log of
# the demo, waitress's and the party's too, is stamped in UTC.
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    PACKAGE,
    "wsgi_party.django",
]

MIDDLEWARE = [
    "wsgi_party.django.PartyMiddleware",  # first: it answers the invitation
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = f"{PACKAGE}.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(database_path()),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    }
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# -- the party -------------------------------------------------------------------
WSGI_PARTY_NAME = "legacy"
WSGI_PARTY_FRAGMENTS = {
    "head": "legacy/fragments/head.html",
    "header": "legacy/fragments/header.html",
    "footer": "legacy/fragments/footer.html",
}
