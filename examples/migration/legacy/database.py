"""Create and seed the shop's database on first start (and only then).

``legacy/wsgi.py`` calls :func:`prepare_database` once per process. It is
idempotent and safe when several processes start together (gunicorn
workers): the migrations and the seeding run under an exclusive file lock,
and rows are only added when missing.
"""

from __future__ import annotations

import contextlib
import typing as t
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, transaction

from ..data import PASSWORD, USERNAME
from .models import Product

try:
    import fcntl
except ImportError:  # Windows: no lock, start one process at a time
    fcntl = None  # type: ignore[assignment]

PRODUCTS = [
    ("pocket-watch", "Rabbit's pocket watch", "Runs two days slow, beautifully.", 4200),
    ("tea-set", "Mad Hatter tea set", "Six cups; everyone moves one place on.", 3650),
    ("cheshire-mug", "Cheshire cat mug", "The grin stays when the tea is gone.", 1250),
    ("looking-glass", "Looking-glass", "Shows the room, and a little more.", 8900),
    ("croquet-flamingo", "Croquet flamingo", "A plush mallet; hedgehog sold separately.", 2100),
]


def prepare_database() -> Path:
    """Migrate and seed the database if needed; return its path."""
    path = Path(settings.DATABASES["default"]["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(path.with_name(path.name + ".lock")):
        call_command("migrate", interactive=False, verbosity=0)
        _seed()
    # Forked workers must not share the connections of the process that forked.
    connections.close_all()
    return path


def _seed() -> None:
    with transaction.atomic():
        for slug, name, description, price_cents in PRODUCTS:
            Product.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "description": description, "price_cents": price_cents},
            )
        users = get_user_model()
        if not users.objects.filter(username=USERNAME).exists():
            users.objects.create_user(
                USERNAME,
                email="alice@example.com",
                password=PASSWORD,
                first_name="Alice",
                last_name="Liddell",
                is_staff=True,
            )


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> t.Iterator[None]:
    with open(lock_path, "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
