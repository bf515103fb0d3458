"""Login required by a Flask app that does not own login.

The member that owns login says who is logged in (``identity``) and where
its login page is (``login``); this app protects its own views with
Flask-Login, as it would with a login of its own::

    from flask_login import LoginManager, current_user, login_required
    from wsgi_party.flask import use_party_login

    login_manager = LoginManager(app)
    use_party_login(login_manager)          # current_user: a PartyUser, or anonymous

    @app.route("/drafts")
    @login_required                         # anonymous: to the owner's login page
    def drafts():
        return f"hello {current_user.name}"

Without Flask-Login, :func:`party_login_required` does the same for one view.
"""

from __future__ import annotations

import functools
import typing as t
from urllib.parse import urlsplit, urlunsplit

import flask
from flask import g

from wsgi_party import Identity
from wsgi_party.integration import not_in_party, owner_login_url

from ._look import party_identity
from ._member import state_of

if t.TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "PartyUser",
    "UserFromIdentity",
    "party_login_required",
    "party_login_url",
    "use_party_login",
]

#: ``user_from_identity`` of :func:`use_party_login`: the app's user for the
#: owner's :class:`~wsgi_party.Identity`, or ``None`` to treat it as anonymous.
UserFromIdentity = t.Callable[[Identity], t.Any]

_F = t.TypeVar("_F", bound="Callable[..., t.Any]")
_USER_CACHE = "_wsgi_party_login_user"
# As Flask-Login's login_required: a CORS preflight never needs a login.
_EXEMPT_METHODS = frozenset({"OPTIONS"})


class PartyUser:
    """The logged-in user, as Flask-Login's ``current_user``, from the owner's identity.

    What :func:`use_party_login` makes when not given ``user_from_identity``:
    it has what Flask-Login asks of a user (``is_authenticated``,
    ``is_active``, ``is_anonymous``, ``get_id()``) and the identity's
    ``id``, ``name`` and ``roles``.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, identity: Identity) -> None:
        #: The owner's answer.
        self.identity = identity
        #: The user's identifier in the owning app.
        self.id = identity.id
        #: A name fit to show on a page.
        self.name = identity.name
        #: The user's roles, for authorisation decisions.
        self.roles = identity.roles

    def __repr__(self) -> str:
        return f"<PartyUser {self.id!r} {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartyUser) and other.identity == self.identity

    def __hash__(self) -> int:
        return hash(self.id)

    def get_id(self) -> str:
        """The identifier Flask-Login keeps for the user."""
        return self.id

    def has_role(self, role: str) -> bool:
        """Whether the owner gives the user ``role``."""
        return role in self.roles


def use_party_login(login_manager: t.Any, user_from_identity: UserFromIdentity = PartyUser) -> None:
    """Make Flask-Login's ``current_user`` the user the login owner says is logged in.

    Registers on ``login_manager`` (a ``flask_login.LoginManager``):

    * a ``request_loader`` and a ``user_loader`` that both answer with
      ``user_from_identity(identity)`` for the owner's identity of the
      current request (``None``, anonymous, when nobody is logged in), so
      the owner decides even when the app's session still holds a login of
      its own;
    * an ``unauthorized_handler`` that redirects to the owner's login page
      (:func:`party_login_url`) with ``next=`` back to the page asked for,
      so ``@login_required`` sends visitors there (an app alone, in no
      party, answers 401 Unauthorized instead).

    ``user_from_identity`` maps the owner's :class:`~wsgi_party.Identity`
    to the app's own user object (a row of its database, say); by default a
    :class:`PartyUser`. Log in and log out on the owner's pages: this app's
    ``login_user()`` and ``logout_user()`` change nothing the owner sees.
    """

    def party_user() -> t.Any:
        # Flask-Login may ask twice in one request (session, then request).
        cached: tuple[object, t.Any] | None = g.get(_USER_CACHE)
        environ = flask.request.environ
        if cached is not None and cached[0] is environ:
            return cached[1]
        identity = party_identity()
        user = None if identity is None else user_from_identity(identity)
        setattr(g, _USER_CACHE, (environ, user))
        return user

    login_manager.request_loader(lambda request: party_user())
    login_manager.user_loader(lambda user_id: party_user())
    login_manager.unauthorized_handler(_to_login_page)


def party_login_url(next_url: str | None = None) -> str:
    """The owner's login page, to come back to ``next_url``.

    ``next_url`` defaults to the current page: its full path (the party's
    prefix, the app's mount, the path and the query), so the visitor comes
    back here however the site is mounted. Raises
    :class:`~wsgi_party.NoAnswer` when no member answers ``login``.
    """
    state = state_of(flask.current_app)
    if next_url is None and flask.has_request_context():
        next_url = _current_page()
    return owner_login_url(state.require_operator(), next_url)


def party_login_required(view: _F) -> _F:
    """Decorate a view that needs a logged-in user, for an app without Flask-Login.

    An anonymous visitor (:func:`~wsgi_party.flask.party_identity` is
    ``None``) is redirected to the owner's login page with ``next=`` back
    to this page. ``OPTIONS`` requests and ``LOGIN_DISABLED = True`` pass,
    as with Flask-Login's ``login_required``.
    """

    @functools.wraps(view)
    def login_required_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if (
            flask.request.method not in _EXEMPT_METHODS
            and not flask.current_app.config.get("LOGIN_DISABLED")
            and party_identity() is None
        ):
            return _to_login_page()
        return view(*args, **kwargs)

    return t.cast("_F", login_required_view)


def _to_login_page() -> t.Any:
    """Send an anonymous visitor to the owner's login page; an app alone has
    no owner, so it answers 401, as Flask-Login does without a login view."""
    state = state_of(flask.current_app)
    if state.operator is None:
        flask.abort(401, description=not_in_party(f"Flask app {state.app.name!r}"))
    return flask.redirect(party_login_url())


def _current_page() -> str:
    parts = urlsplit(flask.request.url)
    return urlunsplit(("", "", parts.path, parts.query, ""))
