"""The project's ASGI entry point: the whole WSGI site under an ASGI server.

uvicorn --workers 2 asgi:application
uvicorn --workers 2 --root-path /site asgi:application   (behind a proxy at /site)
"""

from __future__ import annotations

# [start-asgi]
from a2wsgi import WSGIMiddleware
from wsgi import application as party

# The party (lazy, from wsgi.py) runs in a2wsgi's thread pool; each uvicorn
# worker imports this module and has its own party.
application = WSGIMiddleware(party)
# [end-asgi]
