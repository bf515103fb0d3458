"""``party_url``: Flask's ``url_for`` with the party behind it.

In a view or outside a request (with an app context), and in templates as a
Jinja global and filter::

    from wsgi_party.flask import party_url

    party_url("index")                      # the app's own: flask.url_for
    party_url("blog:post", id=3)            # '/blog/post/3', built by the blog
    party_url("post", id=3, _external=True) # asked around, first answer wins

    {{ party_url("blog:post", id=3) }}  {{ "blog:post"|party_url(id=3) }}

A link to another member that the app built before in the same place is
answered from the party's link memory (:func:`~wsgi_party.integration.link_memory`)
in one lookup, under a key of the app's own (:func:`_link_key`). An
endpoint nobody builds raises :class:`PartyBuildError`.
"""

from __future__ import annotations

import typing as t

import flask
from flask import Flask
from werkzeug.routing import BuildError

from wsgi_party import (
    CannotBuild,
    HighAndDry,
    PartylineOperator,
    UrlBuildError,
    UrlRequest,
    bind_request,
    current_scope,
    request_host,
    unbind_request,
)
from wsgi_party.integration import (
    LinkMemory,
    RequestScope,
    build_link,
    call_key,
    link_memory,
    map_build_failed,
    not_in_party,
)

from ._compat import app_context_getter, request_context_getter, rules_by_endpoint
from ._member import EXTENSION_KEY

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from _typeshed.wsgi import WSGIEnvironment

    from ._member import FlaskPartyState

__all__ = ["FlaskScope", "PartyBuildError", "party_url"]

# Read for every link on every page: the getters are bound once.
_app_ctx = app_context_getter()
_request_ctx = request_context_getter()

#: The keyword options of url_for, as opposed to route values.
_URL_OPTIONS = ("_external", "_anchor", "_method", "_scheme")


class FlaskScope(RequestScope):
    """The scope of a Flask member's request, with the party's memory of links.

    ``links`` is the party's memory of links
    (:func:`~wsgi_party.integration.link_memory`), found at the request's
    first :func:`party_url`, so that a link to another app built before is
    answered from one lookup keyed by the call's own arguments (see
    :func:`_link_key`).
    """

    __slots__ = ("app", "links")

    def __init__(self, operator: PartylineOperator, environ: WSGIEnvironment, app: Flask) -> None:
        self.operator = operator
        self.environ = environ
        self.app = app
        self.links: LinkMemory | None = None


def _link_key(scope: FlaskScope, endpoint: str, values: dict[str, t.Any]) -> t.Hashable | None:
    """The key a Flask app's link is remembered under, or ``None`` if never.

    The app itself is the asker (not its operator): its links never hold one
    of its own endpoints, which Flask builds, so a remembered link is the
    answer without any other check. The place is the request's member and
    ``SCRIPT_NAME``, as for every link; external links depend on the host
    and are never remembered.
    """
    call = call_key(endpoint, values)
    if call is None or "_external" in values or "_scheme" in values:
        return None
    return (scope.app, scope.operator, scope.environ.get("SCRIPT_NAME"), call)


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
    # below), so a hit is the answer.
    if type(scope) is FlaskScope:
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
    own = endpoint in rules_by_endpoint(app.url_map) or endpoint[:1] == "."
    if own and in_request:
        if "_external" in values or "_scheme" in values:
            _check_external(app, endpoint, values)
        try:
            return app.url_for(endpoint, **values)
        except (BuildError, ValueError) as exc:
            _own_link_failed(app, endpoint, values, exc)
    link: t.Hashable | None = None
    if in_request and type(scope) is FlaskScope and scope.app is app and scope.links is not None:
        # Not remembered yet (party_url looked): remember it under that key.
        link = _link_key(scope, endpoint, values)
    return _ask_party(app, endpoint, values, own=own, in_request=in_request, scope=scope, link=link)


def _own_link_failed(
    app: Flask, endpoint: str, values: dict[str, t.Any], error: Exception
) -> t.NoReturn:
    """Raise why the app's own ``url_for`` could not build its own endpoint.

    In a party, as the party says it for every member's link (values
    missing, a converter that refused one): a :class:`PartyBuildError`
    caused by Flask's own error. Alone, or for any other error, Flask's
    error as it is.
    """
    state: FlaskPartyState | None = app.extensions.get(EXTENSION_KEY)
    operator = state.operator if state is not None else None
    if operator is None or isinstance(error, PartyBuildError):
        raise error
    options = {key: values[key] for key in _URL_OPTIONS if key in values}
    given = {key: value for key, value in values.items() if key not in options}
    app.inject_url_defaults(endpoint, given)  # what url_for built from
    try:
        map_build_failed(
            operator.name, app.url_map, endpoint, given, error, method=options.get("_method")
        )
    except CannotBuild as refusal:
        reason = UrlBuildError(str(refusal), endpoint, (), (refusal,))
        raise PartyBuildError(
            endpoint, given, options.get("_method"), app.name, reason
        ) from refusal.__cause__
    except HighAndDry:
        pass
    raise error


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
        if own:
            return app.url_for(endpoint, **values)
        return _alone_url(app, endpoint, values)
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
        error = PartyBuildError(endpoint, values, options.get("_method"), app.name, exc)
        # The framework's own error of the member that has the endpoint, if one has.
        raise error from (exc.__cause__ if exc.refusals else exc)
    finally:
        if token is not None:
            unbind_request(token)


def _alone_url(app: Flask, endpoint: str, values: dict[str, t.Any]) -> str:
    """:func:`party_url` of another app's endpoint in an app in no party.

    The app's ``url_build_error_handlers`` may still answer, as for
    ``url_for``; else :class:`PartyBuildError` says the app is alone,
    chained from Flask's own ``BuildError``.
    """
    try:
        return app.url_for(endpoint, **values)
    except BuildError as exc:
        options = {key: values.pop(key) for key in _URL_OPTIONS if key in values}
        cause = UrlBuildError(
            f"{endpoint!r} is not an endpoint of this app, and"
            f" {not_in_party(f'Flask app {app.name!r}')}",
            endpoint,
            (),
        )
        raise PartyBuildError(endpoint, values, options.get("_method"), app.name, cause) from exc


class PartyBuildError(BuildError, UrlBuildError):
    """No member of the party could build a URL for the endpoint.

    A :class:`werkzeug.routing.BuildError`, so Flask code that catches
    ``BuildError`` keeps working, and a :class:`~wsgi_party.UrlBuildError`
    like every "no URL" error of the party. ``asked`` names the members
    asked. When a member (or the app itself, in a party) has the endpoint
    but could not build it, the message says whose and why,
    ``refusals`` holds the reasons and the ``__cause__`` is that member's
    framework error (Werkzeug's ``BuildError``, a converter's ``ValueError``,
    Pyramid's ``KeyError``, Django's ``NoReverseMatch``); otherwise it is
    chained from the party's own :class:`~wsgi_party.UrlBuildError`.

    .. versionchanged:: 0.3
       Also a :class:`~wsgi_party.UrlBuildError`; says why an endpoint that
       exists could not be built, the app's own included.
    """

    def __init__(
        self,
        endpoint: str,
        values: Mapping[str, t.Any],
        method: str | None,
        app_name: str,
        cause: UrlBuildError,
    ) -> None:
        # Each base is set up by hand: BuildError.__init__ hands its
        # arguments on with super(), which here reaches UrlBuildError's
        # constructor, which takes others.
        UrlBuildError.__init__(
            self,
            f"Could not build url for endpoint {endpoint!r} from Flask app {app_name!r}: {cause}",
            endpoint,
            cause.asked,
            cause.refusals,
        )
        # BuildError's fields, as its constructor sets them; no adapter, so
        # no "did you mean" rule from another app's map.
        self.values = values
        self.method = method
        self.adapter = None
        #: The Flask app that asked.
        self.app_name = app_name
        #: Why the party could not build it (the cause's message).
        self.reason = str(cause)

    def __str__(self) -> str:
        return str(self.args[0])
