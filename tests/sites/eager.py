"""The party site, bootstrapped when the module is imported.

Served as ``tests.sites.eager:application``; with ``gunicorn --preload`` the
bootstrap happens once in the master, before the fork.
"""

from __future__ import annotations

from tests.sites.party_site import build_site

site = build_site(lazy=False)
application = site.party
