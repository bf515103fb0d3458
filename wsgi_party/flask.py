"""Flask integration: a Flask app joins the party as a Flask extension.

Initialise the extension on each app, mount the apps, wrap the dispatcher::

    from wsgi_party.flask import FlaskParty, party_url

    party = FlaskParty(name="shop", identity=current_identity,
                       fragments={"header": "partials/header.html"})
    party.init_app(app)                 # or FlaskParty(app, name="shop")

    @app.route("/")
    def index():
        return party_url("blog:post", id=3)   # '/blog/post/3', built by the blog

    application = WSGIParty(DispatcherMiddleware(app, {"/blog": blog}))

Templates get the same helpers as Jinja globals: ``{{ party_url("post", id=3) }}``,
``{{ party_fragment("header") }}``, ``{% if party_identity() %}`` and
``partyline``; ``party_url`` is a filter too, the cheaper spelling in loops:
``{{ "blog:post"|party_url(id=3) }}``. The app answers ``url`` (built
exactly as its own ``url_for`` builds it), ``ping``, ``routes`` and
``match``, plus ``identity`` and ``layout`` when configured with
``identity=`` and ``fragments=``.
"""

from __future__ import annotations

import io
import typing as t

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import flask
except ImportError as error:
    msg = 'wsgi_party.flask needs Flask: pip install "wsgi_party[flask]"'
    raise ModuleNotFoundError(msg, name=error.name) from error
from flask import Flask, g, has_app_context, has_request_context
from flask.globals import _cv_app, _cv_request, app_ctx, request_ctx
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.local import LocalProxy
from werkzeug.routing import BuildError, MapAdapter

from wsgi_party import (
    INVITE_PATH,
    HighAndDry,
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    PartylineException,
    PartylineOperator,
    UrlBuildError,
    UrlRequest,
    bind_request,
    current_scope,
    map_matcher,
    request_host,
    standard_handlers,
    unbind_request,
    url_handler,
)
from wsgi_party.integration import (
    LinkMemory,
    RequestScope,
    build_link,
    call_key,
    enter_scope,
    leave_scope,
    link_memory,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask.ctx import RequestContext

__all__ = [
    "EXTENSION_KEY",
    "INVITE_ENDPOINT",
    "FlaskParty",
    "FlaskPartyState",
    "PartyBuildError",
    "party_fragment",
    "party_identity",
    "party_url",
]

#: Key of the per-app state (a :class:`FlaskPartyState`) in ``app.extensions``.
EXTENSION_KEY = "wsgi_party"

#: Endpoint of the invite route every initialised app gets at ``/__invite__/``.
INVITE_ENDPOINT = "wsgi_party_invite"

#: Environ key of the operator in an invitation (``WSGIParty.partyline_key``).
_PARTYLINE_KEY = "partyline"
_INVITE = INVITE_PATH.rstrip("/")
# Every method gets the same 404 from the invite route, so that a request
# without an invitation cannot tell the route exists (no 405, no OPTIONS).
_ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
_FRAGMENT_CACHE = "_wsgi_party_fragments"

#: The ``identity=`` callable: called with no arguments inside a request
#: context of its own app built for the current request; returns the
#: logged-in user or ``None``.
IdentityCallable = t.Callable[[], Identity | None]

_T = t.TypeVar("_T")


class FlaskParty:
    """The Flask extension that makes apps party members.

    ``name`` is the member name (default: the app's ``WSGI_PARTY_NAME``
    config, else derived by the party from the mount). ``identity`` makes the
    app the owner of login: a callable run for the current request (with
    ``flask.request`` and ``flask.session`` of that request) that returns a
    :class:`~wsgi_party.Identity` or ``None``. ``fragments`` maps layout
    fragment names to template names the app renders for the others.

    One :class:`FlaskParty` may initialise several apps; each keeps its own
    state in ``app.extensions["wsgi_party"]``.

    Other members get the app's URLs built as its own ``url_for`` builds
    them: ``url_defaults`` run (in an app context of the app, with no
    request, as for ``url_for`` outside a request), blueprint endpoints,
    converters and ``_method`` work, and unused values become the query.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        name: str | None = None,
        identity: IdentityCallable | None = None,
        fragments: Mapping[str, str] | None = None,
    ) -> None:
        #: Member name given to every app this extension initialises.
        self.name = name
        #: The identity callable, if the apps own login.
        self.identity = identity
        #: Layout fragment name -> template name.
        self.fragments: dict[str, str] = dict(fragments or {})
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        return f"<FlaskParty name={self.name!r}>"

    def init_app(self, app: Flask, *, name: str | None = None) -> None:
        """Prepare ``app`` to join the party that invites it.

        Registers the invite route, binds :data:`wsgi_party.partyline` during
        the app's requests (by wrapping ``app.wsgi_app``) and adds the Jinja
        globals ``party_url``, ``party_identity``, ``party_fragment`` and
        ``partyline``, and the filter ``party_url``. ``name`` overrides the
        extension's member name for this app.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(f"FlaskParty.init_app was already called for Flask app {app.name!r}")
        state = FlaskPartyState(self, app, name if name is not None else self.name)
        app.extensions[EXTENSION_KEY] = state
        app.add_url_rule(
            INVITE_PATH,
            endpoint=INVITE_ENDPOINT,
            view_func=_invite_view,
            methods=_ANY_METHOD,
            strict_slashes=False,
            provide_automatic_options=False,
        )
        app.wsgi_app = _scoped(app.wsgi_app, state)  # type: ignore[method-assign,assignment]
        app.jinja_env.globals.update(
            party_url=party_url,
            party_identity=party_identity,
            party_fragment=party_fragment,
            partyline=LocalProxy(state.require_operator),
        )
        # {{ "blog:post"|party_url(id=3) }}: Jinja calls a filter directly,
        # where it calls a global through Context.call (about 1 µs more).
        app.jinja_env.filters["party_url"] = party_url


class FlaskPartyState:
    """One app's membership, kept in ``app.extensions["wsgi_party"]``."""

    def __init__(self, party: FlaskParty, app: Flask, name: str | None) -> None:
        #: The extension that initialised the app.
        self.party = party
        #: The app.
        self.app = app
        #: The member name chosen for the app, if any.
        self.name = name
        #: The operator of the live party the app is a member of, else ``None``.
        self.operator: PartylineOperator | None = None

    def __repr__(self) -> str:
        return f"<FlaskPartyState of {self.app.name!r} operator={self.operator!r}>"

    @property
    def member_name(self) -> str | None:
        """The name to join with: given, else ``WSGI_PARTY_NAME``, else derived."""
        if self.name is not None:
            return self.name
        configured = self.app.config.get("WSGI_PARTY_NAME")
        return str(configured) if configured else None

    def require_operator(self) -> PartylineOperator:
        """The app's operator; :class:`~wsgi_party.NoPartylineContext` if none."""
        operator = self.operator
        if operator is None:
            raise NoPartylineContext(
                f"Flask app {self.app.name!r} is not a member of a live party: no"
                " WSGIParty has invited it yet, or the party was closed"
            )
        return operator

    # -- joining -----------------------------------------------------------

    def accept(self, operator: PartylineOperator) -> tuple[str, str]:
        """Answer an invitation: join and connect; returns (status, body)."""
        if not operator.join(self.app, name=self.member_name):
            return "409 Conflict", operator.declined or "declined"
        self._connect(operator)
        self.operator = operator
        operator.on_close(lambda: self._left(operator))
        return "200 OK", "joined"

    def _left(self, operator: PartylineOperator) -> None:
        if self.operator is operator:
            self.operator = None

    def _connect(self, operator: PartylineOperator) -> None:
        app = self.app
        # Bound once; werkzeug re-reads the map when rules are added later.
        adapter: MapAdapter = app.url_map.bind("localhost", script_name="/")
        # Werkzeug fills this dict in place as rules are added; looking an
        # endpoint up in it turns other members' endpoints away without the
        # cost of a failed build.
        endpoints = app.url_map._rules_by_endpoint
        default_functions = app.url_default_functions

        def build_path(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
            if endpoint not in endpoints:
                raise HighAndDry(f"member {operator.name!r} has no endpoint {endpoint!r}")
            if default_functions:
                _inject_url_defaults(app, endpoint, values)
            try:
                path = adapter.build(endpoint, values, method=method)
            except BuildError:
                raise _cannot_build(operator, endpoint, values) from None
            except (ValueError, TypeError) as exc:
                # A converter refused a value (int("") ...): say whose and which.
                raise PartylineException(
                    f"member {operator.name!r} cannot build endpoint {endpoint!r}"
                    f" with values {values!r}: {type(exc).__name__}: {exc}"
                ) from exc
            values.clear()  # werkzeug already put the unused values in the query
            if path[:1] != "/" or path[:2] == "//":
                raise PartylineException(
                    f"endpoint {endpoint!r} of member {operator.name!r} is bound to a"
                    f" host or subdomain ({path!r}); cross-app URLs to it are not"
                    " supported"
                )
            return path

        match = map_matcher(app.url_map, exclude={INVITE_ENDPOINT})

        def list_routes() -> Iterator[tuple[str, str, Iterable[str]]]:
            for rule in app.url_map.iter_rules():
                if rule.endpoint != INVITE_ENDPOINT:
                    yield str(rule.endpoint), rule.rule, rule.methods or ()

        def pure(endpoint: str) -> bool:
            # url_defaults may read g or the request: only cache without them.
            return not default_functions

        operator.connect("url", url_handler(operator, build_path, pure=pure))
        standard_handlers(operator, list_routes, match)

        if self.party.identity is not None:

            def identity(payload: object) -> Identity | None:
                return self.in_request("identity", self.local_identity)

            operator.connect("identity", identity)

        fragments = self.party.fragments
        if fragments:

            def layout(payload: object) -> str:
                if not isinstance(payload, str) or payload not in fragments:
                    raise HighAndDry(
                        f"member {operator.name!r} has no layout fragment {payload!r}"
                        f" (it has: {', '.join(map(repr, fragments))})"
                    )
                template = fragments[payload]
                return self.in_request("layout", lambda: flask.render_template(template))

            operator.connect("layout", layout)

    # -- answering for the current request -----------------------------------

    def local_identity(self) -> Identity | None:
        """Run the identity callable in the active request context of the app."""
        identity = self.party.identity
        if identity is None:
            raise NoAnswer(f"Flask app {self.app.name!r} was not given identity=")
        if not has_request_context():
            raise NoPartylineContext(
                f"the identity of Flask app {self.app.name!r} is only known during a request"
            )
        answer = identity()
        if answer is not None and not isinstance(answer, Identity):
            raise PartylineException(
                f"the identity callable {identity!r} of Flask app {self.app.name!r}"
                f" returned {type(answer).__name__}; it must return"
                " wsgi_party.Identity or None"
            )
        return answer

    def in_request(self, service: str, answer: Callable[[], _T]) -> _T:
        """Call ``answer`` in a request context of this app for the current request.

        The current request is the asker's (its cookies, its path); the
        context built for it has this app's session, ``g`` and context
        processors, and ``url_for`` builds this app's URLs under its own
        mount. Outside any request, :class:`~wsgi_party.NoPartylineContext`.
        """
        scope = current_scope()
        if scope is None:
            raise NoPartylineContext(
                f"member {self.operator.name if self.operator else self.app.name!r}"
                f" answers {service!r} only for a current request, and there is none"
            )
        if has_request_context() and request_ctx.app is self.app:
            return answer()
        ctx = self._request_context(scope)
        adapter = ctx.url_adapter
        ctx.url_adapter = None  # the path is the asker's: match nothing here
        with ctx:
            ctx.url_adapter = adapter
            return answer()

    def _request_context(self, scope: RequestScope) -> RequestContext:
        operator = self.require_operator()
        environ: dict[str, t.Any] = dict(scope.environ)
        # The asker's body stays the asker's; its environ is not touched.
        environ["wsgi.input"] = io.BytesIO()
        environ["CONTENT_LENGTH"] = "0"
        environ.pop("werkzeug.request", None)
        own = dict(environ)
        own["SCRIPT_NAME"] = scope.party_root + operator.script_name
        ctx = self.app.request_context(environ)
        try:
            ctx.url_adapter = self.app.create_url_adapter(self.app.request_class(own))
        except HTTPException:
            ctx.url_adapter = None
        return ctx


# Flask's context variables, their methods bound once as the party's own
# (as the core binds its own): this runs for every link on every page.
_app_ctx = _cv_app.get
_request_ctx = _cv_request.get


class _FlaskScope(RequestScope):
    """The scope of a Flask member's request, with the party's memory of links.

    ``links`` is the party's memory of links
    (:func:`~wsgi_party.integration.link_memory`), found at the request's
    first :func:`party_url`, so that a link to another app built before is
    answered from one lookup keyed by the call's own
    arguments (see :func:`_link_key`).
    """

    __slots__ = ("app", "links")

    def __init__(self, operator: PartylineOperator, environ: WSGIEnvironment, app: Flask) -> None:
        self.operator = operator
        self.environ = environ
        self.app = app
        self.links: LinkMemory | None = None


def _link_key(scope: _FlaskScope, endpoint: str, values: dict[str, t.Any]) -> t.Hashable | None:
    """The key a Flask app's link is remembered under, or ``None`` if never.

    The app itself is the asker (not its operator): its links never hold one
    of its own endpoints, which Flask builds, so a remembered link is the
    answer without any other check. The place is the request's member and
    ``SCRIPT_NAME``, as for every link (``WSGIParty._link_key``); external
    links depend on the host and are never remembered.
    """
    call = call_key(endpoint, values)
    if call is None or "_external" in values or "_scheme" in values:
        return None
    return (scope.app, scope.operator, scope.environ.get("SCRIPT_NAME"), call)


def _scoped(wsgi_app: WSGIApplication, state: FlaskPartyState) -> WSGIApplication:
    """Wrap ``app.wsgi_app``: answer invitations, bind the request scope.

    Invitations are answered here, before Flask dispatches, so that the app's
    ``before_request`` hooks (a login wall, CSRF checks) cannot turn them away
    and an invitation does not count as the app's first request. A closure
    rather than an object with ``__call__``: calling an instance makes a bound
    method on every request.
    """

    def scoped_wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operator = environ.get(_PARTYLINE_KEY)
        if (
            operator is not None
            and isinstance(operator, PartylineOperator)
            and environ.get("PATH_INFO", "").rstrip("/") == _INVITE
        ):
            status, body = state.accept(operator)
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [body.encode()]
        member = state.operator
        if member is None:
            return wsgi_app(environ, start_response)
        # bind_request and unbind_request, inlined: this runs for every request.
        token = enter_scope(_FlaskScope(member, environ, state.app))
        try:
            return wsgi_app(environ, start_response)
        finally:
            leave_scope(token)

    return scoped_wsgi_app


def _invite_view() -> flask.Response:
    """The invite route: joins on a real invitation, else 404 like no route.

    Invitations normally never get here (the app's WSGI wrapper answers them
    before Flask dispatches); this view answers those that do.
    """
    operator = flask.request.environ.get(_PARTYLINE_KEY)
    if not isinstance(operator, PartylineOperator):
        raise NotFound()
    state = _state(app_ctx.app)
    status, body = state.accept(operator)
    return flask.Response(body, status=int(status[:3]), mimetype="text/plain")


# -- helpers for views and templates ------------------------------------------


def party_url(endpoint: str, **values: t.Any) -> str:
    """Build a URL like :func:`flask.url_for`, falling back to the party.

    An endpoint of the current app is built by :func:`flask.url_for` itself;
    any other (or ``"member:endpoint"``) is asked of the party. ``_external``,
    ``_anchor``, ``_method`` and ``_scheme`` work as in Flask, and outside a
    request URLs are external by default, located by the party's
    ``base_url``. An endpoint nobody can build raises
    :class:`PartyBuildError`, a :class:`werkzeug.routing.BuildError`.

    An external URL in a request whose host is invalid, or not one of the
    party's ``trusted_hosts``, raises :class:`~wsgi_party.UntrustedHost`,
    which Flask answers with 400 Bad Request (it is a Werkzeug
    ``SecurityError``); ``_scheme`` with ``_external=False`` raises
    :class:`~wsgi_party.UrlOptionError`, a ``ValueError`` as in Flask.
    """
    scope = current_scope()
    # The common case first: a link to another app that this app built
    # before in this request's place. The links the party keeps for the app
    # and the place hold none of the app's own endpoints (Flask builds those,
    # below), so a hit is the answer. Flask's context variables are read
    # directly: this runs for every link on every page.
    if type(scope) is _FlaskScope:
        app_context = _app_ctx(None)
        if (
            app_context is not None
            and app_context.app is scope.app
            and _request_ctx(None) is not None
        ):
            links = scope.links
            if links is None:  # the request's first link: find the party's memory
                links = scope.links = link_memory(scope.operator)
            link = _link_key(scope, endpoint, values)
            if link is not None:
                url = links.get(link)
                if url is not None:
                    return url
    return _party_url(endpoint, values, scope)


def _party_url(endpoint: str, values: dict[str, t.Any], scope: RequestScope | None) -> str:
    """:func:`party_url` beyond a remembered link: the app's own, or the party's."""
    app_context = _app_ctx(None)
    if app_context is None:
        return flask.url_for(endpoint, **values)  # Flask's own "no app context" error
    app = app_context.app
    in_request = _request_ctx(None) is not None
    # Werkzeug's own index of the map's rules: a dict lookup, where the public
    # iter_rules(endpoint) takes a lock and raises for every foreign endpoint.
    own = endpoint in app.url_map._rules_by_endpoint or endpoint[:1] == "."
    if own and in_request:
        if "_external" in values or "_scheme" in values:
            _check_external(app, endpoint, values)
        return app.url_for(endpoint, **values)
    link: t.Hashable | None = None
    if in_request and type(scope) is _FlaskScope and scope.app is app and scope.links is not None:
        # Not remembered yet (party_url looked): remember it under that key.
        link = _link_key(scope, endpoint, values)
    return _ask_party(app, endpoint, values, own=own, in_request=in_request, scope=scope, link=link)


def _check_external(app: Flask, endpoint: str, values: dict[str, t.Any]) -> None:
    """Hold an own external URL to the party's rules before Flask builds it.

    ``_scheme`` with ``_external=False`` raises
    :class:`~wsgi_party.UrlOptionError`, as for any other member's URL, and
    the request's host must be one the party would build a URL on
    (:class:`~wsgi_party.UntrustedHost`, a 400, otherwise).
    """
    wanted = UrlRequest.from_url_for(endpoint, {k: values[k] for k in _URL_OPTIONS if k in values})
    state: FlaskPartyState | None = app.extensions.get(EXTENSION_KEY)
    operator = state.operator if state is not None else None
    if wanted.external and operator is not None:
        request_host(flask.request.environ, operator.partyline.trusted_hosts)


def _ask_party(
    app: Flask,
    endpoint: str,
    values: dict[str, t.Any],
    *,
    own: bool,
    in_request: bool,
    scope: RequestScope | None,
    link: t.Hashable | None,
) -> str:
    """:func:`party_url` for a link the party builds (``own``: outside a request)."""
    state: FlaskPartyState | None = app.extensions.get(EXTENSION_KEY)
    operator = state.operator if state is not None else None
    if operator is None:
        return app.url_for(endpoint, **values)
    if own:
        endpoint = f"{operator.name}:{endpoint}"
    token = None
    if not in_request:
        # As Flask's url_for outside a request: external unless told otherwise.
        values.setdefault("_external", True)
    elif scope is None:
        # A request the app's WSGI wrapper did not see (test_request_context).
        token = bind_request(operator, flask.request.environ)
    try:
        # What operator.url_for(endpoint, **values) does, without packing the
        # values again (they stay intact here), remembering the link under
        # the app's own key when party_url looked it up.
        return build_link(operator, endpoint, values, link)
    except UrlBuildError as exc:
        options = {key: values.pop(key) for key in _URL_OPTIONS if key in values}
        if app.url_build_error_handlers and in_request:
            try:
                return flask.url_for(endpoint, **options, **values)
            except BuildError:
                pass
        raise PartyBuildError(endpoint, values, options.get("_method"), app.name, exc) from exc
    finally:
        if token is not None:
            unbind_request(token)


#: The keyword options of url_for, as opposed to route values.
_URL_OPTIONS = ("_external", "_anchor", "_method", "_scheme")


def party_identity() -> Identity | None:
    """Who is logged in for the current request, or ``None`` if anonymous.

    An app given ``identity=`` answers itself; any other asks the member that
    owns login. Raises :class:`~wsgi_party.NoSuchServiceName` when no member
    offers ``identity``.
    """
    state = _state(app_ctx.app)
    if state.party.identity is not None:
        return state.local_identity()
    operator = state.require_operator()
    token = bind_request(operator, flask.request.environ) if _unscoped() else None
    try:
        return t.cast("Identity | None", operator.ask_first("identity", None))
    finally:
        if token is not None:
            unbind_request(token)


def party_fragment(name: str) -> Markup:
    """The layout fragment ``name`` for the current request, safe for Jinja.

    The app's own ``fragments`` come first, then the member that renders
    ``name``. Each fragment is rendered at most once per request (cached in
    :data:`flask.g`).
    """
    state = _state(app_ctx.app)
    if not has_request_context():
        raise NoPartylineContext(
            f"party_fragment({name!r}) needs a request of Flask app {state.app.name!r}"
        )
    environ = flask.request.environ
    cached: tuple[object, dict[str, Markup]] | None = g.get(_FRAGMENT_CACHE)
    if cached is None or cached[0] is not environ:
        # Keyed by the environ: one app context may hold several requests.
        cached = (environ, {})
        setattr(g, _FRAGMENT_CACHE, cached)
    fragments = cached[1]
    fragment = fragments.get(name)
    if fragment is not None:
        return fragment
    template = state.party.fragments.get(name)
    if template is not None:
        fragment = Markup(flask.render_template(template))
    else:
        fragment = Markup(_ask_layout(state, name, environ))
    fragments[name] = fragment
    return fragment


def _ask_layout(state: FlaskPartyState, name: str, environ: WSGIEnvironment) -> str:
    operator = state.require_operator()
    token = bind_request(operator, environ) if current_scope() is None else None
    try:
        return str(operator.ask_first("layout", name))
    except (NoAnswer, NoSuchServiceName) as exc:
        raise NoAnswer(
            f"no member renders the layout fragment {name!r} for Flask app"
            f" {state.app.name!r} (member {operator.name!r}): {exc}"
        ) from exc
    finally:
        if token is not None:
            unbind_request(token)


class PartyBuildError(BuildError):
    """No member of the party could build a URL for the endpoint.

    A :class:`werkzeug.routing.BuildError`, so Flask code that catches
    ``BuildError`` keeps working; chained from the party's
    :class:`~wsgi_party.UrlBuildError`. ``asked`` names the members asked.
    """

    def __init__(
        self,
        endpoint: str,
        values: Mapping[str, t.Any],
        method: str | None,
        app_name: str,
        cause: UrlBuildError,
    ) -> None:
        super().__init__(endpoint, values, method)
        #: The Flask app that asked.
        self.app_name = app_name
        #: Names of the other members that were asked.
        self.asked: tuple[str, ...] = cause.asked
        self.reason = str(cause)

    def __str__(self) -> str:
        return (
            f"Could not build url for endpoint {self.endpoint!r} from Flask app"
            f" {self.app_name!r}: {self.reason}"
        )


# -- internals ------------------------------------------------------------------


def _state(app: Flask) -> FlaskPartyState:
    state: FlaskPartyState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        raise NoPartylineContext(
            f"Flask app {app.name!r} has no FlaskParty: call FlaskParty().init_app(app)"
        )
    return state


def _unscoped(in_request: bool | None = None) -> bool:
    """Whether a Flask request is active but no partyline scope is bound.

    True when the app's WSGI wrapper did not run for this request (a
    ``test_request_context``, a streamed response); the helpers then bind the
    scope to the Flask request themselves.
    """
    if current_scope() is not None:
        return False
    return has_request_context() if in_request is None else in_request


def _inject_url_defaults(app: Flask, endpoint: str, values: dict[str, t.Any]) -> None:
    """Apply the app's ``url_defaults`` as its own ``url_for`` does.

    They may read ``current_app`` or ``g``, so an app context of this app is
    pushed when another app (or none) is current.
    """
    if has_app_context() and app_ctx.app is app:
        app.inject_url_defaults(endpoint, values)
        return
    with app.app_context():
        app.inject_url_defaults(endpoint, values)


def _cannot_build(
    operator: PartylineOperator, endpoint: str, values: Mapping[str, t.Any]
) -> HighAndDry:
    detail = f" with values {sorted(values)!r}" if values else ""
    return HighAndDry(f"member {operator.name!r} cannot build endpoint {endpoint!r}{detail}")
