"""An app alone (its own server, its own tests, no party) behaves the same in
every framework: ``party_identity`` is ``None`` with a warning logged once,
other members' fragments are a configurable fallback (``""`` by default),
and a link to another member is a :class:`~wsgi_party.UrlBuildError` saying
the app is not in a party. What the app answers itself still works.
"""

from __future__ import annotations

import logging
import typing as t

import flask
import pytest
from jinja2 import DictLoader
from pyramid.config import Configurator
from pyramid.response import Response
from werkzeug.routing import BuildError
from werkzeug.test import Client

from tests.pyramid_apps import CookieSecurityPolicy
from wsgi_party import Identity, UrlBuildError
from wsgi_party.flask import FlaskParty, PartyBuildError, party_fragment, party_identity, party_url

ALONE = "is not in a party"
HTML = "<header>alone</header>"


def alone_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "wsgi_party" and r.levelno == logging.WARNING
    ]


# -- Flask -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["flask-login", "decorator"])
def test_a_flask_page_that_requires_login_answers_401_alone(
    how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Alone there is no owner's login page to send a guest to: 401, as
    Flask-Login answers without a login view, saying why (not a 500)."""
    from flask_login import LoginManager, login_required

    from wsgi_party.flask import party_login_required, use_party_login

    app = flask.Flask("alone")
    FlaskParty(app, name="alone")
    if how == "flask-login":
        use_party_login(LoginManager(app))
        required = login_required
    else:
        required = party_login_required

    @app.route("/drafts")
    @required
    def drafts() -> str:
        return "drafts"

    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        response = Client(app).get("/drafts")
    assert response.status_code == 401
    assert ALONE in response.get_data(as_text=True)


def make_flask(**extension: t.Any) -> flask.Flask:
    app = flask.Flask("alone")
    app.jinja_loader = DictLoader({"own.html": "<nav>own</nav>"})
    FlaskParty(app, name="alone", **extension)

    @app.route("/")
    def index() -> dict[str, t.Any]:
        who = party_identity()
        return {
            "who": who.name if who is not None else None,
            "header": str(party_fragment("header")),
            "own": party_url("index"),
        }

    @app.route("/link")
    def link() -> str:
        return party_url("blog:post", id=3)

    return app


def test_flask_alone_identity_is_none_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    client = make_flask().test_client()
    for _ in range(3):
        assert client.get("/").json == {"who": None, "header": "", "own": "/"}
    (warning,) = alone_warnings(caplog)
    assert "Flask app 'alone'" in warning and ALONE in warning


def test_flask_alone_again_after_its_party_closed_warns_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from wsgi_party import WSGIParty

    caplog.set_level(logging.WARNING, logger="wsgi_party")
    app = make_flask()
    client = app.test_client()
    client.get("/")
    with WSGIParty(app):
        pass
    client.get("/")
    client.get("/")
    assert len(alone_warnings(caplog)) == 2


def test_flask_alone_answers_what_it_was_given_itself(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    app = make_flask(identity=lambda: Identity("7", "Seven"), fragments={"header": "own.html"})
    answer = app.test_client().get("/").json
    assert answer == {"who": "Seven", "header": "<nav>own</nav>", "own": "/"}
    assert alone_warnings(caplog) == []


@pytest.mark.parametrize(
    ("fallback", "header"),
    [(HTML, HTML), ({"footer": "f"}, ""), ({"header": "h"}, "h")],
)
def test_flask_alone_fragments_come_from_the_fallback_config(fallback: t.Any, header: str) -> None:
    app = make_flask()
    app.config["WSGI_PARTY_FRAGMENT_FALLBACK"] = fallback
    assert app.test_client().get("/").json["header"] == header


def test_flask_alone_link_to_another_member_says_the_app_is_not_in_a_party() -> None:
    app = make_flask()
    with app.test_request_context("/"), pytest.raises(PartyBuildError) as caught:
        party_url("blog:post", id=3)
    error = caught.value
    assert isinstance(error, BuildError) and isinstance(error, UrlBuildError)
    assert "'blog:post'" in str(error) and ALONE in str(error)
    assert isinstance(error.__cause__, BuildError)  # Flask's own reason, chained
    assert error.values == {"id": 3}


def test_flask_alone_url_build_error_handlers_still_answer() -> None:
    app = make_flask()
    app.url_build_error_handlers.append(lambda error, endpoint, values: f"/elsewhere/{endpoint}")
    assert app.test_client().get("/link").text == "/elsewhere/blog:post"


# -- Pyramid -----------------------------------------------------------------------


def make_pyramid(*, security: bool = False, **settings: t.Any) -> Client:
    config = Configurator(settings={"wsgi_party.name": "wiki", **settings})
    config.include("wsgi_party.pyramid")
    if security:
        config.set_security_policy(CookieSecurityPolicy("alone-secret"))
    config.add_route("home", "/")
    config.add_route("link", "/link")

    def home(request: t.Any) -> t.Any:
        who = request.party_identity
        return Response(
            json_body={
                "who": who.name if who is not None else None,
                "header": str(request.party_fragment("header")),
                "own": request.party_url("home"),
            }
        )

    def link(request: t.Any) -> t.Any:
        return Response(request.party_url("blog:post", id=3))

    config.add_view(home, route_name="home")
    config.add_view(link, route_name="link")
    return Client(config.make_wsgi_app())


def test_pyramid_alone_identity_is_none_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    app = make_pyramid()
    for _ in range(3):
        assert app.get("/").json == {"who": None, "header": "", "own": "/"}
    (warning,) = alone_warnings(caplog)
    assert "Pyramid app" in warning and "'wiki'" in warning and ALONE in warning


def test_pyramid_alone_with_a_security_policy_answers_itself(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    assert make_pyramid(security=True).get("/").json["who"] is None  # its own: anonymous
    assert alone_warnings(caplog) == []


@pytest.mark.parametrize(("fallback", "header"), [(HTML, HTML), ({"header": "h"}, "h")])
def test_pyramid_alone_fragments_come_from_the_fallback_setting(
    fallback: t.Any, header: str
) -> None:
    app = make_pyramid(**{"wsgi_party.fragment_fallback": fallback})
    assert app.get("/").json["header"] == header


def test_pyramid_alone_link_to_another_member_says_the_app_is_not_in_a_party() -> None:
    with pytest.raises(UrlBuildError, match=r"Pyramid app .* is not in a party") as caught:
        make_pyramid().get("/link")
    assert "wsgi_party.testing's stand-ins" in str(caught.value)  # as every framework says


# -- Django ------------------------------------------------------------------------


@pytest.fixture
def django_client() -> t.Any:
    from django.test import Client

    from tests.django_site import setup_django

    setup_django()
    return Client()


def test_django_alone_identity_is_none_with_one_warning(
    django_client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.test import override_settings

    from wsgi_party.django.apps import party_config

    caplog.set_level(logging.WARNING, logger="wsgi_party")
    party_config().membership._warned_alone = False  # once per process: this test's
    with override_settings(WSGI_PARTY_IDENTITY=False):
        for _ in range(3):
            assert django_client.get("/whoami/").json() == {"identity": None}
    (warning,) = alone_warnings(caplog)
    assert "Django project" in warning and ALONE in warning


def test_django_alone_with_its_own_auth_answers_itself(
    django_client: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    assert django_client.get("/whoami/").json() == {"identity": None}  # anonymous, its own
    assert alone_warnings(caplog) == []


@pytest.mark.parametrize(("fallback", "sidebar"), [(None, ""), (HTML, HTML)])
def test_django_alone_fragments_come_from_the_fallback_setting(
    django_client: t.Any, fallback: str | None, sidebar: str
) -> None:
    from django.test import override_settings

    with override_settings(WSGI_PARTY_FRAGMENT_FALLBACK=fallback):
        html = django_client.get("/page/").content.decode()
    assert f'<div id="sidebar">{sidebar}{sidebar}</div>' in html
    assert "<header>Hello anonymous" in html  # its own fragment, rendered here


def test_django_alone_link_to_another_member_says_the_app_is_not_in_a_party(
    django_client: t.Any,
) -> None:
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch, match="Django project is not in a party") as caught:
        django_client.get("/link/", {"endpoint": "blog:post"})
    assert isinstance(caught.value, UrlBuildError)
    assert "wsgi_party.testing's stand-ins" in str(caught.value)  # as every framework says


def test_pyramid_alone_a_guest_refused_a_permission_gets_401_saying_why() -> None:
    from pyramid.authorization import Allow, Authenticated

    from wsgi_party.pyramid import PartySecurityPolicy, party_forbidden_view

    class Root:
        __acl__: t.ClassVar = [(Allow, Authenticated, "edit")]

        def __init__(self, request: t.Any) -> None:
            pass

    config = Configurator(settings={"wsgi_party.name": "wiki"}, root_factory=Root)
    config.include("wsgi_party.pyramid")
    config.set_security_policy(PartySecurityPolicy())
    config.add_forbidden_view(party_forbidden_view)
    config.add_route("edit", "/edit")
    config.add_view(lambda request: Response("edit"), route_name="edit", permission="edit")
    response = Client(config.make_wsgi_app()).get("/edit")
    assert response.status_code == 401
    assert ALONE in response.get_data(as_text=True)


def test_django_alone_party_login_answers_401_saying_why(django_client: t.Any) -> None:
    from django.test import RequestFactory

    from wsgi_party.django.auth import party_login

    response = party_login(RequestFactory().get("/login/", {"next": "/drafts/"}))
    assert response.status_code == 401
    assert ALONE in response.content.decode()
