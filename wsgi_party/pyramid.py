"""Pyramid integration: ``config.include("wsgi_party.pyramid")``.

Include it, mount the app in a party, and it joins when invited::

    config = Configurator(settings={
        "wsgi_party.name": "admin",
        "wsgi_party.fragments": "header = myapp:templates/header.pt",
    })
    config.include("wsgi_party.pyramid")
    config.set_security_policy(MySecurityPolicy())     # answers ``identity``
    admin = config.make_wsgi_app()

    application = WSGIParty(DispatcherMiddleware(shop, {"/admin": admin}))

Views and templates then link, log in and dress up across the party::

    request.party_url("blog:post", id=3)   # a local route first, then the party
    request.party_identity                 # Identity or None (reified)
    request.party_fragment("header")       # Markup from the layout owner
    request.partyline                      # the operator (None outside a party)

Templates get ``party_url``, ``party_fragment``, ``party_identity()`` and
``partyline`` as renderer globals, and :data:`wsgi_party.partyline` is bound
during every request of the app (a tween).

Settings:

``wsgi_party.name``
    The member name (default: derived from the mount, ``/admin`` -> ``admin``).
``wsgi_party.fragments``
    Layout fragments this app renders for the party: a dict, or lines of
    ``name = renderer`` (asset specs, e.g. ``myapp:templates/header.pt``).
``wsgi_party.identity``
    Dotted name of a callable ``(request) -> Identity | None``. Without it,
    an app with a security policy answers ``identity`` from
    ``request.authenticated_userid`` and ``request.identity``.

The app answers ``url`` from its routes (route names are endpoints), exactly
as ``request.route_path`` builds them, pregenerators included; values the
pattern does not use become the query string, as in every other framework of
the party. It also answers ``ping``, ``routes`` and ``match``.
"""

from __future__ import annotations

import dataclasses
import functools
import typing as t
from collections.abc import Mapping

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import pyramid  # type: ignore[import-untyped]  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.pyramid needs Pyramid: pip install "wsgi_party[pyramid]"'
    raise ModuleNotFoundError(msg, name=error.name) from error
from pyramid.authorization import (  # type: ignore[import-untyped]
    Authenticated,
    Everyone,
)
from pyramid.encode import url_quote  # type: ignore[import-untyped]
from pyramid.events import BeforeRender  # type: ignore[import-untyped]
from pyramid.exceptions import ConfigurationError  # type: ignore[import-untyped]
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound  # type: ignore[import-untyped]
from pyramid.interfaces import (  # type: ignore[import-untyped]
    IAuthenticationPolicy,
    IRequestFactory,
    IRoutesMapper,
    ISecurityPolicy,
)
from pyramid.predicates import RequestMethodPredicate  # type: ignore[import-untyped]
from pyramid.renderers import render  # type: ignore[import-untyped]
from pyramid.request import Request, apply_request_extensions  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]
from pyramid.security import (  # type: ignore[import-untyped]
    NO_PERMISSION_REQUIRED,
    LegacySecurityPolicy,
)
from pyramid.threadlocal import (  # type: ignore[import-untyped]
    RequestContext,
    get_current_request,
)
from pyramid.traversal import (  # type: ignore[import-untyped]
    PATH_SEGMENT_SAFE,
    quote_path_segment,
)
from pyramid.tweens import EXCVIEW  # type: ignore[import-untyped]
from pyramid.url import ANCHOR_SAFE, QUERY_SAFE  # type: ignore[import-untyped]
from zope.interface import Interface  # type: ignore[import-untyped]

from wsgi_party import (
    INVITE_PATH,
    HighAndDry,
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    PartylineException,
    PartylineOperator,
    UntrustedHost,
    UrlBuildError,
    UrlRequest,
    WSGIParty,
    bind_request,
    current_scope,
    encode_query,
    request_host,
    standard_handlers,
    unbind_request,
    url_handler,
)
from wsgi_party.integration import no_such_endpoint

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "FRAGMENTS_SETTING",
    "IDENTITY_SETTING",
    "INVITE_ROUTE",
    "NAME_SETTING",
    "IPartyMember",
    "NoSuchRoute",
    "PyramidMember",
    "add_renderer_globals",
    "includeme",
    "invite_view",
    "party_member",
    "partyline_tween_factory",
    "untrusted_host_view",
]

#: Setting: the member name.
NAME_SETTING = "wsgi_party.name"
#: Setting: layout fragments this app renders, ``name -> renderer``.
FRAGMENTS_SETTING = "wsgi_party.fragments"
#: Setting: dotted name of a ``(request) -> Identity | None`` callable.
IDENTITY_SETTING = "wsgi_party.identity"
#: Name of the invite route (pattern :data:`wsgi_party.INVITE_PATH`).
INVITE_ROUTE = "wsgi_party.invite"

# route_url's own overrides: they never become query values.
_PYRAMID_OVERRIDES = frozenset({"_app_url", "_scheme", "_host", "_port", "_anchor", "_query"})
_UNSUPPORTED = ("_app_url", "_host", "_port")
_T = t.TypeVar("_T")
_SYSTEM_PRINCIPALS = frozenset({Everyone, Authenticated})
_FRAGMENT_CACHE = "_wsgi_party_fragments"
#: Environ key of the requests members made for an asking request.
_REQUESTS_KEY = "wsgi_party.pyramid.requests"


class IPartyMember(Interface):  # type: ignore[misc]
    """Marker under which the app's :class:`PyramidMember` is registered."""


class NoSuchRoute(UrlBuildError, KeyError):
    """``request.party_url`` found the endpoint neither here nor in the party.

    A :class:`KeyError`, as ``request.route_path`` raises for an unknown
    route, and a :class:`~wsgi_party.UrlBuildError` naming the endpoint and
    the members asked.
    """

    def __str__(self) -> str:
        return str(self.args[0])


class _RouteInfo:
    """What building and matching need to know about one route, computed once."""

    __slots__ = (
        "methods",
        "names",
        "predicates",
        "route",
        "route_methods",
        "view_methods",
    )

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


class PyramidMember:
    """One Pyramid app's membership: its settings, its operator, its handlers.

    :func:`includeme` registers one per registry (see :func:`party_member`);
    the invite view hands it the operator, and it answers the party's
    services from the registry's routes, security policy and renderers.
    """

    def __init__(
        self,
        registry: t.Any,
        *,
        name: str | None = None,
        fragments: Mapping[str, str] | None = None,
        identity: Callable[[t.Any], Identity | None] | None = None,
        package: t.Any = None,
    ) -> None:
        self.registry = registry
        #: The member name from the settings (None: derived from the mount).
        self.name = name
        #: Layout fragments this app renders: name -> renderer asset spec.
        self.fragments: dict[str, str] = dict(fragments or {})
        #: The ``wsgi_party.identity`` callable, if configured.
        self.identity_factory = identity
        #: Package relative renderer specs are resolved against.
        self.package = package
        #: The operator of the party this app is in, if any.
        self.operator: PartylineOperator | None = None
        self._url: Callable[[object], str] | None = None
        self._routes: dict[str, _RouteInfo] = {}
        self._view_methods: dict[str, tuple[str, ...] | None] | None = None

    def __repr__(self) -> str:
        return f"<PyramidMember {self.member_name!r} operator={self.operator!r}>"

    @property
    def member_name(self) -> str | None:
        """The name the app joined under, else the configured one."""
        operator = self.operator
        return operator.name if operator is not None else self.name

    @property
    def mount(self) -> str:
        """Where the app is mounted inside the party ("" for the root)."""
        operator = self.operator
        return operator.script_name if operator is not None else ""

    @functools.cached_property
    def mapper(self) -> t.Any:
        """The registry's routes mapper."""
        return self.registry.getUtility(IRoutesMapper)

    @functools.cached_property
    def request_factory(self) -> t.Any:
        """The app's request factory (what its router uses)."""
        return self.registry.queryUtility(IRequestFactory, default=Request)

    @property
    def offers_identity(self) -> bool:
        """Whether this app answers ``identity``: a policy or the setting."""
        return (
            self.identity_factory is not None
            or self.registry.queryUtility(ISecurityPolicy) is not None
        )

    # -- joining ---------------------------------------------------------------

    def accept(self, operator: PartylineOperator) -> t.Any:
        """Join the party of ``operator``; the invite view's response."""
        if not operator.join(self.registry, name=self.name):
            return Response(operator.declined or "declined", status=409, content_type="text/plain")
        self._url = url_handler(operator, self.build_path, pure=self.builds_purely)
        operator.connect("url", self._url)
        standard_handlers(operator, self.list_routes, self.match)
        if self.offers_identity:
            operator.connect("identity", self.identity_handler)
        if self.fragments:
            operator.connect("layout", self.layout_handler)
        self.operator = operator
        operator.on_close(functools.partial(self._left, operator))
        return Response("joined\n", content_type="text/plain")

    def _left(self, operator: PartylineOperator) -> None:
        if self.operator is operator:
            self.operator = None
            self._url = None

    # -- url -------------------------------------------------------------------

    def builds_purely(self, endpoint: str) -> bool:
        """Whether route ``endpoint`` builds from its values alone (no pregenerator).

        The ``url`` handler caches whole URLs of such routes.
        """
        route = self.mapper.get_route(endpoint)
        return route is not None and route.pregenerator is None

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        """The path of route ``endpoint`` within the app, as ``route_path`` builds it.

        Pops the values the pattern uses (after the route's pregenerator);
        the rest stay in ``values`` for the query string. Raises
        :class:`~wsgi_party.HighAndDry` for an unknown route, a method the
        route does not serve, or missing values.
        """
        info = self._routes.get(endpoint)
        route = self.mapper.get_route(endpoint)
        if info is None or info.route is not route:
            if route is None or endpoint == INVITE_ROUTE:
                raise no_such_endpoint(self.member_name, endpoint)
            info = self._route_info(route)
        if method is not None and info.methods is not None and method.upper() not in info.methods:
            raise HighAndDry(
                f"member {self.member_name!r}: route {endpoint!r} does not serve"
                f" {method.upper()} (it serves {', '.join(info.methods)})"
            )
        if route.pregenerator is not None:
            return self._pregenerated(info, values)
        # Whole URLs of such routes are cached by the url handler (see
        # builds_purely), so each set of values is generated here once.
        names = info.names
        try:
            given = tuple(map(values.pop, names))
        except KeyError as exc:
            raise self._missing(info, exc.args[0]) from None
        built: str = route.generate(dict(zip(names, given, strict=True)))
        return built

    def _pregenerated(self, info: _RouteInfo, values: dict[str, t.Any]) -> str:
        route = info.route
        scope = current_scope()
        elements, kw = self._as_app(
            scope.environ if scope is not None else None,
            lambda request: route.pregenerator(request, (), dict(values)),
        )
        values.clear()
        if "_app_url" in kw:
            raise PartylineException(
                f"route {route.name!r} of member {self.member_name!r} is an external"
                f" route ({route.pattern!r}); the party only builds paths inside members"
            )
        query = kw.get("_query")
        used = {name: kw.pop(name) for name in info.names if name in kw}
        values.update((k, v) for k, v in kw.items() if k not in _PYRAMID_OVERRIDES)
        try:
            path: str = route.generate(used)
        except KeyError as exc:
            raise self._missing(info, exc.args[0]) from None
        if elements:
            suffix = "/".join(quote_path_segment(e, safe=PATH_SEGMENT_SAFE) for e in elements)
            path = f"{path}{suffix}" if path.endswith("/") else f"{path}/{suffix}"
        if isinstance(query, str):
            path = f"{path}?{url_quote(query, QUERY_SAFE)}" if query else path
        elif query:
            _merge_query(values, query)
        return path

    def _missing(self, info: _RouteInfo, name: object) -> HighAndDry:
        return HighAndDry(
            f"member {self.member_name!r}: route {info.route.name!r} needs a value for"
            f" {name!r} (its pattern {info.route.pattern!r} uses"
            f" {', '.join(map(repr, info.names))})"
        )

    def _route_info(self, route: t.Any) -> _RouteInfo:
        route_methods: tuple[str, ...] | None = None
        others = []
        for predicate in route.predicates:
            if isinstance(predicate, RequestMethodPredicate):
                route_methods = _intersect(route_methods, tuple(predicate.val))
            else:
                others.append(predicate)
        if self._view_methods is None:
            self._view_methods = _view_methods(self.registry)
        info = _RouteInfo(
            route,
            _pattern_names(route),
            tuple(others),
            route_methods,
            self._view_methods.get(route.name),
        )
        self._routes[route.name] = info
        return info

    def _info(self, route: t.Any) -> _RouteInfo:
        info = self._routes.get(route.name)
        if info is None or info.route is not route:
            info = self._route_info(route)
        return info

    # -- routes and match ------------------------------------------------------

    def list_routes(self) -> Iterator[tuple[str, str, t.Iterable[str]]]:
        """Every route as (name, pattern, methods), the invite route left out."""
        for route in self.mapper.get_routes():
            if route.name == INVITE_ROUTE:
                continue
            pattern: str = route.pattern
            yield (
                route.name,
                pattern if pattern.startswith("/") else f"/{pattern}",
                (self._info(route).methods or ()),
            )

    def match(self, method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
        """Which route the router would pick for ``method`` and ``path``.

        Route predicates are checked as the router checks them (a
        request_method mismatch tries the next route); a route whose views
        all declare other methods answers "not allowed". ``None`` when no
        route has the path. No view is called.
        """
        try:
            upath = path.encode("latin-1").decode("utf-8") or "/"
        except UnicodeError:
            return None
        denied: tuple[str, ...] | None = None
        request = None
        for route in self.mapper.get_routes():
            found = route.match(upath)
            if found is None or route.name == INVITE_ROUTE:
                continue
            info = self._info(route)
            if info.predicates:
                if request is None:
                    request = self._blank_request(method, path)
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

    def _blank_request(self, method: str, path: str) -> t.Any:
        request = self.request_factory.blank("/")
        request.environ["PATH_INFO"] = path
        request.environ["REQUEST_METHOD"] = method
        request.registry = self.registry
        return request

    # -- identity and layout ---------------------------------------------------

    def identity_handler(self, payload: object) -> Identity | None:
        """The ``identity`` handler: who is logged in for the current request."""
        scope = current_scope()
        if scope is None:
            raise NoPartylineContext(
                f"member {self.member_name!r} answers 'identity' for the current"
                " request only; there is none (ask from inside a member's request)"
            )
        return self._as_app(scope.environ, self.identity_for)

    def identity_for(self, request: t.Any) -> Identity | None:
        """The :class:`~wsgi_party.Identity` of ``request``'s user, or None."""
        factory = self.identity_factory
        if factory is not None:
            found = factory(request)
            if found is not None and not isinstance(found, Identity):
                raise PartylineException(
                    f"{IDENTITY_SETTING} callable {factory!r} of member"
                    f" {self.member_name!r} returned {type(found).__name__};"
                    " it must return a wsgi_party.Identity or None"
                )
            return found
        userid = request.authenticated_userid
        if userid is None:
            return None
        identity = request.identity
        name = _field(identity, "name")
        return Identity(
            str(userid),
            str(name) if name is not None else str(userid),
            self._roles(request, userid, identity),
        )

    def _roles(self, request: t.Any, userid: object, identity: object) -> frozenset[str]:
        policy = self.registry.queryUtility(ISecurityPolicy)
        if isinstance(policy, LegacySecurityPolicy):
            policy = self.registry.queryUtility(IAuthenticationPolicy)
        principals = getattr(policy, "effective_principals", None)
        if callable(principals):
            found = principals(request)
        else:
            found = _field(identity, "roles") or _field(identity, "groups") or ()
        return frozenset(str(p) for p in found if p not in _SYSTEM_PRINCIPALS and p != userid)

    def layout_handler(self, payload: object) -> str:
        """The ``layout`` handler: render a declared fragment for the current request.

        The template gets ``fragment`` (its name) and, as usual, ``request``:
        this app's request for the asker's (same cookies, host and user;
        ``SCRIPT_NAME`` at this app's mount) and the renderer globals.
        """
        if not isinstance(payload, str) or payload not in self.fragments:
            raise HighAndDry(f"member {self.member_name!r} declares no fragment {payload!r}")
        name, spec = payload, self.fragments[payload]
        scope = current_scope()
        if scope is None:
            raise NoPartylineContext(
                f"member {self.member_name!r} renders fragment {payload!r} for the"
                " current request only; there is none"
            )
        return self._as_app(scope.environ, lambda request: self._render(name, spec, request))

    def _render(self, name: str, spec: str, request: t.Any) -> str:
        html: str = render(spec, {"fragment": name}, request=request, package=self.package)
        return html

    def _as_app(self, environ: WSGIEnvironment | None, use: Callable[[t.Any], _T]) -> _T:
        """Call ``use`` with this app's request for ``environ``.

        That is the app's own current request when ``environ`` is its;
        otherwise a request of the app's request factory, made once per
        asking request, with the app's request methods and its
        ``SCRIPT_NAME`` moved to the app's mount (so ``route_url`` builds
        this app's links), used with Pyramid's thread locals pushed.
        """
        current = get_current_request()
        if (
            current is not None
            and getattr(current, "registry", None) is self.registry
            and (environ is None or current.environ is environ)
        ):
            return use(current)
        if environ is None:
            request = self._request_for(None)
        else:
            # One request per member per asking request, kept in its environ:
            # building one (request extensions included) costs more than the
            # URL, the identity or the fragment it is built for.
            made: dict[PyramidMember, t.Any] = environ.setdefault(_REQUESTS_KEY, {})
            request = made.get(self)
            if request is None:
                request = made[self] = self._request_for(environ)
        with RequestContext(request):
            return use(request)

    def _request_for(self, environ: WSGIEnvironment | None) -> t.Any:
        mount = self.mount
        if environ is None:
            operator = self.operator
            base = (operator.partyline.base_url if operator is not None else None) or ""
            request = self.request_factory.blank(
                "/", base_url=f"{base.rstrip('/') or 'http://localhost'}{mount}"
            )
        else:
            env = dict(environ)
            scope = current_scope()
            script_name: str = env.get("SCRIPT_NAME", "")
            full = script_name + env.get("PATH_INFO", "")
            if scope is not None:
                script_name = scope.party_root
            elif mount and script_name.endswith(mount):
                script_name = script_name[: -len(mount)]
            own = script_name + mount
            env["SCRIPT_NAME"] = own
            env["PATH_INFO"] = full[len(own) :] if full.startswith(f"{own}/") else "/"
            request = self.request_factory(env)
        request.registry = self.registry
        apply_request_extensions(request)
        return request

    # -- request helpers -------------------------------------------------------

    def url_for(self, request: t.Any, endpoint: str, kw: dict[str, t.Any]) -> str:
        """``request.party_url``: this app's route first, then the party."""
        url_request = _url_request(endpoint, kw)
        operator = self.operator
        local = self._local_route(endpoint)
        if local is not None:
            try:
                handle = self._url
                if operator is not None and handle is not None:
                    return handle(url_request.located(operator.partyline.base_url))
                return self._standalone_url(request, local, url_request)
            except HighAndDry as exc:
                raise NoSuchRoute(str(exc), endpoint, ()) from None
        if operator is None:
            raise NoSuchRoute(
                f"no route named {endpoint!r} in this app, which is not a member of"
                " any party (asked: nobody)",
                endpoint,
                (),
            )
        try:
            return operator.partyline.build_url(url_request, operator)
        except UrlBuildError as exc:
            asked = ", ".join(map(repr, exc.asked)) or "nobody"
            raise NoSuchRoute(
                f"no route named {endpoint!r} in member {operator.name!r}, and no other"
                f" member could build it (asked: {asked})",
                endpoint,
                exc.asked,
            ) from None

    def _local_route(self, endpoint: str) -> str | None:
        get_route = self.mapper.get_route
        if get_route(endpoint) is not None:
            return endpoint if endpoint != INVITE_ROUTE else None
        if ":" in endpoint:
            prefix, rest = endpoint.split(":", 1)
            if prefix == self.member_name and get_route(rest) is not None:
                return rest
        return None

    def _standalone_url(self, request: t.Any, route_name: str, url_request: UrlRequest) -> str:
        values = dict(url_request.values)
        path = self.build_path(route_name, values, url_request.method)
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
            url = f"{url}#{url_quote(url_request.anchor, ANCHOR_SAFE)}"
        return url

    def identity_of(self, request: t.Any) -> Identity | None:
        """``request.party_identity``: this app's own answer, else the party's."""
        if self.offers_identity:
            return self.identity_for(request)
        operator = self.operator
        if operator is None:
            return None
        try:
            found: Identity | None = operator.ask_first("identity", None)
        except (NoAnswer, NoSuchServiceName):
            return None
        return found

    def fragment(self, request: t.Any, name: str) -> str:
        """``request.party_fragment``: rendered at most once per request."""
        cache: dict[str, str] = request.__dict__.setdefault(_FRAGMENT_CACHE, {})
        html = cache.get(name)
        if html is None:
            html = cache[name] = _mark_safe(self._fragment(request, name))
        return html

    def _fragment(self, request: t.Any, name: str) -> str:
        spec = self.fragments.get(name)
        if spec is not None:
            return self._render(name, spec, request)
        operator = self.operator
        if operator is None:
            raise NoAnswer(
                f"this app declares no fragment {name!r} and is not a member of any party"
            )
        try:
            return str(operator.ask_first("layout", name))
        except (NoAnswer, NoSuchServiceName):
            asked = [
                repr(m.name)
                for m in operator.partyline.members
                if "layout" in m.services and m.operator is not operator
            ]
            raise NoAnswer(
                f"no member declares the layout fragment {name!r}"
                f" (asked: {', '.join(asked) or 'nobody'})"
            ) from None


# -- configuration -------------------------------------------------------------


def includeme(config: t.Any) -> None:
    """Make the app a party member (``config.include("wsgi_party.pyramid")``).

    Registers a :class:`PyramidMember` from the settings, the invite route,
    the tween binding :data:`wsgi_party.partyline`, the request methods,
    the renderer globals and :func:`untrusted_host_view` (a 400 for
    :class:`~wsgi_party.UntrustedHost`). Including it twice is harmless.
    """
    registry = config.registry
    if registry.queryUtility(IPartyMember) is not None:
        return
    settings = config.get_settings() or {}
    identity = config.maybe_dotted(settings.get(IDENTITY_SETTING) or None)
    if identity is not None and not callable(identity):
        raise ConfigurationError(
            f"setting {IDENTITY_SETTING} must name a callable (request) -> Identity | None,"
            f" got {identity!r}"
        )
    member = PyramidMember(
        registry,
        name=_name_setting(settings.get(NAME_SETTING)),
        fragments=_fragments_setting(settings.get(FRAGMENTS_SETTING)),
        identity=identity,
        package=config.root_package,
    )
    registry.registerUtility(member, IPartyMember)
    config.add_route(INVITE_ROUTE, INVITE_PATH)
    config.add_view(
        invite_view,
        route_name=INVITE_ROUTE,
        permission=NO_PERMISSION_REQUIRED,
        require_csrf=False,
    )
    config.add_tween(f"{__name__}.partyline_tween_factory", over=EXCVIEW)
    config.add_exception_view(untrusted_host_view, context=UntrustedHost)
    config.add_subscriber(add_renderer_globals, BeforeRender)
    _add_request_methods(config, member)


def untrusted_host_view(exc: UntrustedHost, request: t.Any) -> t.Any:
    """Answer :class:`~wsgi_party.UntrustedHost` with Pyramid's 400 Bad Request.

    A link was asked for with a host that is invalid or not one of the
    party's ``trusted_hosts`` (see :func:`~wsgi_party.request_host`).
    """
    return HTTPBadRequest(detail=str(exc))


def _add_request_methods(config: t.Any, member: PyramidMember) -> None:
    def partyline(request: t.Any) -> PartylineOperator | None:
        """The operator of the party this app is in, or None."""
        return member.operator

    def party_url(request: t.Any, endpoint: str, **kw: t.Any) -> str:
        """URL of ``endpoint``: this app's route of that name, else the party's."""
        return member.url_for(request, endpoint, kw)

    def party_identity(request: t.Any) -> Identity | None:
        """Who is logged in, as the member owning login says (None: anonymous)."""
        return member.identity_of(request)

    def party_fragment(request: t.Any, name: str) -> str:
        """The layout fragment ``name`` for this request, marked safe."""
        return member.fragment(request, name)

    config.add_request_method(partyline, "partyline", reify=True)
    config.add_request_method(party_url, "party_url")
    config.add_request_method(party_identity, "party_identity", reify=True)
    config.add_request_method(party_fragment, "party_fragment")


def party_member(registry: t.Any) -> PyramidMember:
    """The :class:`PyramidMember` of the app owning ``registry``."""
    member: PyramidMember | None = registry.queryUtility(IPartyMember)
    if member is None:
        raise ConfigurationError(
            "wsgi_party.pyramid is not included in this app:"
            ' call config.include("wsgi_party.pyramid")'
        )
    return member


def invite_view(request: t.Any) -> t.Any:
    """The invite route's view: join when ``environ["partyline"]`` is an operator.

    Anything else (above all a request over HTTP) gets 404, as if the route
    did not exist.
    """
    operator = request.environ.get(WSGIParty.partyline_key)
    if not isinstance(operator, PartylineOperator):
        raise HTTPNotFound()
    return party_member(request.registry).accept(operator)


def partyline_tween_factory(
    handler: Callable[[t.Any], t.Any], registry: t.Any
) -> Callable[[t.Any], t.Any]:
    """Tween binding :data:`wsgi_party.partyline` during each request of the app."""
    member = party_member(registry)

    def partyline_tween(request: t.Any) -> t.Any:
        operator = member.operator
        if operator is None:
            return handler(request)
        token = bind_request(operator, request.environ)
        try:
            return handler(request)
        finally:
            unbind_request(token)

    return partyline_tween


def add_renderer_globals(event: t.Any) -> None:
    """BeforeRender subscriber: ``party_url``, ``party_fragment``,
    ``party_identity()`` and ``partyline`` in every template rendered with a
    request (values the view passes win)."""
    request = event.get("request")
    if request is None or not hasattr(request, "party_url"):
        return
    event.setdefault("party_url", request.party_url)
    event.setdefault("party_fragment", request.party_fragment)
    event.setdefault("party_identity", lambda: request.party_identity)
    event.setdefault("partyline", request.partyline)


# -- helpers -------------------------------------------------------------------


def _name_setting(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or ":" in value or not value.strip():
        raise ConfigurationError(
            f"setting {NAME_SETTING} must be a non-empty string without ':', got {value!r}"
        )
    return value.strip()


def _fragments_setting(value: object) -> dict[str, str]:
    """Accept a mapping or lines of ``name = renderer``."""
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = []
        for raw in value.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, spec = line.partition("=")
            if not sep:
                raise ConfigurationError(
                    f"setting {FRAGMENTS_SETTING}: line {line!r} is not 'name = renderer'"
                )
            pairs.append((key, spec))
    else:
        raise ConfigurationError(
            f"setting {FRAGMENTS_SETTING} must be a dict or lines of 'name = renderer',"
            f" got {type(value).__name__}"
        )
    fragments = {}
    for key, value_spec in pairs:
        if not isinstance(key, str) or not isinstance(value_spec, str):
            raise ConfigurationError(
                f"setting {FRAGMENTS_SETTING}: {key!r} = {value_spec!r} must map a name"
                " to a renderer spec"
            )
        name, spec = key.strip(), value_spec.strip()
        if not name or not spec:
            raise ConfigurationError(
                f"setting {FRAGMENTS_SETTING}: {key!r} = {value_spec!r} needs both a"
                " name and a renderer"
            )
        fragments[name] = spec
    return fragments


def _url_request(endpoint: str, kw: dict[str, t.Any]) -> UrlRequest:
    """A :class:`~wsgi_party.UrlRequest` from ``party_url``'s arguments.

    Flask's ``_external``, ``_anchor``, ``_method`` and ``_scheme`` (as in
    Flask: it implies ``_external``; with ``_external=False`` it raises
    :class:`~wsgi_party.UrlOptionError`) and Pyramid's ``_query`` (a
    mapping or pairs, merged into the values) are understood.
    """
    for key in _UNSUPPORTED:
        if key in kw:
            raise TypeError(
                f"party_url({endpoint!r}) does not take {key}: party URLs take the"
                " host from the current request (use _external=True)"
            )
    query = kw.pop("_query", None)
    if query:
        if isinstance(query, str):
            raise TypeError(
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


def _pattern_names(route: t.Any) -> tuple[str, ...]:
    """The replacement names ``route.generate`` needs, asked of Pyramid itself."""
    names: list[str] = []
    while True:
        try:
            route.generate(dict.fromkeys(names, "x"))
        except KeyError as exc:
            name = exc.args[0]
            if name in names:
                raise
            names.append(name)
        else:
            return tuple(names)


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


def _field(obj: object, key: str) -> t.Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _mark_safe(html: str) -> str:
    try:
        from markupsafe import Markup
    except ImportError:  # pragma: no cover - markupsafe comes with Jinja2
        return html
    return Markup(html)
