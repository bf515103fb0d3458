"""The a2wsgi internals the Starlette integration reads, one adapter each.

Checked on a2wsgi 1.10.x (the oldest supported and the newest installed)::

    from wsgi_party.starlette._compat import asgi_scope_for

    scope = asgi_scope_for(environ)     # the ASGI scope a2wsgi makes for environ
"""

from __future__ import annotations

import typing as t

from a2wsgi.asgi import build_scope

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["asgi_scope_for"]


def asgi_scope_for(environ: WSGIEnvironment) -> dict[str, t.Any]:
    """The HTTP scope a2wsgi gives the app for ``environ``, as a new dict.

    A request the member answers for another member (``identity``,
    ``layout``) is made from it, so that it reads headers, cookies, host and
    ``root_path`` exactly as the app's own requests do.
    """
    # Checked on a2wsgi 1.10.0: a2wsgi.asgi.build_scope(environ) is the
    # function ASGIMiddleware calls for every request; it is not in
    # a2wsgi.__all__.
    return dict(build_scope(environ))  # type: ignore[arg-type]
