"""Settings of the test Django project, shared by every test file.

Django allows one settings module per process, and tests/conftest.py names
this one, so any test that needs Django (alone or beside other frameworks)
uses this project: call :func:`tests.django_site.setup_django` first. The
database is an SQLite file in a temporary directory of this process (every
thread sees the same data), removed when the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_DB_DIR = tempfile.mkdtemp(prefix="wsgi_party_django_")
_OWNER = os.getpid()


def _remove_db_dir() -> None:
    # Forked workers inherit the handler; only the creating process cleans up.
    if os.getpid() == _OWNER:
        shutil.rmtree(_DB_DIR, ignore_errors=True)


atexit.register(_remove_db_dir)

SECRET_KEY = "wsgi-party-tests-only"
DEBUG = False
DEBUG_PROPAGATE_EXCEPTIONS = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver", ".example.com"]
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "wsgi_party.django",
]

MIDDLEWARE = [
    "wsgi_party.django.PartyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "tests.django_site.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(_DB_DIR, "db.sqlite3"),
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
            "libraries": {"counting": "tests.django_site.counting"},
        },
    }
]

# Fast hashing: the tests log users in many times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

WSGI_PARTY_NAME = "legacy"
WSGI_PARTY_FRAGMENTS = {
    "header": "site/header.html",
    "footer": "site/footer.html",
}
