"""The test Django project, shared by every test file that needs Django.

Django allows one settings module per process; tests/conftest.py names
``tests.django_site.settings``. Call :func:`setup_django` before using
Django (it is idempotent and thread-safe), then mount
``django.core.wsgi.get_wsgi_application()`` in a party::

    from tests.django_site import setup_django, session_cookie
    setup_django()
    django_app = get_wsgi_application()          # member "legacy"
    name, value = session_cookie(user)           # log a user in

The project joins as member ``legacy`` and declares the layout fragments
``header`` and ``footer``.
"""

from __future__ import annotations

import os
import threading
import typing as t

SETTINGS_MODULE = "tests.django_site.settings"

_lock = threading.Lock()
_ready = False


def setup_django() -> None:
    """Configure Django with the test project and migrate its database, once."""
    global _ready  # noqa: PLW0603 - one setup per process, as Django's own
    if _ready:
        return
    with _lock:
        if _ready:
            return
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
        import django
        from django.conf import settings
        from django.core.management import call_command

        django.setup()
        if settings.SETTINGS_MODULE != SETTINGS_MODULE:
            raise RuntimeError(
                f"the test suite needs DJANGO_SETTINGS_MODULE={SETTINGS_MODULE!r},"
                f" got {settings.SETTINGS_MODULE!r} (Django allows one per process)"
            )
        call_command("migrate", interactive=False, verbosity=0)
        _ready = True


def session_cookie(user: t.Any) -> tuple[str, str]:
    """A session cookie (name, value) of ``user`` logged in, as ``login()`` makes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return settings.SESSION_COOKIE_NAME, store.session_key
