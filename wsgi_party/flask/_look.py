"""Login and look in a Flask app: who is logged in, and the site's chrome.

In views, and in templates as Jinja globals::

    from wsgi_party.flask import party_fragment, party_identity

    user = party_identity()             # a wsgi_party.Identity, or None
    header = party_fragment("header")   # Markup, rendered once per request

    {{ party_fragment("header") }}  {% if party_identity() %}...{% endif %}

An app given ``identity=`` or ``fragments=`` answers for itself; any other
asks the member that owns login or the layout, for the current request
(its cookies, its path), which answers in a request context of its own
built for that request (:meth:`FlaskPartyState.in_request`).
"""

from __future__ import annotations

import typing as t

import flask
from flask import g, has_request_context
from flask.globals import app_ctx
from markupsafe import Markup

from wsgi_party import (
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    UrlBuildError,
    bind_request,
    current_scope,
    unbind_request,
)

from ._member import state_of

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ._member import FlaskPartyState

__all__ = ["party_fragment", "party_identity"]

_FRAGMENT_CACHE = "_wsgi_party_fragments"


def party_identity() -> Identity | None:
    """Who is logged in for the current request, or ``None`` if anonymous.

    An app given ``identity=`` answers itself; any other asks the member that
    owns login. Raises :class:`~wsgi_party.NoSuchServiceName` when no member
    offers ``identity``.
    """
    state = state_of(app_ctx.app)
    if state.party.identity is not None:
        return state.local_identity()
    operator = state.require_operator()
    # A request the app's WSGI wrapper did not see (test_request_context, a
    # streamed response) is bound here.
    unscoped = current_scope() is None and has_request_context()
    token = bind_request(operator, flask.request.environ) if unscoped else None
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
    state = state_of(app_ctx.app)
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
    except UrlBuildError:
        # A link inside the owner's fragment that nobody builds: the
        # template's error, not a missing fragment.
        raise
    except (NoAnswer, NoSuchServiceName) as exc:
        raise NoAnswer(
            f"no member renders the layout fragment {name!r} for Flask app"
            f" {state.app.name!r} (member {operator.name!r}): {exc}"
        ) from exc
    finally:
        if token is not None:
            unbind_request(token)
