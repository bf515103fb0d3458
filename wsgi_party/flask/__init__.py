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
``match``, plus ``identity``, ``login`` and ``layout`` when configured with
``identity=`` (and ``login_endpoint=`` or Flask-Login's ``login_view``) and
``fragments=``. An app that does not own login requires it from the owner
with :func:`use_party_login` (Flask-Login) or :func:`party_login_required`.

The package holds one concern per module: joining (the extension, the
invite route, the WSGI wrapper), the app's membership (what it answers),
URLs (``party_url`` and the link memory), login and look (``party_identity``,
``party_fragment``) and the Flask and Werkzeug internals it reads. Import
from ``wsgi_party.flask``; the modules inside are private.
"""

from __future__ import annotations

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import flask  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.flask needs Flask: pip install "wsgi_party[flask]"'
    raise ModuleNotFoundError(msg, name=error.name) from error

from ._join import AlreadyInitialised, FlaskParty
from ._login import (
    PartyUser,
    UserFromIdentity,
    party_login_required,
    party_login_url,
    use_party_login,
)
from ._look import party_fragment, party_identity
from ._member import EXTENSION_KEY, INVITE_ENDPOINT, FlaskPartyState, IdentityCallable
from ._urls import PartyBuildError, party_url

__all__ = [
    "EXTENSION_KEY",
    "INVITE_ENDPOINT",
    "AlreadyInitialised",
    "FlaskParty",
    "FlaskPartyState",
    "IdentityCallable",
    "PartyBuildError",
    "PartyUser",
    "UserFromIdentity",
    "party_fragment",
    "party_identity",
    "party_login_required",
    "party_login_url",
    "party_url",
    "use_party_login",
]
