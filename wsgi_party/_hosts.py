"""Which host an external URL may name: the request's, once validated.

An external URL built in a request takes its host from that request, which
the client chose. :func:`request_host` hands it out only when it is a valid
host name, as Werkzeug validates it, and one of the party's
``trusted_hosts`` when the party has them::

    party = WSGIParty(app, trusted_hosts=["example.com", ".example.com"])
    request_host(environ, party.trusted_hosts)   # 'shop.example.com:8080'
    # Host: good.example@evil.example   ->  UntrustedHost (a 400 Bad Request)

Outside a request the party's ``base_url`` (configuration, not client
input) locates external URLs instead.
"""

from __future__ import annotations

import re
import typing as t

from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

from ._exceptions import PartylineException, UntrustedHost

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["request_host", "trusted_host_list"]

# The characters Werkzeug 3.1.7+ allows in a host (werkzeug.sansio.utils
# ._host_re, checked on 3.1.8): a name or IPv4 address, or a bracketed IPv6
# address, then an optional port. Werkzeug 3.0, which this package still
# supports, returns any Host header unchecked, so the check is made here too.
_VALID_HOST = re.compile(r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?", re.I | re.A)


def request_host(environ: WSGIEnvironment, trusted_hosts: Iterable[str] | None = None) -> str:
    """The ``host[:port]`` of the request ``environ``, for an external URL.

    Taken as Werkzeug's :func:`~werkzeug.wsgi.get_host` takes it: the
    ``Host`` header, else ``SERVER_NAME`` and ``SERVER_PORT``, without the
    scheme's default port. Raises :class:`~wsgi_party.UntrustedHost`
    naming the host when it is not a valid host name, or when
    ``trusted_hosts`` is given and the host matches none of them (Werkzeug's
    rules: the port is ignored, ``.example.com`` also matches every
    subdomain; an empty list trusts every host).
    """
    given = environ.get("HTTP_HOST")
    try:
        host = get_host(environ)
    except KeyError:  # a hand-made environ without wsgi.url_scheme: plain http
        host = get_host({**environ, "wsgi.url_scheme": "http"})
    if not host or _VALID_HOST.fullmatch(host) is None:
        named = str(given if given is not None else environ.get("SERVER_NAME", ""))
        problem = (
            f"the request's host {named!r} is not a valid host name"
            if named
            else "the request names no host (no Host header, no SERVER_NAME)"
        )
        raise UntrustedHost(f"{problem}, so no external URL is built from it", named)
    if trusted_hosts and not host_is_trusted(host, list(trusted_hosts)):
        raise UntrustedHost(
            f"the request's host {host!r} is not one of the party's trusted_hosts"
            f" ({', '.join(map(repr, trusted_hosts))}), so no external URL is built"
            " from it",
            host,
        )
    return host


def trusted_host_list(trusted_hosts: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """``trusted_hosts`` as a tuple of host names (a single string is one host)."""
    if trusted_hosts is None:
        return None
    hosts = (trusted_hosts,) if isinstance(trusted_hosts, str) else tuple(trusted_hosts)
    for host in hosts:
        if not isinstance(host, str) or not host.strip("."):
            raise PartylineException(
                f"trusted_hosts must be host names such as 'example.com' or"
                f" '.example.com', got {host!r}"
            )
    return hosts
