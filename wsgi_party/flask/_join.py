"""How a Flask app joins: the :class:`FlaskParty` extension.

Written the way Flask extensions are, for application factories too::

    party = FlaskParty(name="shop")
    party.init_app(app)             # or FlaskParty(app, name="shop")

``init_app`` keeps the app's :class:`~wsgi_party.flask.FlaskPartyState` in
``app.extensions["wsgi_party"]``, adds the invite route, wraps
``app.wsgi_app`` (it answers the party's invitation and binds
:data:`wsgi_party.partyline` during the app's requests) and registers the
Jinja helpers.
"""

from __future__ import annotations

import typing as t

import flask
from werkzeug.exceptions import NotFound
from werkzeug.local import LocalProxy

from wsgi_party import INVITE_PATH, PartylineException
from wsgi_party.integration import checked_aliases, enter_scope, invited_operator, leave_scope

from ._look import party_fragment, party_identity
from ._member import EXTENSION_KEY, INVITE_ENDPOINT, FlaskPartyState, state_of
from ._urls import FlaskScope, party_url

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from ._member import IdentityCallable

__all__ = ["AlreadyInitialised", "FlaskParty"]

# Every method gets the same 404 from the invite route, so that a request
# without an invitation cannot tell the route exists (no 405, no OPTIONS).
_ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


class AlreadyInitialised(PartylineException, RuntimeError):
    """:meth:`FlaskParty.init_app` was called for an app that already has one.

    A :class:`RuntimeError`, as the error was before 0.3.

    .. versionadded:: 0.3
    """


class FlaskParty:
    """The Flask extension that makes apps party members.

    ``name`` is the member name (default: the app's ``WSGI_PARTY_NAME``
    config, else derived by the party from the mount). ``identity`` makes the
    app the owner of login: a callable run for the current request (with
    ``flask.request`` and ``flask.session`` of that request) that returns a
    :class:`~wsgi_party.Identity` or ``None``. ``login_endpoint`` names the
    login page such an app sends the other members' visitors to (the
    ``login`` service; default: Flask-Login's ``login_manager.login_view``).
    ``fragments`` maps layout fragment names to template names the app
    renders for the others.
    ``aliases`` maps legacy endpoint names (``"legacy:main.explore"``,
    ``"explore"``) to the app's own endpoints: the routes it took over, so
    that old links keep building (see :ref:`moved-names`).

    One :class:`FlaskParty` may initialise several apps; each keeps its own
    state in ``app.extensions["wsgi_party"]``.

    Two more config keys are read: ``WSGI_PARTY_OWNERS``, the owners the
    app expects the site to have (``{"identity": "accounts"}``, adopted by
    the party where its own ``owners`` names none), and
    ``WSGI_PARTY_FRAGMENT_FALLBACK``, other members' fragments while the
    app is in no party (one HTML string, or a dict by name; default ``""``).

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
        login_endpoint: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        #: Member name given to every app this extension initialises.
        self.name = name
        #: The identity callable, if the apps own login.
        self.identity = identity
        #: Endpoint of the login page, if the apps own login.
        self.login_endpoint = login_endpoint
        #: Layout fragment name -> template name.
        self.fragments: dict[str, str] = dict(fragments or {})
        #: Legacy endpoint name -> this app's own endpoint.
        self.aliases: dict[str, str] = checked_aliases(aliases, "FlaskParty(aliases=...)")
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
        extension's member name for this app. Raises
        :class:`AlreadyInitialised` if the app has a FlaskParty already.
        """
        if EXTENSION_KEY in app.extensions:
            raise AlreadyInitialised(
                f"FlaskParty.init_app was already called for Flask app {app.name!r}"
            )
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
        # where it calls a global through its generic call machinery.
        app.jinja_env.filters["party_url"] = party_url


def _scoped(wsgi_app: WSGIApplication, state: FlaskPartyState) -> WSGIApplication:
    """Wrap ``app.wsgi_app``: answer invitations, bind the request scope.

    Invitations are answered here, before Flask dispatches, so that the app's
    ``before_request`` hooks (a login wall, CSRF checks) cannot turn them away
    and an invitation does not count as the app's first request. A closure
    rather than an object with ``__call__``: calling an instance makes a bound
    method on every request.
    """
    app = state.app

    def scoped_wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        operator = invited_operator(environ)
        if operator is not None:
            return state.answer_invitation(operator, start_response)
        member = state.operator
        if member is None:
            return wsgi_app(environ, start_response)
        token = enter_scope(FlaskScope(member, environ, app))
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
    operator = invited_operator(flask.request.environ)
    if operator is None:
        raise NotFound()
    status, body = state_of(flask.current_app).accept(operator)
    return flask.Response(body, status=int(status[:3]), mimetype="text/plain")
