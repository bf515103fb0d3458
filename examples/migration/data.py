"""The shop's database, as the new apps read it.

The legacy Django project owns the database (its models, its migrations, the
seeded rows); the new apps read the same SQLite file with the standard
library, read-only, as new code grafted onto an old schema usually does::

    from .data import database_path, product, products

    database_path()          # where the file is (WSGI_PARTY_DEMO_DB, or a temp dir)
    products()               # [Product(pk=1, slug='pocket-watch', ...), ...]
    product(2)               # one Product, or None
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the SQLite file (created on first start).
DATABASE_ENV = "WSGI_PARTY_DEMO_DB"

#: The legacy model's table (``Product.Meta.db_table``).
TABLE = "shop_product"

#: The user the legacy project seeds on first start: log in with these.
USERNAME = "alice"
PASSWORD = "wonderland"


def database_path() -> Path:
    """The SQLite file of the shop: ``$WSGI_PARTY_DEMO_DB``, else a temp dir's."""
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        user = "user"
    return Path(tempfile.gettempdir()) / f"wsgi-party-demo-{user}" / "shop.sqlite3"


@dataclass(frozen=True)
class Product:
    """One row of the legacy ``shop_product`` table."""

    pk: int
    slug: str
    name: str
    description: str
    price_cents: int

    @property
    def price(self) -> str:
        """The price for display, e.g. ``"12.50"``."""
        return f"{self.price_cents / 100:.2f}"


def _query(sql: str, *params: object) -> list[Product]:
    uri = f"{database_path().as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        rows = connection.execute(sql, params).fetchall()
    connection.close()
    return [Product(*row) for row in rows]


_COLUMNS = "id, slug, name, description, price_cents"


def products() -> list[Product]:
    """Every product, in catalogue order."""
    return _query(f"SELECT {_COLUMNS} FROM {TABLE} ORDER BY id")


def product(pk: int) -> Product | None:
    """The product ``pk``, or ``None``."""
    found = _query(f"SELECT {_COLUMNS} FROM {TABLE} WHERE id = ?", pk)
    return found[0] if found else None


def product_by_slug(slug: str) -> Product | None:
    """The product called ``slug``, or ``None``."""
    found = _query(f"SELECT {_COLUMNS} FROM {TABLE} WHERE slug = ?", slug)
    return found[0] if found else None
