"""The party site served by an ASGI server, through a2wsgi's ``WSGIMiddleware``.

Two application factories, for uvicorn's ``--factory``; each worker process
calls one when it starts::

    uvicorn --factory --workers 2 --root-path /site tests.sites.asgi:lazy

:func:`eager` bootstraps the party in the factory, :func:`lazy` at the
worker's first request (each invitation slowed down as in
:mod:`tests.sites.lazy`, so that a first burst of requests races it).
"""

from __future__ import annotations

from a2wsgi import WSGIMiddleware

from tests.sites.party_site import build_site

#: Seconds each invitation of the lazy site takes, as in :mod:`tests.sites.lazy`
#: (not imported from there: importing it builds a site).
INVITE_DELAY = 0.05


def eager() -> WSGIMiddleware:
    """The site, bootstrapped now, as an ASGI app."""
    return WSGIMiddleware(build_site(lazy=False).party)


def lazy() -> WSGIMiddleware:
    """The site, bootstrapped at its first request, as an ASGI app."""
    return WSGIMiddleware(build_site(lazy=True, invite_delay=INVITE_DELAY).party)
