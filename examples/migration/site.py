"""The whole site: a legacy Django shop and the new apps grafted onto it.

``application`` is the WSGI application; serve it with anything::

    python -m examples.migration                      # waitress on 127.0.0.1:8000
    wsgi-party serve examples/migration/site.py:application
    gunicorn -w 2 examples.migration.site:application

How it is put together::

    /                 RouteDispatcher: "shopfront" (Flask) claims /products/<pk>/,
                      "api" (FastAPI) claims /api/products/ and /api/products/<pk>,
                      "legacy" (Django) gets everything else
    /blog             "blog"   (Flask)
    /admin            "admin"  (Pyramid)
    /status           "status" (WebOb, through PartyMember)

Every app links to the others through the party, by endpoint name. The
legacy shop owns login and the site's chrome, and says so: ``owners`` names
it, so every app (the legacy shop too) asks it, and nothing depends on the
order the apps join in; ``login`` follows ``identity``.
"""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import RouteDispatcher, WSGIParty

from .admin import create_admin
from .api import create_api
from .blog import create_blog
from .legacy.wsgi import application as legacy
from .shopfront import create_shopfront
from .status import create_status


def create_site() -> WSGIParty:
    """Mount the apps and open the party (it bootstraps on the first request)."""
    root = RouteDispatcher(
        {"shopfront": create_shopfront(), "api": create_api(), "legacy": legacy}, default="legacy"
    )
    mounts = {"/blog": create_blog(), "/admin": create_admin(), "/status": create_status()}
    return WSGIParty(
        DispatcherMiddleware(root, mounts),
        lazy=True,
        owners={"identity": "legacy", "layout": "legacy"},
    )


application = create_site()
