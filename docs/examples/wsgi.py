"""The project's WSGI entry point, for every server.

gunicorn wsgi:application                  (with or without --preload)
uwsgi --module wsgi:application ...        (with or without lazy-apps)
waitress-serve wsgi:application
mod_wsgi: WSGIScriptAlias / /srv/mysite/wsgi.py
"""

from __future__ import annotations

# [start-wsgi]
import os

from mysite import create_party

# lazy=True: nothing is invited at import time (in a prefork master, say);
# each process sends its invitations once, at its first request or ask.
# base_url locates URLs built outside any request (task workers, cron jobs).
application = create_party(lazy=True, base_url=os.environ.get("SITE_URL", "http://localhost:8000"))
# [end-wsgi]

# [start-uwsgi]
try:
    from uwsgidecorators import postfork
except ImportError:  # not running under uWSGI
    postfork = None

if postfork is not None:

    @postfork
    def join_party() -> None:
        """Bootstrap in each worker as it starts, not at its first request."""
        application.members  # noqa: B018 - bootstraps a lazy party
# [end-uwsgi]
