"""A Flask app's membership: what it answers the party, kept in ``app.extensions``.

:class:`~wsgi_party.flask.FlaskParty` makes one :class:`FlaskPartyState`
per app; the app's invite route hands it the party's operator::

    state = app.extensions[EXTENSION_KEY]       # made by FlaskParty.init_app
    status, body = state.accept(operator)       # join, connect, forget on close
    state.operator                              # the live party's operator, or None

It is a :class:`wsgi_party.integration.Membership`: the party's ``url``,
``routes`` and ``match`` are answered from the app's URL map exactly as its
own ``url_for`` builds and Flask routes, ``identity`` and ``layout`` (when
the extension was given ``identity=`` and ``fragments=``) in a request
context of the app built for the asker's request, after the app's URL value
preprocessors and ``before_request`` functions, as its own views get it.
"""

from __future__ import annotations

import logging
import typing as t

import flask
from flask import Flask, has_app_context, has_request_context
from flask.globals import app_ctx, request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, MapAdapter

from wsgi_party import (
    HighAndDry,
    Identity,
    NoAnswer,
    NoPartylineContext,
    PartylineException,
    PartylineOperator,
    current_scope,
    map_matcher,
)
from wsgi_party.integration import (
    Membership,
    RequestScope,
    map_build_failed,
    member_environ,
    no_such_endpoint,
)

from ._compat import rules_by_endpoint

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from flask.ctx import RequestContext

    from ._join import FlaskParty

__all__ = [
    "EXTENSION_KEY",
    "INVITE_ENDPOINT",
    "FlaskPartyState",
    "IdentityCallable",
    "state_of",
]

#: Key of the per-app state (a :class:`FlaskPartyState`) in ``app.extensions``.
EXTENSION_KEY = "wsgi_party"

#: Endpoint of the invite route every initialised app gets at ``/__invite__/``.
INVITE_ENDPOINT = "wsgi_party_invite"

#: The ``identity=`` callable: called with no arguments inside a request
#: context of its own app built for the current request; returns the
#: logged-in user or ``None``.
IdentityCallable = t.Callable[[], Identity | None]

_T = t.TypeVar("_T")

log = logging.getLogger("wsgi_party")


class FlaskPartyState(Membership):
    """One app's membership, kept in ``app.extensions["wsgi_party"]``.

    .. versionchanged:: 0.3
       A :class:`wsgi_party.integration.Membership`; ``member_name`` is its
       method.
    """

    def __init__(self, party: FlaskParty, app: Flask, name: str | None) -> None:
        super().__init__(app, name)
        #: The extension that initialised the app.
        self.party = party
        #: The app.
        self.app = app
        # The extension's own mapping: fragments it is given later count too.
        self.fragments = party.fragments
        # (service, before_request function) pairs warned about in this party.
        self._warned: set[tuple[str, object]] = set()
        self.aliases = party.aliases

    def __repr__(self) -> str:
        return f"<FlaskPartyState of {self.app.name!r} operator={self.operator!r}>"

    def member_name(self) -> str | None:
        """The name to join with: given, else ``WSGI_PARTY_NAME``, else derived."""
        if self.name is not None:
            return self.name
        configured = self.app.config.get("WSGI_PARTY_NAME")
        return str(configured) if configured else None

    def expected_owners(self) -> tuple[Mapping[str, str], str]:
        """The ``WSGI_PARTY_OWNERS`` config: the owners this app expects the
        site to have, by service (checked against the party's at bootstrap)."""
        return self.app.config.get("WSGI_PARTY_OWNERS") or {}, "config WSGI_PARTY_OWNERS"

    def require_operator(self) -> PartylineOperator:
        """The app's operator; :class:`~wsgi_party.NoPartylineContext` if none."""
        operator = self.operator
        if operator is None:
            raise NoPartylineContext(
                f"Flask app {self.app.name!r} is not a member of a live party: no"
                " WSGIParty has invited it yet, or the party was closed"
            )
        return operator

    # -- joining -----------------------------------------------------------------

    def connect(self, operator: PartylineOperator) -> None:
        url_map = self.app.url_map
        # Bound once; werkzeug re-reads the map when rules are added later.
        self._adapter: MapAdapter = url_map.bind("localhost", script_name="/")
        # Filled in place as rules are added: looking an endpoint up in it
        # turns other members' endpoints away without the cost of a failed build.
        self._endpoints = rules_by_endpoint(url_map)
        self._matcher = map_matcher(url_map, exclude={INVITE_ENDPOINT})
        self._warned.clear()  # warn once per party
        super().connect(operator)

    def offers(self, service_name: str) -> bool:
        if service_name == "identity":
            return self.party.identity is not None
        if service_name == "login":
            return self.party.identity is not None and self.login_endpoint() is not None
        return super().offers(service_name)

    def login_endpoint(self) -> str | None:
        """The login page's endpoint: ``login_endpoint=``, else Flask-Login's ``login_view``."""
        if self.party.login_endpoint is not None:
            return self.party.login_endpoint
        login_view = getattr(getattr(self.app, "login_manager", None), "login_view", None)
        return str(login_view) if login_view else None

    # -- hooks: URLs and routes --------------------------------------------------

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        if endpoint not in self._endpoints:
            raise no_such_endpoint(self._joined_name(), endpoint)
        if self.app.url_default_functions:
            _inject_url_defaults(self.app, endpoint, values)
        try:
            path = self._adapter.build(endpoint, values, method=method)
        except (BuildError, ValueError) as exc:
            # Values missing, or a converter refused one (int("") ...): say which.
            map_build_failed(
                self._joined_name(), self.app.url_map, endpoint, values, exc, method=method
            )
        except TypeError as exc:
            raise PartylineException(
                f"member {self._joined_name()!r} cannot build endpoint {endpoint!r}"
                f" with values {values!r}: {type(exc).__name__}: {exc}"
            ) from exc
        values.clear()  # werkzeug already put the unused values in the query
        if path[:1] != "/" or path[:2] == "//":
            raise PartylineException(
                f"endpoint {endpoint!r} of member {self._joined_name()!r} is bound to a"
                f" host or subdomain ({path!r}); cross-app URLs to it are not supported"
            )
        return path

    def builds_purely(self, endpoint: str) -> bool:
        # url_defaults may read g or the request: only remember links without them.
        return not self.app.url_default_functions

    def list_routes(self) -> Iterator[tuple[str, str, Iterable[str]]]:
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint != INVITE_ENDPOINT:
                yield str(rule.endpoint), rule.rule, rule.methods or ()

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]] | None:
        return self._matcher(method, path)

    # -- hooks: login and look, answered for the current request -------------------

    def identity(self) -> Identity | None:
        return self.in_request("identity", self.local_identity)

    def login_url(self, next_url: str | None) -> str:
        endpoint = self.login_endpoint()
        if endpoint is None:
            raise HighAndDry(f"Flask app {self.app.name!r} has no login endpoint")
        return self.url_of(endpoint, {} if next_url is None else {"next": next_url})

    def render_fragment(self, name: str) -> str:
        template = self.party.fragments[name]
        return self.in_request("layout", lambda: flask.render_template(template))

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
        context built for it has this app's session, a fresh ``g`` and the
        context processors, ``url_for`` builds this app's URLs under its own
        mount, and the app's URL value preprocessors and ``before_request``
        functions have run (:meth:`_prepare_request`) before ``answer`` is
        called; the teardown functions run when it returns. Outside any
        request, :class:`~wsgi_party.NoPartylineContext`.

        .. versionchanged:: 0.3
           The app's URL value preprocessors and ``before_request``
           functions run first, so ``answer`` sees ``g`` as the app's own
           views do.
        """
        scope = current_scope()
        if scope is None:
            raise NoPartylineContext(
                f"member {self._joined_name()!r} answers {service!r} only for a"
                " current request, and there is none"
            )
        if has_request_context() and request_ctx.app is self.app:
            return answer()
        ctx = self._request_context(scope)
        adapter = ctx.url_adapter
        ctx.url_adapter = None  # the path is the asker's: match nothing here
        with ctx:
            ctx.url_adapter = adapter
            self._prepare_request(service)
            return answer()

    def _prepare_request(self, service: str) -> None:
        """Run the app's request hooks for another member's request, as Flask would.

        That is Flask's ``preprocess_request`` for a request that matched
        none of the app's routes: the app's URL value preprocessors (called
        with endpoint ``None`` and empty values: ``{}``, not Flask's ``None``,
        so that ``values.pop(...)`` works) and its ``before_request``
        functions, ``before_app_request`` of blueprints included. A function
        that returns a response (or raises an HTTP error) ends them, as in
        Flask; the response is not sent, the answer is given as the
        functions that ran left the request, and the ``wsgi_party`` logger
        warns once per function.
        """
        app = self.app
        names = (None, *reversed(flask.request.blueprints))
        for name in names:
            for preprocess in app.url_value_preprocessors.get(name, ()):
                preprocess(None, {})
        for name in names:
            for before in app.before_request_funcs.get(name, ()):
                try:
                    response = app.ensure_sync(before)()
                except HTTPException as exc:
                    response = exc
                if response is not None:
                    self._hook_answered(service, before, response)
                    return

    def _hook_answered(self, service: str, hook: Callable[..., object], response: object) -> None:
        key = (service, hook)
        if key in self._warned:
            return
        self._warned.add(key)
        log.warning(
            "member %r answered %r for another member's request without the"
            " response its before_request function %s returned (%s): the page"
            " is the asker's; the answer is given as the functions before it"
            " left the request, and the functions after it did not run",
            self._joined_name(),
            service,
            getattr(hook, "__qualname__", repr(hook)),
            _describe_response(response),
        )

    def _request_context(self, scope: RequestScope) -> RequestContext:
        operator = self.require_operator()
        # The asker's body stays the asker's; its environ is not touched.
        environ = member_environ(scope.environ)
        own = dict(environ)
        own["SCRIPT_NAME"] = scope.party_root + operator.script_name
        ctx = self.app.request_context(environ)
        try:
            ctx.url_adapter = self.app.create_url_adapter(self.app.request_class(own))
        except HTTPException:
            ctx.url_adapter = None
        return ctx

    def _joined_name(self) -> str | None:
        """The name the app joined under, else the one it asks for, else its own."""
        operator = self.operator
        if operator is not None:
            return operator.name
        return self.member_name() or self.app.name


def state_of(app: Flask) -> FlaskPartyState:
    """The app's :class:`FlaskPartyState`; :class:`~wsgi_party.NoPartylineContext` if none."""
    state: FlaskPartyState | None = app.extensions.get(EXTENSION_KEY)
    if state is None:
        raise NoPartylineContext(
            f"Flask app {app.name!r} has no FlaskParty: call FlaskParty().init_app(app)"
        )
    return state


def _describe_response(response: object) -> str:
    """What a ``before_request`` function returned, for a log line."""
    if isinstance(response, HTTPException):
        return f"{response.code} {response.name}"
    status = getattr(response, "status", None)
    if isinstance(status, str):
        location = getattr(response, "location", None)
        return f"{status} to {location}" if location else status
    return f"a {type(response).__name__}"


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
