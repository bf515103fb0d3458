"""The party site with ``lazy=True``: it bootstraps on its first request.

Served as ``tests.sites.lazy:application``. Each invitation is slowed down
(:data:`INVITE_DELAY`) so that the first burst of concurrent requests really
arrives while the bootstrap is under way.
"""

from __future__ import annotations

from tests.sites.party_site import build_site

#: Seconds each invitation takes, to widen the window for a race.
INVITE_DELAY = 0.05

site = build_site(lazy=True, invite_delay=INVITE_DELAY)
application = site.party
