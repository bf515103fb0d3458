"""URLs and matching: the app's routes as the party sees them.

Route names are endpoints. A path is built exactly as ``request.route_path``
builds it (pregenerators included); values the pattern does not use become
the query string, as in every other member::

    request.party_url("order", id=3)         # this app's route: /admin/orders/3
    request.party_url("blog:post", id=3)     # another member's, via the party
    request.party_url("nope")                # NoSuchRoute, a KeyError
    request.party_url("order")               # NoSuchRoute: ... missing value 'id'

The member's ``url``, ``routes`` and ``match`` answers (:func:`build_path`,
:func:`list_routes`, :func:`match`) read the same :class:`RouteInfos`.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Mapping

from pyramid.httpexceptions import HTTPBadRequest  # type: ignore[import-untyped]

from wsgi_party import (
    CannotBuild,
    HighAndDry,
    PartylineException,
    UntrustedHost,
    UrlBuildError,
    UrlRequest,
    encode_query,
)
from wsgi_party.integration import (
    cannot_build,
    current_scope,
    no_such_endpoint,
    not_in_party,
    request_host,
)

from ._compat import pattern_names, quote_anchor, quote_elements, quote_query, request_methods
from ._look import as_app
from ._settings import INVITE_ROUTE

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ._member import PyramidMember

__all__ = [
    "NoSuchRoute",
    "PartyUrlArgumentError",
    "RouteInfos",
    "build_path",
    "builds_purely",
    "list_routes",
    "match",
    "party_url",
    "untrusted_host_view",
]

# route_url's own overrides: they never become query values.
_PYRAMID_OVERRIDES = frozenset({"_app_url", "_scheme", "_host", "_port", "_anchor", "_query"})
_UNSUPPORTED = ("_app_url", "_host", "_port")


class NoSuchRoute(UrlBuildError, KeyError):
    """``request.party_url`` found the endpoint neither here nor in the party,
    or the app or a member has it but could not build it.

    A :class:`KeyError`, as ``request.route_path`` raises for an unknown
    route, and a :class:`~wsgi_party.UrlBuildError` naming the endpoint and
    the members asked. When a route was found but not built (values
    missing, a method it does not serve), the message says whose and why,
    :attr:`~wsgi_party.UrlBuildError.refusals` holds the reasons and the
    framework's own error (Pyramid's ``KeyError``, Werkzeug's
    ``BuildError``, Django's ``NoReverseMatch``) is the ``__cause__``.

    .. versionchanged:: 0.3
       Says why a route that exists could not be built.
    """

    def __str__(self) -> str:
        return str(self.args[0])


class PartyUrlArgumentError(PartylineException, TypeError):
    """``request.party_url`` was given an argument it does not take
    (``_app_url``, ``_host``, ``_port``, or ``_query`` as a string).

    A :class:`TypeError`, as before 0.3.

    .. versionadded:: 0.3
    """


# -- what each route needs ---------------------------------------------------------


class RouteInfo:
    """What building and matching need to know about one route, computed once."""

    __slots__ = ("methods", "names", "predicates", "route", "route_methods", "view_methods")

    def __init__(
        self,
        route: t.Any,
        names: tuple[str, ...],
        predicates: tuple[t.Any, ...],
        route_methods: tuple[str, ...] | None,
        view_methods: tuple[str, ...] | None,
    ) -> None:
        self.route = route
        #: Names the pattern uses (the rest of the values go to the query).
        self.names = names
        #: Route predicates other than request_method.
        self.predicates = predicates
        #: Methods allowed by the route's request_method predicate (None: any).
        self.route_methods = route_methods
        #: Methods allowed by the route's views (None: any).
        self.view_methods = view_methods
        #: Methods the route serves at all (None: any).
        self.methods = _intersect(route_methods, view_methods)


class RouteInfos:
    """:class:`RouteInfo` of each route of a registry, made on first use.

    A route replaced under the same name (``config.add_route`` again) gets
    a fresh one.
    """

    def __init__(self, registry: t.Any) -> None:
        self.registry = registry
        self._infos: dict[str, RouteInfo] = {}
        self._view_methods: dict[str, tuple[str, ...] | None] | None = None

    def __getitem__(self, route: t.Any) -> RouteInfo:
        info = self._infos.get(route.name)
        if info is None or info.route is not route:
            info = self._infos[route.name] = self._make(route)
        return info

    def _make(self, route: t.Any) -> RouteInfo:
        route_methods: tuple[str, ...] | None = None
        others = []
        for predicate in route.predicates:
            methods = request_methods(predicate)
            if methods is None:
                others.append(predicate)
            else:
                route_methods = _intersect(route_methods, methods)
        if self._view_methods is None:
            self._view_methods = _view_methods(self.registry)
        return RouteInfo(
            route,
            pattern_names(route),
            tuple(others),
            route_methods,
            self._view_methods.get(route.name),
        )


# -- the url service ---------------------------------------------------------------


def builds_purely(member: PyramidMember, endpoint: str) -> bool:
    """Whether route ``endpoint`` builds from its values alone (no pregenerator)."""
    route = member.mapper.get_route(endpoint)
    return route is not None and route.pregenerator is None


def build_path(
    member: PyramidMember, endpoint: str, values: dict[str, t.Any], method: str | None
) -> str:
    """The path of route ``endpoint`` within the app, as ``route_path`` builds it.

    Pops the values the pattern uses (after the route's pregenerator); the
    rest stay in ``values`` for the query string. Raises
    :class:`~wsgi_party.HighAndDry` for an unknown route, a method the route
    does not serve, or missing values.
    """
    route = member.mapper.get_route(endpoint)
    if route is None or endpoint == INVITE_ROUTE:
        raise no_such_endpoint(member.member_name(), endpoint)
    info = member.route_infos[route]
    if method is not None and info.methods is not None and method.upper() not in info.methods:
        raise cannot_build(
            member.member_name(),
            endpoint,
            reason=f"it serves {', '.join(info.methods)}, not {method.upper()}",
        )
    if route.pregenerator is not None:
        return _pregenerated(member, info, values)
    names = info.names
    try:
        given = tuple(map(values.pop, names))
    except KeyError as exc:
        # The names before the one missing were popped: they were given.
        failed = names.index(exc.args[0])
        missing = [names[failed], *(n for n in names[failed + 1 :] if n not in values)]
        _missing(member, info, missing)
    built: str = route.generate(dict(zip(names, given, strict=True)))
    return built


def _pregenerated(member: PyramidMember, info: RouteInfo, values: dict[str, t.Any]) -> str:
    route = info.route
    scope = current_scope()
    elements, kw = as_app(
        member,
        scope.environ if scope is not None else None,
        lambda request: route.pregenerator(request, (), dict(values)),
    )
    values.clear()
    if "_app_url" in kw:
        raise PartylineException(
            f"route {route.name!r} of member {member.member_name()!r} is an external"
            f" route ({route.pattern!r}); the party only builds paths inside members"
        )
    query = kw.get("_query")
    used = {name: kw.pop(name) for name in info.names if name in kw}
    values.update((k, v) for k, v in kw.items() if k not in _PYRAMID_OVERRIDES)
    try:
        path: str = route.generate(used)
    except KeyError:
        _missing(member, info, [n for n in info.names if n not in used])
    if elements:
        suffix = quote_elements(elements)
        path = f"{path}{suffix}" if path.endswith("/") else f"{path}/{suffix}"
    if isinstance(query, str):
        path = f"{path}?{quote_query(query)}" if query else path
    elif query:
        _merge_query(values, query)
    return path


def _missing(member: PyramidMember, info: RouteInfo, missing: list[str]) -> t.NoReturn:
    """Raise the route's refusal for ``missing`` values, from Pyramid's own error.

    Pyramid's ``route.generate`` is asked for the path without them, so that
    its ``KeyError`` is the cause.
    """
    refusal = cannot_build(member.member_name(), info.route.name, missing=missing)
    try:
        info.route.generate({name: "" for name in info.names if name not in missing})
    except (KeyError, ValueError) as exc:
        raise refusal from exc
    raise refusal from None


# -- routes and match --------------------------------------------------------------


def list_routes(member: PyramidMember) -> Iterator[tuple[str, str, Iterable[str]]]:
    """Every route as (name, pattern, methods), the invite route left out."""
    for route in member.mapper.get_routes():
        if route.name == INVITE_ROUTE:
            continue
        pattern: str = route.pattern
        yield (
            route.name,
            pattern if pattern.startswith("/") else f"/{pattern}",
            (member.route_infos[route].methods or ()),
        )


def match(
    member: PyramidMember, method: str, path: str
) -> tuple[str | None, bool, Iterable[str]] | None:
    """Which route the router would pick for ``method`` and ``path``.

    Route predicates are checked as the router checks them (a request_method
    mismatch tries the next route); a route whose views all declare other
    methods answers "not allowed". ``None`` when no route has the path. No
    view is called.
    """
    try:
        upath = path.encode("latin-1").decode("utf-8") or "/"
    except UnicodeError:
        return None
    denied: tuple[str, ...] | None = None
    request = None
    for route in member.mapper.get_routes():
        found = route.match(upath)
        if found is None or route.name == INVITE_ROUTE:
            continue
        info = member.route_infos[route]
        if info.predicates:
            if request is None:
                request = _blank_request(member, method, path)
            context = {"match": found, "route": route}
            if not all(p(context, request) for p in info.predicates):
                continue
        if info.route_methods is not None and method not in info.route_methods:
            denied = tuple(sorted({*(denied or ()), *info.route_methods}))
            continue
        if info.view_methods is not None and method not in info.view_methods:
            return None, False, info.methods or ()
        return route.name, True, info.methods or ()
    if denied is not None:
        return None, False, denied
    return None


def _blank_request(member: PyramidMember, method: str, path: str) -> t.Any:
    request = member.request_factory.blank("/")
    request.environ["PATH_INFO"] = path
    request.environ["REQUEST_METHOD"] = method
    request.registry = member.registry
    return request


# -- request.party_url -------------------------------------------------------------


def party_url(member: PyramidMember, request: t.Any, endpoint: str, kw: dict[str, t.Any]) -> str:
    """``request.party_url``: this app's route first, then the party."""
    url_request = _url_request(endpoint, kw)
    operator = member.operator
    local = _local_route(member, endpoint)
    if local is not None:
        try:
            handle = member.handle_url
            if operator is not None and handle is not None:
                return handle(url_request.located(operator.partyline.base_url))
            return _standalone_url(member, request, local, url_request)
        except HighAndDry as exc:
            if isinstance(exc, CannotBuild):  # Pyramid's own error is the cause
                raise NoSuchRoute(str(exc), endpoint, (), (exc,)) from exc.__cause__ or exc
            raise NoSuchRoute(str(exc), endpoint, ()) from exc
    if operator is None:
        name = member.member_name()
        app = f"Pyramid app {name!r}" if name is not None else "the Pyramid app"
        raise NoSuchRoute(
            f"no route named {endpoint!r} in this app, and {not_in_party(app)}",
            endpoint,
            (),
        )
    try:
        return operator.partyline.build_url(url_request, operator)
    except UrlBuildError as exc:
        # The party's words: which member has it and why it did not build,
        # or that nobody has it; the answering framework's error is the cause.
        raise NoSuchRoute(
            f"no route named {endpoint!r} in member {operator.name!r}, and {exc}",
            endpoint,
            exc.asked,
            exc.refusals,
        ) from (exc.__cause__ if exc.refusals else exc)


def _local_route(member: PyramidMember, endpoint: str) -> str | None:
    """This app's route for ``endpoint``: ``"<member>:name"`` is ``name``, else
    (when the app has no route ``name``) the whole name, as the party reads it."""
    get_route = member.mapper.get_route
    if ":" in endpoint:
        prefix, rest = endpoint.split(":", 1)
        if prefix == member.member_name() and get_route(rest) is not None:
            return rest if rest != INVITE_ROUTE else None
    if get_route(endpoint) is not None:
        return endpoint if endpoint != INVITE_ROUTE else None
    return None


def _standalone_url(
    member: PyramidMember, request: t.Any, route_name: str, url_request: UrlRequest
) -> str:
    """The URL of this app's route when the app is in no party: as ``route_url``."""
    values = dict(url_request.values)
    path = build_path(member, route_name, values, url_request.method)
    prefix: str = request.script_name
    if url_request.external:
        request_host(request.environ)  # a valid host, as in a party
        prefix = request.application_url
        if url_request.scheme:
            prefix = f"{url_request.scheme}{prefix[len(request.scheme) :]}"
    url = f"{prefix}{path}"
    query = encode_query(values)
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    if url_request.anchor is not None:
        url = f"{url}#{quote_anchor(url_request.anchor)}"
    return url


def _url_request(endpoint: str, kw: dict[str, t.Any]) -> UrlRequest:
    """A :class:`~wsgi_party.UrlRequest` from ``party_url``'s arguments.

    Flask's ``_external``, ``_anchor``, ``_method`` and ``_scheme`` (as in
    Flask: it implies ``_external``; with ``_external=False`` it raises
    :class:`~wsgi_party.UrlOptionError`) and Pyramid's ``_query`` (a mapping
    or pairs, merged into the values) are understood.
    """
    for key in _UNSUPPORTED:
        if key in kw:
            raise PartyUrlArgumentError(
                f"party_url({endpoint!r}) does not take {key}: party URLs take the"
                " host from the current request (use _external=True)"
            )
    query = kw.pop("_query", None)
    if query:
        if isinstance(query, str):
            raise PartyUrlArgumentError(
                f"party_url({endpoint!r}) takes _query as a mapping or (key, value)"
                " pairs, not a string"
            )
        _merge_query(kw, query)
    url_request = UrlRequest.from_url_for(endpoint, kw)
    if url_request.anchor == "":  # Pyramid's route_url writes no empty "#"
        url_request = dataclasses.replace(url_request, anchor=None)
    return url_request


def _merge_query(values: dict[str, t.Any], query: t.Any) -> None:
    items = query.items() if isinstance(query, Mapping) else query
    for key, value in items:
        if key in values:
            before = values[key]
            values[key] = [*(before if isinstance(before, list) else [before]), value]
        else:
            values[key] = value


def _view_methods(registry: t.Any) -> dict[str, tuple[str, ...] | None]:
    """Request methods the views of each route accept (None: any), from the
    introspector (empty when introspection is off)."""
    found: dict[str, set[str] | None] = {}
    for entry in registry.introspector.get_category("views", ()):
        view = entry["introspectable"]
        route_name = view.get("route_name")
        if route_name is None or view.get("exception_only"):
            continue
        methods = view.get("request_methods")
        if methods is None:
            found[route_name] = None
            continue
        known = found.setdefault(route_name, set())
        if known is not None:
            known.update((methods,) if isinstance(methods, str) else methods)
    table: dict[str, tuple[str, ...] | None] = {}
    for route_name, methods in found.items():
        if methods is not None and "GET" in methods:
            methods.add("HEAD")  # as Pyramid's request_method predicate does
        table[route_name] = tuple(sorted(methods)) if methods is not None else None
    return table


def _intersect(
    first: tuple[str, ...] | None, second: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    if first is None:
        return second
    if second is None:
        return first
    return tuple(sorted(set(first) & set(second)))


def untrusted_host_view(exc: UntrustedHost, request: t.Any) -> t.Any:
    """Answer :class:`~wsgi_party.UntrustedHost` with Pyramid's 400 Bad Request.

    A link was asked for with a host that is invalid or not one of the
    party's ``trusted_hosts`` (see :func:`~wsgi_party.request_host`).
    """
    return HTTPBadRequest(detail=str(exc))
