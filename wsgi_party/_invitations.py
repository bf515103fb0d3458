"""Invitations: which apps to invite, and keeping invite paths off HTTP.

An invitation is one internal WSGI request to an app's invite route with a
:class:`~wsgi_party.PartylineOperator` in the environ. :func:`discover`
finds where to send them::

    DispatcherMiddleware(shop, {"/blog": blog})
    # -> "/__invite__/", "/blog/__invite__/"

and :class:`InviteGuard` recognises an outside request for any invite path,
in any spelling (percent-encoded, doubled slashes, other case, with or without
the trailing slash), so the party can answer it with 404 itself.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from urllib.parse import unquote

from werkzeug.middleware.dispatcher import DispatcherMiddleware

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["INVITE_PATH", "Invitation", "InviteGuard", "discover"]

#: Where apps serve their invite route, relative to their mount.
INVITE_PATH = "/__invite__/"

_INVITE_SEGMENT = INVITE_PATH.strip("/")


@dataclass(frozen=True, slots=True)
class Invitation:
    """Where to send one invitation.

    ``path`` is requested through the party's application. When ``app`` is
    given the invitation is delivered to it directly instead (members of a
    :class:`~wsgi_party.RouteDispatcher`), as if it were mounted at
    ``script_name``. ``name`` is the member name to give an app that does not
    choose its own.
    """

    path: str
    app: WSGIApplication | None = None
    script_name: str = ""
    name: str | None = None

    @property
    def label(self) -> str:
        """How messages name this invitation."""
        if self.app is None:
            return repr(self.path)
        return f"{self.path!r} (member {self.name!r}, delivered directly)"

    @property
    def mount(self) -> str:
        """The mount of the invited app inside the party."""
        if self.app is not None:
            return self.script_name
        path = self.path
        for suffix in (INVITE_PATH, INVITE_PATH.rstrip("/")):
            if path.endswith(suffix):
                return path[: -len(suffix)]
        return ""


def derive_name(mount: str) -> str:
    """The default member name for a mount: ``/blog`` -> ``blog``, root -> ``root``."""
    name = mount.strip("/").replace("/", ".")
    return name or "root"


def discover(application: object, prefix: str = "") -> list[Invitation]:
    """Where to invite for ``application``.

    A werkzeug ``DispatcherMiddleware`` yields its root and every mount
    (recursing into nested dispatchers); an object with a
    ``__party_invitations__()`` method (such as
    :class:`~wsgi_party.RouteDispatcher`) says itself; anything else is
    invited at its root.
    """
    own = getattr(application, "__party_invitations__", None)
    if own is not None:
        return [
            Invitation(prefix + inv.path, inv.app, prefix + inv.script_name, inv.name)
            for inv in own()
        ]
    if isinstance(application, DispatcherMiddleware):
        found = discover(application.app, prefix)
        for mount in sorted(application.mounts):
            found.extend(discover(application.mounts[mount], prefix + mount))
        return found
    return [Invitation(prefix + INVITE_PATH)]


class InviteGuard:
    """Recognises outside requests for invite paths.

    A path is refused when, decoded and normalised (a path without a leading
    slash is read as if it had one), it is one of the invite paths or has
    the invite segment (``__invite__``) anywhere in it.
    """

    def __init__(self) -> None:
        self._paths: set[str] = set()
        #: Whether every refused path contains "_" (true for the default
        #: invite path), so that paths with neither "_" nor "%" are never
        #: invite paths.
        self.underscored = True

    def add(self, path: str) -> None:
        """Refuse ``path`` (an invite path) from now on."""
        normal = _normalise(path)
        self._paths.add(normal)
        if "_" not in normal:
            self.underscored = False

    def refuses(self, path: str) -> bool:
        """Whether an outside request for ``path`` must get 404."""
        if self.underscored and "_" not in path and "%" not in path:
            return False
        normal = _normalise(path)
        return normal in self._paths or f"/{_INVITE_SEGMENT}/" in f"{normal}/"


def _normalise(path: str) -> str:
    for _ in range(3):
        if "%" not in path:
            break
        path = unquote(path)
    path = path.lower().replace("\\", "/")
    if not path.startswith("/"):
        # waitress and Werkzeug's server pass "__invite__/" for the request
        # targets "__invite__/" and "x:__invite__/", gunicorn the rest of a
        # path glued to its SCRIPT_NAME; a router (Werkzeug's) reads it as
        # "/__invite__/".
        path = f"/{path}"
    while "//" in path:
        path = path.replace("//", "/")
    return path.rstrip("/")
