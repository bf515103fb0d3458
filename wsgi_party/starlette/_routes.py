"""A Starlette app's routes, as the party reads them: build, list, match.

:class:`RouteTable` walks the app's router once (mounts included) and
answers the ``url``, ``routes`` and ``match`` hooks from it, always through
Starlette's own code (``url_path_for``, ``Route.matches``)::

    table = RouteTable(app.router, member="api")
    table.build("api:item", {"id": 3, "q": "x"}, None)  # '/api/items/3'; "q" stays
    list(table.routes())           # [('api:item', '/api/items/{id:int}', {'GET', 'HEAD'}), ...]
    table.match("GET", "/api/items/3")   # ('api:item', True, {'GET', 'HEAD'})

Names are Starlette's: a route inside ``Mount(..., name="api")`` is
``"api:item"``, a route inside an unnamed mount keeps its own name, and a
named mount of an app (static files) builds with its ``path`` value. Host
routes are left out: their URLs carry a host of their own, and building
one says so.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.routing import BaseRoute, Host, Match, Mount, NoMatchFound, Router, WebSocketRoute

from wsgi_party.integration import cannot_build, no_such_endpoint

from ._compat import flat_routes

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from starlette.convertors import Convertor

__all__ = ["RouteTable", "find_router"]

#: Characters a built path keeps as they are: those of a path, not "%" (a
#: value's own "%" is written "%25", so that the server reads it back).
_PATH_SAFE = "/:@!$&'()*+,;=~"


@dataclass(frozen=True, slots=True)
class Entry:
    """One buildable route: its full name, rule, path values and methods."""

    name: str
    #: The rule as written, mount paths in front: ``/api/items/{id:int}``.
    rule: str
    #: The names of the values its path takes (a mount's and its own).
    params: frozenset[str]
    #: Its HTTP methods; empty when it takes any (an ASGI endpoint, a mount).
    methods: frozenset[str]
    #: Whether ``routes`` lists it: an HTTP route or app (not a websocket
    #: route, nor a mount whose own routes are listed).
    listed: bool
    #: The router's route that builds it with ``url_path_for``: the route
    #: itself, or the top mount it is in. Several routes may share a name
    #: (FastAPI: a ``GET`` form and a ``POST`` handler); the router's own
    #: ``url_path_for`` would build the first of them for every method.
    builder: t.Any = field(compare=False, repr=False)
    #: The convertor of each path value, to say which value one refused.
    convertors: t.Mapping[str, Convertor[t.Any]] = field(compare=False, repr=False)


def find_router(app: object) -> Router | None:
    """The :class:`~starlette.routing.Router` of ``app``: itself, its ``router``,
    or that of the app it wraps (``app.app``, as ASGI middleware keep it)."""
    seen: set[int] = set()
    current: object = app
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Router):
            return current
        router = getattr(current, "router", None)
        if isinstance(router, Router):
            return router
        current = getattr(current, "app", None)
    return None


class RouteTable:
    """The routes of ``router``, by name, for building, listing and matching.

    The table is made again when the router's top-level routes change in
    number (FastAPI adds routes as modules import); :meth:`refresh` makes
    it again after any other change at run time.
    """

    def __init__(self, router: Router, member: t.Callable[[], str | None]) -> None:
        #: The app's router.
        self.router = router
        self._member = member
        self._size = -1
        self._by_name: dict[str, list[Entry]] = {}
        self._entries: list[Entry] = []
        #: Names of routes inside a Host route, with their host: the app has
        #: them, but their URLs are not paths of this member.
        self._hosted: dict[str, str] = {}

    def refresh(self) -> None:
        """Read the router's routes again."""
        entries = list(_walk(self.router.routes, "", "", {}, None))
        by_name: dict[str, list[Entry]] = {}
        for entry in entries:
            by_name.setdefault(entry.name, []).append(entry)
        self._entries = entries
        self._by_name = by_name
        self._hosted = dict(_hosted_names(self.router.routes, ""))
        self._size = len(self.router.routes)

    def _current(self) -> dict[str, list[Entry]]:
        if self._size != len(self.router.routes):
            self.refresh()
        return self._by_name

    def has(self, name: str) -> bool:
        """Whether a route is named ``name``."""
        return name in self._current() or name in self._hosted

    # -- url ------------------------------------------------------------------------

    def build(self, name: str, values: dict[str, t.Any], method: str | None) -> str:
        """The path of route ``name`` built by ``url_path_for`` (a PathBuilder).

        The values the route's path takes are taken out of ``values``; the
        rest stay for the query string. A route that lacks values raises
        :class:`~wsgi_party.CannotBuild` naming them, chained from Starlette's
        ``NoMatchFound``; a value its convertor refuses, one naming that
        value, chained from the convertor's error.
        """
        entries = self._current().get(name)
        if not entries:
            if name in self._hosted:
                raise cannot_build(
                    self._member(),
                    name,
                    reason=f"it is a route of Host({self._hosted[name]!r}), whose URLs carry"
                    " a host of their own; the party builds the member's paths only",
                )
            raise no_such_endpoint(self._member(), name)
        fitting = [e for e in entries if not method or not e.methods or method in e.methods]
        if not fitting:
            served = ", ".join(sorted(entries[0].methods))
            raise cannot_build(self._member(), name, reason=f"it serves {served}, not {method}")
        entry = next((e for e in fitting if e.params <= values.keys()), None)
        if entry is None:
            route = fitting[0]
            missing = sorted(route.params - values.keys())
            # Starlette's own refusal, as url_path_for raises it for these values.
            refusal = NoMatchFound(
                name, {key: values[key] for key in route.params if key in values}
            )
            raise cannot_build(self._member(), name, missing=missing) from refusal
        path_values = {key: values.pop(key) for key in entry.params}
        try:
            path = str(entry.builder.url_path_for(name, **path_values))
        except NoMatchFound as exc:
            values.update(path_values)
            raise cannot_build(
                self._member(), name, reason=f"no route takes the values {sorted(path_values)!r}"
            ) from exc
        except (AssertionError, ValueError, TypeError) as exc:
            # A convertor refused a value (-1 for an int, "" or "a/b" for a str).
            values.update(path_values)
            refused = _refused(entry, path_values)
            reason = f"{type(exc).__name__}: {exc}"
            if refused is None:
                raise cannot_build(self._member(), name, reason=reason) from exc
            raise cannot_build(
                self._member(), name, refused=refused, given=path_values[refused], reason=reason
            ) from exc
        return quote(path, safe=_PATH_SAFE)

    # -- routes and match -------------------------------------------------------

    def routes(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        """Each HTTP route as ``(name, rule, methods)``."""
        self._current()
        for entry in self._entries:
            if entry.listed:
                yield entry.name, entry.rule, entry.methods

    def match(self, method: str, path: str) -> tuple[str | None, bool, frozenset[str]] | None:
        """Claim ``method path`` as the router would route it, running no endpoint.

        ``path`` is a WSGI ``PATH_INFO`` below the mount. A path routed for
        other methods only is ``(name, False, methods)``; a path the router
        would redirect (a trailing slash added or taken off) is claimed.
        """
        scope: dict[str, t.Any] = {
            "type": "http",
            "method": method,
            "path": _path_text(path) or "/",
            "root_path": "",
            "path_params": {},
            "headers": [],
        }
        return _match(self.router, scope, "")


def _walk(
    routes: Sequence[BaseRoute],
    prefix: str,
    rule_prefix: str,
    convertors: t.Mapping[str, Convertor[t.Any]],
    top: t.Any,
) -> Iterator[Entry]:
    for kind, route in flat_routes(routes):
        if isinstance(kind, Host):
            continue  # built with a host of its own; not a path of this member
        if isinstance(kind, Mount):
            mounted = dict(route.param_convertors)
            path_convertor = mounted.pop("path", None)
            own = {**convertors, **mounted}
            rule = rule_prefix + route.path
            children = route.routes
            if route.name is not None:
                # Named: the mount itself builds (with "path"); its children as
                # "name:child". It is a route of its own only as an app without
                # routes (static files); else its children are.
                full = prefix + route.name
                rule_of_app = f"{rule}/{{path:path}}"
                of_app = {**own, "path": path_convertor} if path_convertor else own
                builder = route if top is None else top
                yield Entry(
                    full,
                    rule_of_app,
                    frozenset(own) | {"path"},
                    frozenset(),
                    not children,
                    builder,
                    of_app,
                )
                yield from _walk(children, f"{full}:", rule, own, builder)
            else:
                yield from _walk(children, prefix, rule, own, route if top is None else top)
            continue
        name = getattr(route, "name", None)
        path = getattr(route, "path", None)
        route_convertors = getattr(route, "param_convertors", None)
        if not isinstance(name, str) or not isinstance(path, str) or route_convertors is None:
            continue
        methods = getattr(route, "methods", None) or ()
        taken = {**convertors, **route_convertors}
        yield Entry(
            prefix + name,
            rule_prefix + path,
            frozenset(taken),
            frozenset(methods),
            not isinstance(kind, WebSocketRoute),
            route if top is None else top,
            taken,
        )


def _hosted_names(routes: Sequence[BaseRoute], prefix: str) -> Iterator[tuple[str, str]]:
    """``(name, host)`` of the Host routes and the routes inside them, as
    ``url_path_for`` names them."""
    for kind, route in flat_routes(routes):
        if isinstance(kind, Host):
            for name in _names([route], prefix):
                yield name, route.host
        elif isinstance(kind, Mount):
            inner = prefix if route.name is None else f"{prefix}{route.name}:"
            yield from _hosted_names(route.routes, inner)


def _names(routes: Sequence[BaseRoute], prefix: str) -> Iterator[str]:
    """Every route name under ``routes``, mounts and hosts opened."""
    for kind, route in flat_routes(routes):
        name = getattr(route, "name", None)
        if isinstance(name, str):
            yield prefix + name
        if isinstance(kind, (Mount, Host)):
            yield from _names(route.routes, prefix if name is None else f"{prefix}{name}:")


def _refused(entry: Entry, values: t.Mapping[str, t.Any]) -> str | None:
    """The name of the first value (by name) its convertor refuses, if one does.

    Only called when a build failed, so it may take its time.
    """
    for key in sorted(values):
        convertor = entry.convertors.get(key)
        if convertor is None:
            continue
        try:
            convertor.to_string(values[key])
        except (AssertionError, ValueError, TypeError):
            return key
    return None


#: What a matcher answers: (endpoint, allowed, methods).
_Claim = tuple[str | None, bool, frozenset[str]]


def _match(router: object, scope: dict[str, t.Any], prefix: str) -> _Claim | None:
    """How ``router`` (a Router, or an app with ``routes``) routes ``scope``.

    ``prefix`` is put in front of route names: ``"api:"`` inside a mount named ``api``.
    """
    routes = list(flat_routes(getattr(router, "routes", None) or ()))
    partial: _Claim | None = None
    for kind, route in routes:
        if isinstance(kind, Host):
            continue  # a match on a host header this question does not carry
        found, child = route.matches(scope)
        if found is Match.NONE:
            continue
        if isinstance(kind, Mount):
            mount_name = None if route.name is None else prefix + route.name
            if not route.routes:  # an app of its own (static files): the whole prefix is its
                return mount_name, True, frozenset()
            # Starlette hands the request to the first mount that matches, for
            # better or worse: what its router says is the answer.
            inner = prefix if mount_name is None else f"{mount_name}:"
            return _match(_inner_router(route), {**scope, **child}, inner)
        name: str | None = getattr(route, "name", None)
        if name is not None:
            name = prefix + name
        methods = frozenset(getattr(route, "methods", None) or ())
        if found is Match.FULL:
            return name, True, methods
        if partial is None:
            partial = (name, False, methods)
    if partial is not None:
        return partial
    if getattr(router, "redirect_slashes", False):
        path: str = scope["path"]
        relative = path[len(scope["root_path"]) :] if scope["root_path"] else path
        if relative != "/":
            toggled = dict(scope)
            toggled["path"] = path.rstrip("/") if path.endswith("/") else f"{path}/"
            for kind, route in routes:
                if not isinstance(kind, Host) and route.matches(toggled)[0] is not Match.NONE:
                    return None, True, frozenset()  # the router answers with a redirect
    return None


def _inner_router(mount: t.Any) -> object:
    """What a mount routes by: its router (or app), else an object with its routes."""
    found = find_router(mount.app)
    return found if found is not None else _Routes(mount.routes)


class _Routes:
    """Routes without a router of their own (no redirect of slashes)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes


def _path_text(path: str) -> str:
    """A WSGI ``PATH_INFO`` (UTF-8 bytes as latin-1) as text, as a2wsgi decodes it."""
    if path.isascii():
        return path
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path
