"""The whole site for an ASGI server: ``uvicorn examples.migration.asgi:application``.

a2wsgi's ``WSGIMiddleware`` serves the party (``site.application``) from a
thread pool; uvicorn's ``--root-path`` becomes its ``SCRIPT_NAME``, so every
link starts with it. The FastAPI member runs, as under any WSGI server, on
its own event loop thread::

    uvicorn --workers 2 examples.migration.asgi:application
    uvicorn --root-path /shop examples.migration.asgi:application   # behind a proxy at /shop
"""

from __future__ import annotations

import importlib
import typing as t
from concurrent.futures import ThreadPoolExecutor

from a2wsgi import WSGIMiddleware


def _load_site() -> t.Any:
    """Import the WSGI site in a thread of its own, and return its application.

    uvicorn imports this module while its event loop runs, and Django refuses
    to touch the database from a thread with a running loop; the legacy
    project migrates and seeds its database when it is imported.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(importlib.import_module, f"{__package__}.site").result().application


application = WSGIMiddleware(_load_site())
