"""An eager party whose invite route raises: importing this module fails."""

from __future__ import annotations

import typing as t

from wsgi_party import WSGIParty


def explodes(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    """An app whose invite route is broken."""
    raise RuntimeError("the database is not configured")


application = WSGIParty(explodes)
