"""``party_url``: a Starlette app's links to its own routes and to the party's.

In endpoints (``def`` or ``async def``), dependencies and templates::

    from wsgi_party.starlette import party_url

    party_url(request, "item", id=3)              # the app's own route
    party_url(request, "blog:post", id=3)         # '/blog/post/3', built by the blog
    party_url(request, "post", id=3, _external=True, _anchor="top")

The app's own names are built by its router (``url_path_for``), any other
is asked of the party; options and the query string follow Flask's
``url_for`` as for every member. Outside a party the app's own routes
still build.
"""

from __future__ import annotations

import typing as t

from starlette.routing import NoMatchFound

from wsgi_party import (
    HighAndDry,
    UrlBuildError,
    UrlRequest,
    current_scope,
    encode_query,
    request_host,
)
from wsgi_party.integration import build_link, enter_scope, finish_url, leave_scope, not_in_party

from ._member import member_of

if t.TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from ._member import StarletteMember

__all__ = ["PartyBuildError", "party_url"]


class PartyBuildError(UrlBuildError, NoMatchFound):
    """No member of the party (nor the app) could build a URL for the endpoint.

    A :class:`~wsgi_party.UrlBuildError` like every "no URL" error of the
    party, and Starlette's :class:`~starlette.routing.NoMatchFound`, so code
    that catches it from ``request.url_for`` keeps working. Chained from
    the party's (or the app's) own reason.
    """

    def __init__(self, message: str, endpoint: str, asked: tuple[str, ...]) -> None:
        UrlBuildError.__init__(self, message, endpoint, asked)

    def __str__(self) -> str:
        return str(self.args[0])


def party_url(request: HTTPConnection, endpoint: str, /, **values: t.Any) -> str:
    """Build a URL to ``endpoint`` for ``request``, the app's own routes first.

    A route name of the app (``"item"``, ``"api:item"`` for a named
    mount) is built by the app's router, under the root the request is
    served at (through the party: its prefix and the app's mount); any
    other (or ``"member:endpoint"``) is asked of the party. Values the route does
    not take become the query string; ``_external``, ``_anchor``,
    ``_method`` and ``_scheme`` work as in Flask's ``url_for``. Raises
    :class:`PartyBuildError` when nobody builds it.
    """
    member = member_of(request)
    table = member.route_table
    if table is not None and table.has(endpoint):
        return _own_url(member, request, endpoint, values)
    scope = member.scope_for(request)
    if scope is None:
        raise PartyBuildError(
            f"could not build a URL for endpoint {endpoint!r}: the app has no route"
            f" named so, and {not_in_party(member.app_label())}",
            endpoint,
            (),
        )
    operator = scope.operator
    token = enter_scope(scope) if current_scope() is not scope else None
    try:
        return build_link(operator, endpoint, values)
    except UrlBuildError as exc:
        raise PartyBuildError(
            f"could not build a URL for endpoint {endpoint!r} from member {operator.name!r}: {exc}",
            exc.endpoint,
            exc.asked,
        ) from exc
    finally:
        if token is not None:
            leave_scope(token)


def _own_url(
    member: StarletteMember, request: HTTPConnection, endpoint: str, values: dict[str, t.Any]
) -> str:
    """:func:`party_url` of a route of the app, as the app serves ``request``.

    Under the request's own root: through the member that is the party's
    root and the app's mount, so the link equals the one the party builds;
    served directly (the app's own ``TestClient``), the app's root. An
    external link takes the request's host, held to the party's rules
    (:func:`~wsgi_party.request_host`) when the member is in one.
    """
    wanted = UrlRequest.from_url_for(endpoint, dict(values))
    rest = dict(wanted.values)
    table = member.route_table
    assert table is not None
    try:
        path = table.build(wanted.endpoint, rest, wanted.method)
    except HighAndDry as exc:
        raise PartyBuildError(
            f"could not build a URL for endpoint {endpoint!r}: {exc}", endpoint, ()
        ) from exc
    if rest:
        query = encode_query(rest)
        if query:
            path = f"{path}{'&' if '?' in path else '?'}{query}"
    asgi = request.scope
    scheme, host = request.url.scheme, request.url.netloc
    if wanted.external:
        party = member.scope_for(request)
        if party is not None:
            scheme = party.environ.get("wsgi.url_scheme", scheme)
            host = request_host(
                party.environ, getattr(party.operator.partyline, "trusted_hosts", None)
            )
    located = UrlRequest(
        wanted.endpoint,
        wanted.values,
        wanted.external,
        wanted.anchor,
        wanted.method,
        # Inside a mount root_path has the mount's path too; the app's is kept aside.
        script_root=asgi.get("app_root_path", asgi.get("root_path", "")),
        scheme=wanted.scheme or scheme,
        host=host,
    )
    return finish_url(located, "", path)
