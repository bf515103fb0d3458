"""A member answering for another member's request runs with its own request state.

When the party asks an app for ``identity`` or a ``layout`` fragment, the
request is another app's. The answer must still see what the app's own views
see: Flask's ``before_request`` functions (``g.user`` set by a blueprint's
``before_app_request``, as flaskr does), URL value preprocessors, context
processors and teardown; Pyramid's request factory, request methods and
security policy; Django's middleware (``request.user``, the session, and a
project's own). A hook that answers with a response of its own (a redirect to
the login page) does not take over the asker's page: the answer is given as
the hooks that ran left the request, and the ``wsgi_party`` logger says so
once per hook.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from wsgi_party import Identity, WSGIParty

flask = pytest.importorskip("flask")
pyramid_config = pytest.importorskip("pyramid.config")
jinja2 = pytest.importorskip("jinja2")

from pyramid import request as pyramid_request  # noqa: E402
from pyramid.events import NewRequest  # noqa: E402
from pyramid.httpexceptions import HTTPFound  # noqa: E402
from pyramid.response import Response as PyramidResponse  # noqa: E402

from wsgi_party.flask import FlaskParty  # noqa: E402

MakeParty = t.Callable[..., WSGIParty]

#: flaskr's users, by id (flaskr reads them from its database).
FLASKR_USERS = {1: "ada", 2: "grace"}

NAV = (
    "<nav>{{ site }}|{{ g.lang }}|"
    "{% if g.user %}{{ g.user['username'] }} <a href='{{ url_for('auth.logout') }}'>Log Out</a>"
    "{% else %}guest <a href='{{ url_for('auth.login') }}'>Log In</a>{% endif %}"
    "|{{ g.get('search_form', 'no form') }}|hooks={{ g.hooks }}</nav>"
)


class Flaskr:
    """A flaskr-like app: an ``auth`` blueprint whose ``before_app_request``
    loads ``g.user`` from the session, and a nav fragment that reads it."""

    def __init__(self) -> None:
        self.teardowns: list[str] = []
        app = self.app = flask.Flask("flaskr")
        app.secret_key = "dev"
        app.jinja_loader = jinja2.DictLoader({"nav.html": NAV})
        auth = flask.Blueprint("auth", "flaskr", url_prefix="/auth")

        @auth.before_app_request
        def load_logged_in_user() -> None:
            user_id = flask.session.get("user_id")
            flask.g.hooks = flask.g.get("hooks", 0) + 1
            flask.g.user = (
                None if user_id is None else {"id": user_id, "username": FLASKR_USERS[user_id]}
            )

        @auth.route("/login")
        def login() -> str:
            flask.session["user_id"] = int(flask.request.args["user"])
            return "logged in"

        @auth.route("/logout")
        def logout() -> str:
            flask.session.clear()
            return "logged out"

        app.register_blueprint(auth)

        @app.url_value_preprocessor
        def pull_lang_code(endpoint: str | None, values: dict[str, t.Any]) -> None:
            flask.g.lang = values.pop("lang_code", "en")

        @app.context_processor
        def site_name() -> dict[str, str]:
            return {"site": "Flaskr"}

        @app.teardown_request
        def count_request_teardown(exc: BaseException | None) -> None:
            self.teardowns.append("request")

        @app.teardown_appcontext
        def close_db(exc: BaseException | None) -> None:
            self.teardowns.append("appcontext")

        def identity() -> Identity | None:
            user = flask.g.user
            return None if user is None else Identity(str(user["id"]), user["username"])

        FlaskParty(app, name="flaskr", identity=identity, fragments={"nav": "nav.html"})


def wiki_page(config: t.Any) -> None:
    """A Pyramid page (at ``/wiki/``) that shows flaskr's nav and who is logged in."""

    def page(request: t.Any) -> t.Any:
        who = request.party_identity
        name = who.name if who is not None else "nobody"
        return PyramidResponse(f"{request.party_fragment('nav')}|who={name}")

    config.add_route("page", "/")
    config.add_view(page, route_name="page")


def make_wiki() -> t.Any:
    with pyramid_config.Configurator(settings={"wsgi_party.name": "wiki"}) as config:
        config.include("wsgi_party.pyramid")
        wiki_page(config)
        return config.make_wsgi_app()


@pytest.fixture
def flaskr() -> Flaskr:
    return Flaskr()


@pytest.fixture
def client(make_party: MakeParty, flaskr: Flaskr) -> Client:
    party = make_party(DispatcherMiddleware(flaskr.app, {"/wiki": make_wiki()}))
    return Client(party)


# -- Flask ------------------------------------------------------------------------------


def test_flaskr_nav_shows_the_user_its_before_app_request_loaded_on_a_pyramid_page(
    client: Client,
) -> None:
    assert "guest <a href='/auth/login'>" in client.get("/wiki/").text
    assert client.get("/auth/login?user=1").text == "logged in"
    page = client.get("/wiki/").text
    assert "ada <a href='/auth/logout'>Log Out</a>" in page
    assert page.endswith("|who=ada")


def test_flask_answers_run_url_value_preprocessors_and_context_processors(
    client: Client,
) -> None:
    assert client.get("/wiki/").text.startswith("<nav>Flaskr|en|")


def test_flask_answers_each_get_a_fresh_g_and_are_torn_down(client: Client, flaskr: Flaskr) -> None:
    client.get("/auth/login?user=2")
    flaskr.teardowns.clear()
    page = client.get("/wiki/").text
    assert "grace" in page
    # before_request ran once in the g of the fragment's answer (not twice:
    # the identity's answer had a g of its own).
    assert "hooks=1" in page
    # Two answers (the fragment and the identity), each torn down as a request.
    assert flaskr.teardowns == ["request", "appcontext"] * 2


def test_flask_before_request_redirect_does_not_take_over_the_askers_page(
    client: Client, flaskr: Flaskr, caplog: pytest.LogCaptureFixture
) -> None:
    @flaskr.app.before_request
    def login_required() -> t.Any:
        if flask.g.user is None and flask.request.endpoint != "auth.login":
            return flask.redirect(flask.url_for("auth.login"))
        return None

    @flaskr.app.before_request
    def load_search_form() -> None:
        flask.g.search_form = "search"

    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        first = client.get("/wiki/")
        second = client.get("/wiki/")
    assert first.status_code == second.status_code == 200
    # Answered as the hooks before the redirect left the request: no user,
    # and the function after the redirect did not run.
    assert "guest" in first.text
    assert "|no form|" in first.text
    assert first.text.endswith("|who=nobody")
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "wsgi_party" and "for another member's request" in r.getMessage()
    ]
    # Once per answering service and function, not once per request.
    assert len(warnings) == 2, warnings
    assert all("'flaskr'" in w and "login_required" in w for w in warnings)
    assert all("302 FOUND to /auth/login" in w for w in warnings)
    assert {"'layout'" in w for w in warnings} == {True, False}
    # Logged in, nothing is refused and every hook runs.
    client.get("/auth/login?user=1")
    assert "ada <a" in (page := client.get("/wiki/").text)
    assert "|search|" in page


def test_flask_before_request_abort_is_answered_like_a_response(
    client: Client, flaskr: Flaskr, caplog: pytest.LogCaptureFixture
) -> None:
    @flaskr.app.before_request
    def closed_for_maintenance() -> None:
        flask.abort(503)

    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        page = client.get("/wiki/")
    assert page.status_code == 200
    assert "guest" in page.text
    assert any(
        "closed_for_maintenance" in r.getMessage() and "503 Service Unavailable" in r.getMessage()
        for r in caplog.records
    )
    # The app's own requests get the abort, as always.
    assert client.get("/auth/login?user=1").status_code == 503


# -- Django ------------------------------------------------------------------------------

#: The test project's middleware plus its own two that add request state.
LIBRARY_MIDDLEWARE = [
    "wsgi_party.django.PartyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.django_site.middleware.HeaderUserMiddleware",
    "tests.django_site.middleware.LibraryBannerMiddleware",
]
LOGIN_REQUIRED = "tests.django_site.middleware.LoginRequiredMiddleware"


@contextlib.contextmanager
def library_site(
    make_party: MakeParty, middleware: list[str] = LIBRARY_MIDDLEWARE, **settings: t.Any
) -> t.Iterator[t.Any]:
    """The test Django project (member ``legacy``, fragment ``nav``) with
    ``middleware``, beside tests/test_django.py's Werkzeug blog."""
    from django.test import override_settings

    from tests.django_site import setup_django
    from tests.test_django import build_site

    setup_django()
    fragments = {
        "nav": "site/nav.html",
        "logout": "site/logout.html",
        "refusing": "site/refusing.html",
    }
    with override_settings(MIDDLEWARE=middleware, WSGI_PARTY_FRAGMENTS=fragments, **settings):
        yield build_site(make_party, owners={"identity": "legacy", "layout": "legacy"})


def who(site: t.Any, **headers: str) -> t.Any:
    response = site.client.get("/blog/who", headers=headers)
    assert response.status_code == 200, response.text
    return json.loads(response.text)["identity"]


def logged_in(site: t.Any) -> str:
    from tests.django_site import session_cookie
    from tests.test_django import make_user

    user = make_user(username="reader")
    site.client.set_cookie(*session_cookie(user))
    return str(user.get_username())


def test_django_fragment_sees_what_the_projects_middleware_sets(make_party: MakeParty) -> None:
    with library_site(make_party) as site:
        page = site.client.get("/blog/frag/nav").text
        assert page == '<nav>City Library|anonymous|<a href="/legacy/polls/">polls</a></nav>\n'
        username = logged_in(site)  # SessionMiddleware + AuthenticationMiddleware
        assert f"|{username}|" in site.client.get("/blog/frag/nav").text


def test_django_fragments_csrf_token_is_the_visitors_so_its_form_posts(
    make_party: MakeParty,
) -> None:
    # locallibrary's sidebar has Django 5's logout form: shown on another
    # app's page, its token must match the visitor's CSRF cookie.
    from tests.test_django import log_in, make_user

    with library_site(make_party) as site:
        user = make_user(username="leaving")
        log_in(site.client, user.get_username())
        form = site.client.get("/blog/frag/logout").text
        assert f"Log out {user.get_username()}" in form
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None
        response = site.client.post(
            "/legacy/accounts/logout/", data={"csrfmiddlewaretoken": token[1]}
        )
        assert response.status_code == 302, response.text
        assert who(site) is None


def test_django_async_only_middleware_runs_for_another_members_request(
    make_party: MakeParty,
) -> None:
    middleware = [*LIBRARY_MIDDLEWARE[:-1], "tests.django_site.middleware.AsyncBannerMiddleware"]
    with library_site(make_party, middleware) as site:
        assert site.client.get("/blog/frag/nav").text.startswith("<nav>Async Library|anonymous|")
        assert who(site) is None


def test_django_identity_follows_the_projects_own_authentication_middleware(
    make_party: MakeParty,
) -> None:
    from tests.test_django import make_user

    with library_site(make_party) as site:
        user = make_user(username="remote")
        assert who(site) is None
        found = who(site, **{"X-Library-User": user.get_username()})
        assert found["name"] == user.get_username()
        assert found["id"] == str(user.pk)


def test_django_middleware_redirect_does_not_take_over_the_askers_page(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    middleware = [*LIBRARY_MIDDLEWARE]
    middleware.insert(-1, LOGIN_REQUIRED)  # before the banner
    with (
        library_site(make_party, middleware) as site,
        caplog.at_level(logging.WARNING, logger="wsgi_party"),
    ):
        for _ in range(2):
            nav = site.client.get("/blog/frag/nav")
            assert nav.status_code == 200
            # As the middleware before the redirect left the request: no banner.
            assert nav.text.startswith("<nav>no banner|anonymous|")
            assert who(site) is None
        warnings = [
            r.getMessage()
            for r in caplog.records
            if r.name == "wsgi_party" and "for another member's request" in r.getMessage()
        ]
        assert len(warnings) == 2, warnings  # once per service, not per request
        assert all(
            "'legacy'" in w and LOGIN_REQUIRED in w and "302 to /legacy/accounts/login/" in w
            for w in warnings
        )
        # The project's own pages still get their redirect.
        assert site.client.get("/legacy/polls/").status_code == 302
        username = logged_in(site)
        assert site.client.get("/blog/frag/nav").text.startswith(f"<nav>City Library|{username}|")
        assert who(site)["name"] == username


def test_django_disallowed_host_from_a_middleware_does_not_break_the_askers_page(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    # CommonMiddleware reads the host: a Host outside ALLOWED_HOSTS (a
    # scanner's) is Django's 400, which must not be the other app's 500.
    with (
        library_site(make_party) as site,
        caplog.at_level(logging.WARNING, logger="wsgi_party"),
    ):
        nav = site.client.get("/blog/frag/nav", headers={"Host": "evil.example"})
        assert nav.status_code == 200
        assert nav.text.startswith("<nav>no banner|anonymous|")
    assert any(
        "django.middleware.common.CommonMiddleware" in r.getMessage()
        and "DisallowedHost" in r.getMessage()
        for r in caplog.records
    )


def test_django_error_in_the_answer_itself_reaches_the_asker(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.exceptions import PermissionDenied

    with (
        library_site(make_party) as site,
        caplog.at_level(logging.WARNING, logger="wsgi_party"),
        pytest.raises(PermissionDenied, match="the template refuses"),
    ):
        site.client.get("/blog/frag/refusing")
    # Raised once, by the template: not taken for a middleware's refusal.
    assert not [r for r in caplog.records if r.name == "wsgi_party"]


def test_django_https_redirect_leaves_identity_to_the_session(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        library_site(make_party, SECURE_SSL_REDIRECT=True) as site,
        caplog.at_level(logging.WARNING, logger="wsgi_party"),
    ):
        username = logged_in(site)
        # SecurityMiddleware answered before the session was loaded: the
        # identity is read from the request's own session cookie.
        assert who(site)["name"] == username
    assert any(
        "django.middleware.security.SecurityMiddleware" in r.getMessage()
        and "301 to https://localhost/blog/who" in r.getMessage()
        for r in caplog.records
    )


# -- Pyramid -----------------------------------------------------------------------------

#: The wiki's users (its database), by the id its cookie holds.
WIKI_USERS = {"ada": {"id": "ada", "name": "Ada"}}


class WikiRequest(pyramid_request.Request):  # type: ignore[misc]
    """The wiki's request factory."""

    site_title = "Wiki"


class WikiSession:
    """A database session that, like SQLAlchemy's under pyramid_tm's explicit
    manager, works only inside the transaction the tm tween opens."""

    def __init__(self, request: t.Any) -> None:
        self.request = request
        request.add_finished_callback(self.close)

    def get(self, userid: str) -> dict[str, str] | None:
        if self.request.environ.get("wiki.tx") != "open":
            raise RuntimeError("no transaction: the tm tween is not around this request")
        return WIKI_USERS.get(userid)

    def close(self, request: t.Any) -> None:
        request.registry["wiki.log"].append("session closed")


class WikiSecurityPolicy:
    """The wiki tutorial's shape: the identity is the user row of the cookie's id."""

    def identity(self, request: t.Any) -> dict[str, str] | None:
        userid = request.cookies.get("wiki_user")
        return None if userid is None else request.dbsession.get(userid)

    def authenticated_userid(self, request: t.Any) -> str | None:
        identity = request.identity
        return None if identity is None else identity["id"]

    def permits(self, request: t.Any, context: t.Any, permission: str) -> bool:
        return request.identity is not None

    def remember(self, request: t.Any, userid: str, **kw: t.Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: t.Any, **kw: t.Any) -> list[tuple[str, str]]:
        return []


def tm_tween_factory(handler: t.Callable[[t.Any], t.Any], registry: t.Any) -> t.Any:
    """A transaction around each request, as pyramid_tm's tween."""

    def tm_tween(request: t.Any) -> t.Any:
        request.environ["wiki.tx"] = "open"
        registry["wiki.log"].append("begin")
        try:
            return handler(request)
        finally:
            request.environ["wiki.tx"] = "closed"
            registry["wiki.log"].append("commit")

    return tm_tween


def login_required_tween_factory(handler: t.Callable[[t.Any], t.Any], registry: t.Any) -> t.Any:
    """Send anonymous visitors to the login page, for every path."""

    def login_required_tween(request: t.Any) -> t.Any:
        # The party's invitation is a request through the tweens too: a wall
        # that stopped it would keep the app out of the party.
        if "wiki_user" not in request.cookies and request.path_info != "/__invite__/":
            return HTTPFound("/wiki/login")
        return handler(request)

    return login_required_tween


class BrokenNav(Exception):
    pass


def nav_renderer(info: t.Any) -> t.Callable[[t.Any, dict[str, t.Any]], str]:
    def render(value: dict[str, t.Any], system: dict[str, t.Any]) -> str:
        request = system["request"]
        user = request.user
        if user is not None and user["id"] == "broken":
            raise BrokenNav("the nav template failed")
        name = user["name"] if user is not None else "guest"
        theme = getattr(request, "theme", None)
        return f"<nav>{request.site_title}|{theme}|{name}|{request.environ['wiki.tx']}</nav>"

    return render


def make_wiki_owner(*tweens: str) -> t.Any:
    """A Pyramid app owning login and the nav, with a request factory, a
    reified request method, a ``NewRequest`` subscriber, a security policy
    whose identity needs the tm tween, and an exception view for everything."""
    settings = {"wsgi_party.name": "wiki", "wsgi_party.fragments": {"nav": "wiki.nav"}}
    with pyramid_config.Configurator(settings=settings) as config:
        config.registry["wiki.log"] = []
        config.include("wsgi_party.pyramid")
        config.set_request_factory(WikiRequest)
        config.set_security_policy(WikiSecurityPolicy())
        config.add_request_method(WikiSession, "dbsession", reify=True)
        config.add_request_method(lambda request: request.identity, "user", reify=True)
        config.add_subscriber(lambda event: setattr(event.request, "theme", "dark"), NewRequest)
        config.add_renderer(".nav", nav_renderer)
        config.add_tween(f"{__name__}.tm_tween_factory")
        for tween in tweens:
            config.add_tween(f"{__name__}.{tween}", under=f"{__name__}.tm_tween_factory")
        config.add_exception_view(
            lambda exc, request: PyramidResponse("the wiki's error page", status=500),
            context=Exception,
        )
        return config.make_wsgi_app()


def shop_page() -> t.Any:
    """A Flask app whose page shows the owner's nav and who is logged in."""
    shop = flask.Flask("shop")
    shop.testing = True  # an exception reaches the test

    @shop.route("/")
    def page() -> str:
        from wsgi_party.flask import party_fragment, party_identity

        who = party_identity()
        return f"{party_fragment('nav')}|who={who.name if who is not None else 'nobody'}"

    FlaskParty(shop, name="shop")
    return shop


def wiki_site(make_party: MakeParty, *tweens: str) -> tuple[Client, t.Any]:
    wiki = make_wiki_owner(*tweens)
    party = make_party(DispatcherMiddleware(shop_page(), {"/wiki": wiki}))
    return Client(party), wiki.registry


def test_pyramid_answers_see_its_request_factory_methods_subscribers_and_tweens(
    make_party: MakeParty,
) -> None:
    client, _registry = wiki_site(make_party)
    assert client.get("/").text == "<nav>Wiki|dark|guest|open</nav>|who=nobody"
    client.set_cookie("wiki_user", "ada")
    assert client.get("/").text == "<nav>Wiki|dark|Ada|open</nav>|who=Ada"


def test_pyramid_answers_end_as_requests_do(make_party: MakeParty) -> None:
    client, registry = wiki_site(make_party)
    client.set_cookie("wiki_user", "ada")
    registry["wiki.log"].clear()  # the invitation was a request too
    client.get("/")
    # Two answers (the identity and the nav), each a request of its own: a
    # transaction around it and its finished callbacks after it.
    assert registry["wiki.log"] == ["begin", "commit", "session closed"] * 2


def test_pyramid_tween_redirect_does_not_take_over_the_askers_page(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    client, _registry = wiki_site(make_party, "login_required_tween_factory")
    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        for _ in range(2):
            page = client.get("/")
            assert page.status_code == 200
            # As the tweens before it left the request, inside them (the
            # transaction open), without NewRequest.
            assert page.text == "<nav>Wiki|None|guest|open</nav>|who=nobody"
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "wsgi_party" and "for another member's request" in r.getMessage()
    ]
    assert len(warnings) == 2, warnings  # once per service
    assert all("'wiki'" in w and f"{__name__}.login_required_tween_factory" in w for w in warnings)
    client.set_cookie("wiki_user", "ada")
    assert client.get("/").text == "<nav>Wiki|dark|Ada|open</nav>|who=Ada"


def test_pyramid_subscriber_redirect_does_not_take_over_the_askers_page(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    client, registry = wiki_site(make_party)

    def https_only(event: t.Any) -> None:
        if event.request.scheme != "https":
            raise HTTPFound(event.request.url.replace("http:", "https:", 1))

    registry.registerHandler(https_only, (NewRequest,))
    client.set_cookie("wiki_user", "ada")
    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        page = client.get("/")
    assert page.status_code == 200
    # Answered where the subscriber stood: after the subscribers before it
    # (the theme), inside the tm tween (the user's row is read).
    assert page.text == "<nav>Wiki|dark|Ada|open</nav>|who=Ada"
    assert any(
        "NewRequest subscriber (HTTPFound)" in r.getMessage() and "'wiki'" in r.getMessage()
        for r in caplog.records
    )


def test_pyramid_answer_error_reaches_the_asker_past_the_apps_exception_view(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    WIKI_USERS["broken"] = {"id": "broken", "name": "Broken"}
    try:
        client, registry = wiki_site(make_party)
        client.set_cookie("wiki_user", "broken")
        with caplog.at_level(logging.WARNING, logger="wsgi_party"), pytest.raises(BrokenNav):
            client.get("/")
        # Raised once, in the answer: not taken for a tween's own response.
        assert not [r for r in caplog.records if r.name == "wsgi_party"]
        assert registry["wiki.log"][-3:] == ["begin", "commit", "session closed"]
    finally:
        del WIKI_USERS["broken"]
