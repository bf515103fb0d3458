"""Login and look in a Flask app: who is logged in, and the site's chrome.

In views, and in templates as Jinja globals::

    from wsgi_party.flask import party_fragment, party_identity

    user = party_identity()             # a wsgi_party.Identity, or None
    header = party_fragment("header")   # Markup, rendered once per request

    {{ party_fragment("header") }}  {% if party_identity() %}...{% endif %}

The member the party names the owner of ``identity`` or ``layout``
(``WSGIParty(owners=...)``) answers, for the current request (its cookies,
its path), in a request context of its own built for that request
(:meth:`FlaskPartyState.in_request`). With no owner named, an app given
``identity=`` or ``fragments=`` answers for itself and any other asks the
party. An app in no party gets ``None`` and the fallback fragments.
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
from wsgi_party.integration import fallback_fragment

from ._member import state_of

#: Config key: the HTML of fragments while the app is in no party (one
#: string, or a dict by fragment name); default ``""``.
FALLBACK_CONFIG = "WSGI_PARTY_FRAGMENT_FALLBACK"

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ._member import FlaskPartyState

__all__ = ["party_fragment", "party_identity"]

_FRAGMENT_CACHE = "_wsgi_party_fragments"


def party_identity() -> Identity | None:
    """Who is logged in for the current request, or ``None`` if anonymous.

    With an owner of ``identity`` named (``WSGIParty(owners=...)``), the
    owner answers, even in an app given ``identity=``. Without one, an app
    given ``identity=`` answers itself and any other asks the party (the
    first member in join order that answers). Raises
    :class:`~wsgi_party.NoSuchServiceName` when no member offers
    ``identity``. An app in no party that was not given ``identity=`` gets
    ``None``, and a warning is logged once.

    .. versionchanged:: 0.3
       The owner of ``identity`` answers; an app alone gets ``None``.
    """
    state = state_of(app_ctx.app)
    if state.answers_itself("identity"):
        return state.local_identity()
    operator = state.operator
    if operator is None:
        state.identity_alone(f"Flask app {state.app.name!r}")
        return None
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

    With an owner of ``layout`` named, the owner renders it. Without one,
    the app's own ``fragments`` come first, then the member that renders
    ``name``. Each fragment is rendered at most once per request (cached in
    :data:`flask.g`). An app in no party renders its own ``fragments`` and
    gives the others from the ``WSGI_PARTY_FRAGMENT_FALLBACK`` config (one
    HTML string, or a dict by name), by default ``""``.

    .. versionchanged:: 0.3
       The owner of ``layout`` renders; an app alone gets the fallback.
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
    if template is not None and state.answers_itself("layout"):
        fragment = Markup(flask.render_template(template))
    elif state.operator is None:
        fallback = state.app.config.get(FALLBACK_CONFIG)
        fragment = Markup(fallback_fragment(fallback, name))
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
