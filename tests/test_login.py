"""Login required by the apps that do not own it, with each framework's own tools.

One Flask app (``accounts``) owns login: it answers ``identity`` from its
session and ``login`` with its login page. The others protect their own
views as their framework does (Flask-Login's ``login_required``, a plain
decorator, Pyramid's ``permission=``, Django's ``login_required`` and
permissions) and send anonymous visitors to the owner's login page with
``next=`` back to the page. The party itself is mounted under ``/site``.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qs, urlsplit

import django
import flask
import pytest
from flask_login import LoginManager, current_user, login_required
from pyramid.authorization import Allow, Authenticated
from pyramid.config import Configurator
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from wsgi_party import Identity, NoAnswer, WSGIParty
from wsgi_party.flask import (
    FlaskParty,
    PartyUser,
    party_identity,
    party_login_required,
    party_login_url,
    use_party_login,
)
from wsgi_party.pyramid import PartySecurityPolicy, party_forbidden_view

MakeParty = t.Callable[..., WSGIParty]

#: The owner's users: name -> (id, display name, roles).
USERS = {
    "ann": ("1", "Ann", frozenset({"editor", "staff"})),
    "bob": ("2", "Bob", frozenset()),
}


# -- the owner of login ------------------------------------------------------------


def make_accounts(**party_options: t.Any) -> flask.Flask:
    """The Flask app that owns login: a login page, a logout, its session."""
    app = flask.Flask("accounts")
    app.secret_key = "accounts-secret"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> t.Any:
        if flask.request.method == "POST":
            flask.session["user"] = flask.request.form["user"]
            return flask.redirect(flask.request.args.get("next") or "/")
        return f"login page, next={flask.request.args.get('next')}"

    @app.route("/logout")
    def logout() -> str:
        flask.session.pop("user", None)
        return "bye"

    def identity() -> Identity | None:
        name = flask.session.get("user")
        if name is None:
            return None
        userid, display, roles = USERS[name]
        return Identity(userid, display, roles)

    party_options.setdefault("login_endpoint", "login")
    FlaskParty(app, name="accounts", identity=identity, **party_options)
    return app


# -- the apps that do not own it -------------------------------------------------------


def make_blog() -> flask.Flask:
    """A Flask app with Flask-Login, its users from the owner."""
    app = flask.Flask("blog")
    app.secret_key = "blog-secret"
    app.config["SESSION_COOKIE_NAME"] = "session_blog"
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def legacy_user(user_id: str) -> PartyUser:
        # The app's own login, from before the owner took over.
        return PartyUser(Identity(user_id, f"legacy {user_id}"))

    use_party_login(login_manager)
    FlaskParty(app, name="blog")

    @app.route("/drafts")
    @login_required
    def drafts() -> str:
        user = current_user._get_current_object()
        assert isinstance(user, PartyUser)
        return f"drafts of {user.name} ({user.get_id()}) {sorted(user.roles)}"

    @app.route("/")
    def index() -> str:
        return "anonymous" if current_user.is_anonymous else f"hello {current_user.name}"

    return app


def make_notes() -> flask.Flask:
    """A Flask app without Flask-Login: the plain decorator."""
    app = flask.Flask("notes")
    FlaskParty(app, name="notes")

    @app.route("/mine")
    @party_login_required
    def mine() -> str:
        identity = party_identity()
        assert identity is not None
        return f"notes of {identity.name}"

    @app.route("/login-link")
    def login_link() -> str:
        return party_login_url()

    return app


class WikiRoot:
    """The Pyramid app's context: anyone logged in reads, editors edit."""

    __acl__: t.ClassVar = [(Allow, Authenticated, "view"), (Allow, "role:editor", "edit")]

    def __init__(self, request: t.Any) -> None:
        pass


def make_wiki(policy: PartySecurityPolicy | None = None) -> t.Any:
    """A Pyramid app whose security policy follows the owner."""
    config = Configurator(settings={"wsgi_party.name": "wiki"}, root_factory=WikiRoot)
    config.include("wsgi_party.pyramid")
    config.set_security_policy(policy or PartySecurityPolicy())
    config.add_forbidden_view(party_forbidden_view)

    def page(request: t.Any) -> t.Any:
        request.response.text = f"{request.authenticated_userid} {request.identity.name}"
        return request.response

    def edit(request: t.Any) -> t.Any:
        request.response.text = f"editing as {request.identity.name}"
        return request.response

    def login_link(request: t.Any) -> t.Any:
        request.response.text = request.party_login_url()
        return request.response

    config.add_route("page", "/page")
    config.add_view(page, route_name="page", permission="view")
    config.add_route("edit", "/edit")
    config.add_view(edit, route_name="edit", permission="edit")
    config.add_route("login_link", "/login-link")
    config.add_view(login_link, route_name="login_link")
    return config.make_wsgi_app()


# -- the site ------------------------------------------------------------------------


def under_site(party: WSGIParty) -> Client:
    """A client of the party mounted at ``/site`` of an outer dispatcher."""
    return Client(DispatcherMiddleware(NotFound(), {"/site": party}))


@pytest.fixture
def party(make_party: MakeParty) -> WSGIParty:
    apps = {
        "/accounts": make_accounts(),
        "/blog": make_blog(),
        "/notes": make_notes(),
        "/wiki": make_wiki(),
    }
    return make_party(DispatcherMiddleware(NotFound(), apps))


@pytest.fixture
def client(party: WSGIParty) -> Client:
    return under_site(party)


def log_in(client: Client, user: str) -> None:
    response = client.post("/site/accounts/login", data={"user": user})
    assert response.status_code == 302


def login_redirect(response: t.Any) -> tuple[str, str | None]:
    """The login page a redirect points to, and its ``next``."""
    assert response.status_code == 302, (response.status, response.get_data(True))
    location = urlsplit(response.headers["Location"])
    assert not location.netloc or location.netloc == "localhost"
    next_values = parse_qs(location.query).get("next")
    return location.path, next_values[0] if next_values else None


OWNER_LOGIN = "/site/accounts/login"


def test_only_the_login_owner_answers_identity_and_login(party: WSGIParty) -> None:
    offering = {m.name for m in party.members if "identity" in m.services}
    assert offering == {"accounts"}
    assert {m.name for m in party.members if "login" in m.services} == {"accounts"}


# -- Flask: Flask-Login and the plain decorator --------------------------------------------


def test_flask_login_required_sends_anonymous_visitors_to_the_owner_with_next(
    client: Client,
) -> None:
    response = client.get("/site/blog/drafts?page=2")
    assert login_redirect(response) == (OWNER_LOGIN, "/site/blog/drafts?page=2")


def test_flask_login_current_user_is_the_owners_user_after_logging_in_there(
    client: Client,
) -> None:
    login_page = client.get("/site/blog/drafts").headers["Location"]
    back = client.post(login_page, data={"user": "ann"})
    assert back.headers["Location"] == "/site/blog/drafts"
    page = client.get("/site/blog/drafts")
    assert page.get_data(as_text=True) == "drafts of Ann (1) ['editor', 'staff']"
    client.get("/site/accounts/logout")
    assert client.get("/site/blog/").get_data(as_text=True) == "anonymous"
    assert login_redirect(client.get("/site/blog/drafts"))[0] == OWNER_LOGIN


def test_flask_login_ignores_a_login_of_the_apps_own_session(client: Client) -> None:
    # A user id left in the app's own session from before the migration.
    with BlogSession(client) as session:
        session["_user_id"] = "99"
    assert client.get("/site/blog/").get_data(as_text=True) == "anonymous"
    log_in(client, "bob")
    assert client.get("/site/blog/").get_data(as_text=True) == "hello Bob"


class BlogSession:
    """Write the blog app's own session cookie, as its old login did."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.data: dict[str, t.Any] = {}

    def __enter__(self) -> dict[str, t.Any]:
        return self.data

    def __exit__(self, *exc: object) -> None:
        app = make_blog()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert serializer is not None
        self.client.set_cookie("session_blog", serializer.dumps(self.data))


def test_party_login_required_without_flask_login(client: Client) -> None:
    assert login_redirect(client.get("/site/notes/mine")) == (OWNER_LOGIN, "/site/notes/mine")
    log_in(client, "bob")
    assert client.get("/site/notes/mine").get_data(as_text=True) == "notes of Bob"


def test_party_login_url_names_the_owners_page_with_this_page_as_next(client: Client) -> None:
    url = client.get("/site/notes/login-link?a=1").get_data(as_text=True)
    assert url == "/site/accounts/login?next=/site/notes/login-link?a%3D1"


def test_flask_owner_answers_login_from_flask_logins_login_view(make_party: MakeParty) -> None:
    accounts = make_accounts(login_endpoint=None)
    login_manager = LoginManager(accounts)
    login_manager.login_view = "login"
    party = make_party(DispatcherMiddleware(NotFound(), {"/accounts": accounts}))
    assert party.ask("accounts", "login", "/back") == "/accounts/login?next=/back"
    assert party.ask("accounts", "login", None) == "/accounts/login"


# -- Pyramid: the security policy and the forbidden view ----------------------------------


def test_pyramid_permission_sends_anonymous_visitors_to_the_owner_with_next(
    client: Client,
) -> None:
    assert login_redirect(client.get("/site/wiki/page?v=3")) == (OWNER_LOGIN, "/site/wiki/page?v=3")


def test_pyramid_identity_and_permissions_follow_the_owner(client: Client) -> None:
    log_in(client, "bob")
    assert client.get("/site/wiki/page").get_data(as_text=True) == "2 Bob"
    assert client.get("/site/wiki/edit").status_code == 403
    log_in(client, "ann")
    assert client.get("/site/wiki/edit").get_data(as_text=True) == "editing as Ann"
    client.get("/site/accounts/logout")
    assert login_redirect(client.get("/site/wiki/page"))[0] == OWNER_LOGIN


def test_pyramid_policy_maps_the_owners_identity_to_the_apps_user(
    make_party: MakeParty,
) -> None:
    made: list[str] = []

    def wiki_user(request: t.Any, identity: Identity) -> t.Any:
        made.append(identity.id)
        return None if identity.id == "2" else WikiUser(identity.name.lower())

    policy = PartySecurityPolicy(user_from_identity=wiki_user)
    apps = {"/accounts": make_accounts(), "/wiki": make_wiki(policy)}
    client = under_site(make_party(DispatcherMiddleware(NotFound(), apps)))
    log_in(client, "ann")
    assert client.get("/site/wiki/page").get_data(as_text=True) == "1 ann (wiki user)"
    assert made == ["1"]  # once per request, however often the policy is asked
    log_in(client, "bob")  # the wiki has no user for bob: anonymous
    assert login_redirect(client.get("/site/wiki/page"))[0] == OWNER_LOGIN


class WikiUser:
    """The wiki's own user object."""

    def __init__(self, login: str) -> None:
        self.name = f"{login} (wiki user)"


def test_pyramid_party_login_url_request_method(client: Client) -> None:
    url = client.get("/site/wiki/login-link").get_data(as_text=True)
    assert url == "/site/accounts/login?next=/site/wiki/login-link"


def test_pyramid_remember_and_forget_leave_login_to_the_owner() -> None:
    policy = PartySecurityPolicy()
    assert policy.remember(None, "1") == []
    assert policy.forget(None) == []


def test_pyramid_owner_answers_login_from_its_login_route_setting(
    make_party: MakeParty,
) -> None:
    config = Configurator(settings={"wsgi_party.name": "auth", "wsgi_party.login_route": "signin"})
    config.include("wsgi_party.pyramid")
    config.set_security_policy(_NobodyPolicy())
    config.add_route("signin", "/sign-in")
    party = make_party(DispatcherMiddleware(NotFound(), {"/auth": config.make_wsgi_app()}))
    assert party.ask("auth", "login", "/wiki/page") == "/auth/sign-in?next=/wiki/page"


class _NobodyPolicy:
    """A Pyramid app's own security policy: it owns login."""

    def identity(self, request: t.Any) -> None:
        return None

    def authenticated_userid(self, request: t.Any) -> None:
        return None

    def permits(self, request: t.Any, context: t.Any, permission: str) -> bool:
        return True


# -- without an owner -------------------------------------------------------------------


def test_owner_whose_login_page_cannot_be_built_says_which_endpoint(
    make_party: MakeParty,
) -> None:
    from wsgi_party import PartylineException

    accounts = make_accounts(login_endpoint="auth.signin")  # no such endpoint
    party = make_party(DispatcherMiddleware(NotFound(), {"/accounts": accounts}))
    with pytest.raises(PartylineException, match=r"'accounts' .* own endpoint 'auth.signin'"):
        party.ask("accounts", "login", "/x")


def test_no_login_owner_is_an_error_naming_the_member(make_party: MakeParty) -> None:
    notes = make_notes()
    notes.testing = True  # the error reaches the test, not a 500 page
    party = make_party(DispatcherMiddleware(NotFound(), {"/notes": notes}))
    client = under_site(party)
    with pytest.raises(NoAnswer, match=r"member 'notes' .* no member answers 'login'"):
        client.get("/site/notes/login-link")


# -- Django: the backend, the middleware and the login view ---------------------------------

#: Settings of the Django project when the Flask app owns login.
DJANGO_NON_OWNER: dict[str, t.Any] = {
    "AUTHENTICATION_BACKENDS": ["wsgi_party.django.auth.PartyBackend"],
    "LOGIN_URL": "party-login",
    "ROOT_URLCONF": "tests.django_site.login_urls",
}


@pytest.fixture
def django_settings() -> t.Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    from tests.django_site import setup_django

    setup_django()
    middleware = [*settings.MIDDLEWARE, "wsgi_party.django.auth.PartyUserMiddleware"]
    with override_settings(MIDDLEWARE=middleware, **DJANGO_NON_OWNER):
        yield


@pytest.fixture
def django_site(make_party: MakeParty, django_settings: None) -> tuple[WSGIParty, Client]:
    from django.core.wsgi import get_wsgi_application

    apps = {"/accounts": make_accounts(), "/legacy": get_wsgi_application()}
    party = make_party(DispatcherMiddleware(NotFound(), apps))
    return party, under_site(party)


def _editor_group_may_view_users() -> None:
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="editor")
    group.permissions.add(Permission.objects.get(codename="view_user"))


def test_django_project_with_party_users_answers_neither_identity_nor_login(
    django_site: tuple[WSGIParty, Client],
) -> None:
    party, _ = django_site
    legacy = next(m for m in party.members if m.name == "legacy")
    assert "identity" not in legacy.services
    assert "login" not in legacy.services


def test_django_login_required_sends_anonymous_visitors_to_the_owner_with_next(
    django_site: tuple[WSGIParty, Client],
) -> None:
    _, client = django_site
    first = client.get("/site/legacy/private/?x=1")
    assert login_redirect(first) == ("/site/legacy/party-login/", "/site/legacy/private/?x=1")
    assert login_redirect(client.get(first.headers["Location"])) == (
        OWNER_LOGIN,
        "/site/legacy/private/?x=1",
    )


def test_django_request_user_and_permissions_follow_the_owner(
    django_site: tuple[WSGIParty, Client],
) -> None:
    _editor_group_may_view_users()
    _, client = django_site
    log_in(client, "ann")
    ann = json_of(client.get("/site/legacy/private/"))
    assert ann == {
        "username": "1",
        "is_staff": True,
        "is_superuser": False,
        "groups": ["editor"],
        "can_view_users": True,
        "identity_name": "Ann",
    }
    assert client.get("/site/legacy/users/").status_code == 200
    log_in(client, "bob")
    bob = json_of(client.get("/site/legacy/private/"))
    assert (bob["username"], bob["is_staff"], bob["groups"]) == ("2", False, [])
    assert client.get("/site/legacy/users/").status_code == 403
    client.get("/site/accounts/logout")
    assert login_redirect(client.get("/site/legacy/private/"))[0] == "/site/legacy/party-login/"


@pytest.mark.skipif(
    django.VERSION < (5, 0),
    reason="Django's login_required wraps async views, and request.auser exists, from 5.0",
)
def test_django_async_view_with_login_required_gets_the_owners_user(
    django_site: tuple[WSGIParty, Client],
) -> None:
    _, client = django_site
    assert login_redirect(client.get("/site/legacy/private-async/"))[1] == (
        "/site/legacy/private-async/"
    )
    log_in(client, "bob")
    assert json_of(client.get("/site/legacy/private-async/")) == {"username": "2"}


def test_django_user_loses_what_the_owner_takes_away(
    django_site: tuple[WSGIParty, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    _editor_group_may_view_users()
    _, client = django_site
    log_in(client, "ann")
    assert json_of(client.get("/site/legacy/private/"))["is_staff"] is True
    monkeypatch.setitem(USERS, "ann", ("1", "Ann", frozenset()))
    ann = json_of(client.get("/site/legacy/private/"))
    assert (ann["is_staff"], ann["groups"], ann["can_view_users"]) == (False, [], False)


def test_django_backend_without_create_unknown_user_maps_known_users_only(
    django_site: tuple[WSGIParty, Client],
) -> None:
    from django.contrib.auth.models import User
    from django.test import override_settings

    _, client = django_site
    User.objects.filter(username="2").delete()
    log_in(client, "bob")
    with override_settings(AUTHENTICATION_BACKENDS=["tests.django_site.login_urls.KnownUsersOnly"]):
        assert login_redirect(client.get("/site/legacy/private/"))[0] == (
            "/site/legacy/party-login/"
        )
        User.objects.create_user(username="2")
        assert json_of(client.get("/site/legacy/private/"))["identity_name"] == "Bob"


def test_django_login_required_middleware_lets_visitors_reach_party_login(
    make_party: MakeParty, django_settings: None
) -> None:
    from django.conf import settings
    from django.contrib.auth import middleware as auth_middleware
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    if not hasattr(auth_middleware, "LoginRequiredMiddleware"):
        pytest.skip("LoginRequiredMiddleware is new in Django 5.1")
    everything_private = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    with override_settings(MIDDLEWARE=everything_private):
        apps = {"/accounts": make_accounts(), "/legacy": get_wsgi_application()}
        client = under_site(make_party(DispatcherMiddleware(NotFound(), apps)))
        first = client.get("/site/legacy/whoami/")
        assert login_redirect(first) == ("/site/legacy/party-login/", "/site/legacy/whoami/")
        second = client.get(first.headers["Location"])
        assert login_redirect(second) == (OWNER_LOGIN, "/site/legacy/whoami/")


def test_django_party_login_drops_a_next_to_another_host(
    django_site: tuple[WSGIParty, Client],
) -> None:
    _, client = django_site
    response = client.get("/site/legacy/party-login/?next=https://elsewhere.example.org/")
    assert login_redirect(response) == (OWNER_LOGIN, None)


def test_django_party_user_middleware_needs_the_party_backend(django_settings: None) -> None:
    from django.test import override_settings

    from wsgi_party.django import PartyImproperlyConfigured
    from wsgi_party.django.auth import PartyUserMiddleware

    backends = ["django.contrib.auth.backends.ModelBackend"]
    with (
        override_settings(AUTHENTICATION_BACKENDS=backends),
        pytest.raises(PartyImproperlyConfigured, match="PartyBackend"),
    ):
        PartyUserMiddleware(lambda request: None)
    with (
        override_settings(WSGI_PARTY_IDENTITY=True),
        pytest.raises(PartyImproperlyConfigured, match="WSGI_PARTY_IDENTITY"),
    ):
        PartyUserMiddleware(lambda request: None)
    auth_first = [
        "wsgi_party.django.PartyMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "wsgi_party.django.auth.PartyUserMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    with (
        override_settings(MIDDLEWARE=auth_first),
        pytest.raises(
            PartyImproperlyConfigured, match=r"must come after .*AuthenticationMiddleware"
        ),
    ):
        PartyUserMiddleware(lambda request: None)


@pytest.mark.parametrize(
    ("login_url", "expected"),
    [
        ("/accounts/login/", "/site/legacy/accounts/login/"),  # Django's default: a path
        ("login", "/site/legacy/accounts/login/"),  # a URL name, reversed under the mount
        ("https://sso.example.org/in", "https://sso.example.org/in"),
    ],
)
def test_django_owner_answers_login_from_its_login_url(
    make_party: MakeParty, login_url: str, expected: str
) -> None:
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    from tests.django_site import setup_django

    setup_django()
    notes = make_notes()
    with override_settings(LOGIN_URL=login_url):
        apps = {"/legacy": get_wsgi_application(), "/notes": notes}
        client = under_site(make_party(DispatcherMiddleware(NotFound(), apps)))
        url = client.get("/site/notes/login-link").get_data(as_text=True)
    assert url == f"{expected}?next=/site/notes/login-link"


def json_of(response: t.Any) -> t.Any:
    assert response.status_code == 200, (response.status, response.get_data(True))
    return response.get_json()


def test_login_payload_that_is_not_a_url_is_an_error_naming_the_member(
    make_party: MakeParty,
) -> None:
    from wsgi_party import PartylineException

    party = make_party(DispatcherMiddleware(NotFound(), {"/accounts": make_accounts()}))
    with pytest.raises(PartylineException, match=r"'login' payload for member 'accounts'.*int"):
        party.ask("accounts", "login", 3)


def test_pyramid_login_route_setting_must_be_a_route_name() -> None:
    from wsgi_party.pyramid import PyramidConfigurationError

    config = Configurator(settings={"wsgi_party.login_route": 3})
    with pytest.raises(PyramidConfigurationError, match=r"wsgi_party\.login_route"):
        config.include("wsgi_party.pyramid")


# -- an app's own tests, with a stand-in for the owner ---------------------------------------


def test_app_requiring_login_is_tested_with_a_stand_in_for_the_owner() -> None:
    from wsgi_party.testing import StandIn, party_for

    blog = make_blog()
    accounts = StandIn(
        "accounts", routes={"signin": "/signin"}, identity=None, login="signin", mount="/accounts"
    )
    with party_for(blog, "/blog", accounts):
        client = blog.test_client()
        assert login_redirect(client.get("/drafts")) == ("/accounts/signin", "/drafts")
        accounts.identity = Identity("7", "Tess", {"editor"})
        assert client.get("/drafts").get_data(as_text=True) == "drafts of Tess (7) ['editor']"


def test_stand_in_login_endpoint_must_be_one_of_its_routes(make_party: MakeParty) -> None:
    from wsgi_party import PartylineException
    from wsgi_party.testing import StandIn

    accounts = StandIn("accounts", routes={"home": "/"}, login="signin")
    party = make_party(DispatcherMiddleware(accounts, {}))
    with pytest.raises(PartylineException, match=r"stand-in 'accounts'.*'signin'.*no such route"):
        party.ask("accounts", "login", "/x")


def test_each_visitor_gets_their_own_user_in_every_framework_at_once(
    make_party: MakeParty, django_settings: None
) -> None:
    import threading

    from django.core.wsgi import get_wsgi_application

    apps = {
        "/accounts": make_accounts(),
        "/blog": make_blog(),
        "/wiki": make_wiki(),
        "/legacy": get_wsgi_application(),
    }
    party = make_party(DispatcherMiddleware(NotFound(), apps))
    names = ["ann", "bob"] * 3
    clients = [under_site(party) for _ in names]
    for client, name in zip(clients, names, strict=True):
        log_in(client, name)
        client.get("/site/legacy/private/")  # the Django user exists before the rush
    errors: list[str] = []
    start = threading.Barrier(len(clients))

    def browse(client: Client, name: str) -> None:
        userid, display, _roles = USERS[name]
        expected = {
            "/site/blog/drafts": f"drafts of {display} ({userid})",
            "/site/wiki/page": f"{userid} {display}",
            "/site/legacy/private/": f'"username": "{userid}"',
        }
        try:
            start.wait(timeout=30)
            for _ in range(15):
                for path, text in expected.items():
                    body = client.get(path).get_data(as_text=True)
                    if text not in body:
                        errors.append(f"{name} on {path}: {body[:80]!r}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{name}: {exc!r}")

    threads = [
        threading.Thread(target=browse, args=pair) for pair in zip(clients, names, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
