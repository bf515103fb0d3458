"""The legacy project's WSGI handler, as Django's ``startproject`` makes it.

Importing it selects the project's settings, sets Django up and prepares the
database (created and seeded on first start)::

    from .legacy.wsgi import application as legacy
"""

from __future__ import annotations

import os

SETTINGS_MODULE = f"{__package__}.settings"


def _select_settings() -> None:
    # The demo *is* this Django project, so its settings are not a default a
    # stray DJANGO_SETTINGS_MODULE could replace; but one process holds one
    # Django project, so refuse to start beside another one.
    from django.conf import settings

    if settings.configured and settings.SETTINGS_MODULE != SETTINGS_MODULE:
        raise RuntimeError(
            f"Django is already set up with the settings {settings.SETTINGS_MODULE!r} in"
            f" this process; the migration demo needs its own ({SETTINGS_MODULE!r}):"
            " run it in a process of its own"
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE


_select_settings()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from .database import prepare_database  # noqa: E402 - needs the apps loaded

DATABASE = prepare_database()
