"""Owners: one named member answers ``identity`` and ``layout`` for the whole site.

The site: a Flask app ``accounts`` owns login (its session) and the chrome;
a Pyramid ``wiki`` has a security policy of its own, a Flask ``blog`` was
given ``identity=`` and fragments of its own, and the Django project
(``legacy``, tests/django_site) has Django's auth. With
``owners={"identity": "accounts", "layout": "accounts"}`` every one of them
sees the visitor ``accounts`` logged in, whatever the mounts are called.
"""

from __future__ import annotations

import logging
import textwrap
import typing as t

import flask
import pytest
from jinja2 import DictLoader
from pyramid.config import Configurator
from pyramid.response import Response
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from tests.pyramid_apps import CookieSecurityPolicy
from wsgi_party import (
    ConfigurationError,
    Identity,
    MemberUnavailable,
    PartylineException,
    PartyMember,
    WSGIParty,
    partyline,
)
from wsgi_party.cli import main
from wsgi_party.flask import FlaskParty, party_fragment, party_identity
from wsgi_party.pyramid import PyramidConfigurationError

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

MakeParty = t.Callable[..., WSGIParty]
OWNED = {"identity": "accounts", "layout": "accounts"}


# -- the apps ----------------------------------------------------------------------


def make_accounts(**config: t.Any) -> flask.Flask:
    """The Flask app that owns login (its session) and the header."""
    app = flask.Flask("accounts")
    app.secret_key = "accounts-secret"
    app.config.update(config)
    app.jinja_loader = DictLoader(
        {"header.html": "<header>accounts: {{ session.get('user', 'guest') }}</header>"}
    )

    def current_user() -> Identity | None:
        user = flask.session.get("user")
        return Identity(user, user.title()) if user else None

    FlaskParty(app, name="accounts", identity=current_user, fragments={"header": "header.html"})

    @app.route("/login/<user>")
    def login(user: str) -> str:
        flask.session["user"] = user
        return "logged in"

    @app.route("/whoami")
    def whoami() -> dict[str, t.Any]:
        return {
            "party": _name(party_identity()),
            "asked": _name(partyline.ask_first("identity", None)),
        }

    return app


def make_blog() -> flask.Flask:
    """A Flask app given an ``identity=`` and a header of its own."""
    app = flask.Flask("blog")
    app.jinja_loader = DictLoader({"header.html": "<header>the blog's own</header>"})
    FlaskParty(
        app,
        name="blog",
        identity=lambda: Identity("robot", "Blog robot"),
        fragments={"header": "header.html"},
    )

    @app.route("/whoami")
    def whoami() -> dict[str, t.Any]:
        return {"party": _name(party_identity()), "header": str(party_fragment("header"))}

    return app


def make_wiki(**settings: t.Any) -> t.Any:
    """A Pyramid app with its own security policy: nobody is logged in to it."""
    config = Configurator(settings={"wsgi_party.name": "wiki", **settings})
    config.include("wsgi_party.pyramid")
    config.set_security_policy(CookieSecurityPolicy("wiki-secret"))
    config.add_route("whoami", "/whoami")

    def whoami(request: t.Any) -> t.Any:
        body = {
            "party": _name(request.party_identity),
            "own": request.authenticated_userid,  # the app's own API, untouched
            "header": str(request.party_fragment("header")),
        }
        return Response(json_body=body)

    config.add_view(whoami, route_name="whoami")
    return config.make_wsgi_app()


def rival(name: str, who: str) -> PartyMember:
    """A member that answers ``identity`` (and ``login``) with a fixed user."""

    def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [_name(partyline.ask_first("identity", None)).encode()]

    return PartyMember(
        app,
        name=name,
        services={
            "identity": lambda payload: Identity(who, who),
            "login": lambda payload: f"/{name}/login",
        },
    )


def asker() -> PartyMember:
    """A member that answers nothing and asks for ``identity`` on every page."""

    def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [_name(partyline.ask_first("identity", None)).encode()]

    return PartyMember(app, name="status")


def _name(identity: Identity | None) -> str:
    return identity.name if identity is not None else "anonymous"


def site(
    make_party: MakeParty, mounts: dict[str, WSGIApplication] | None = None, **kwargs: t.Any
) -> tuple[WSGIParty, Client]:
    accounts = make_accounts()
    apps = {"/accounts": accounts, "/blog": make_blog(), "/wiki": make_wiki()}
    apps.update(mounts or {})
    root = PartyMember(lambda environ, start_response: [], name="root", services={})
    party = make_party(DispatcherMiddleware(root, apps), **kwargs)
    client = Client(party)
    client.get("/accounts/login/alice")
    return party, client


def get_json(client: Client, path: str) -> dict[str, t.Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return t.cast("dict[str, t.Any]", response.json)


# -- every member asks the owner ---------------------------------------------------


def test_a_pyramid_app_with_its_own_security_policy_sees_the_owners_user(
    make_party: MakeParty,
) -> None:
    _party, client = site(make_party, owners=OWNED)
    answer = get_json(client, "/wiki/whoami")
    assert answer["party"] == "Alice"
    assert answer["own"] is None  # request.authenticated_userid stays the wiki's own
    assert answer["header"] == "<header>accounts: alice</header>"


def test_without_an_owner_an_app_with_its_own_auth_answers_itself(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    # What owners fix: each app with its own login believes itself.
    _party, client = site(make_party)
    assert get_json(client, "/wiki/whoami")["party"] == "anonymous"
    assert get_json(client, "/blog/whoami")["party"] == "Blog robot"


def test_an_app_given_identity_and_fragments_asks_the_owner(make_party: MakeParty) -> None:
    _party, client = site(make_party, owners=OWNED)
    answer = get_json(client, "/blog/whoami")
    assert answer == {"party": "Alice", "header": "<header>accounts: alice</header>"}


def test_the_owner_answers_its_own_ask_first(make_party: MakeParty) -> None:
    _party, client = site(make_party, owners=OWNED)
    # ask_first from the owner's own request reaches the owner, not a rival.
    assert get_json(client, "/accounts/whoami") == {"party": "Alice", "asked": "Alice"}


def test_ask_first_of_an_owned_service_asks_the_owner_alone(make_party: MakeParty) -> None:
    first = rival("first", "First")
    party = make_party(
        DispatcherMiddleware(first, {"/b": rival("second", "Second")}),
        owners={"identity": "second"},
    )
    assert party.ask_first("identity", None).name == "Second"
    assert Client(party).get("/").text == "Second"  # asked through first's operator
    # The owner asking answers itself; ask_around still hears everybody.
    assert Client(party).get("/b/").text == "Second"
    assert [i.name for i in party.ask_around("identity", None)] == ["First", "Second"]


@pytest.mark.parametrize("owners", [None, {"identity": "accounts"}])
def test_renaming_a_mount_changes_the_answer_only_without_an_owner(
    make_party: MakeParty, owners: dict[str, str] | None
) -> None:
    answers = []
    for mount in ("/aaa", "/zzz"):  # before and after /accounts in join order
        party, client = site(
            make_party, {mount: rival("rival", "Rival"), "/status": asker()}, owners=owners
        )
        answers.append(
            (
                client.get("/status/").text,
                get_json(client, "/wiki/whoami")["party"],
                client.get(f"{mount}/").text,
            )
        )
        party.close()
    if owners is None:
        # Join order decided who the site thinks is logged in.
        assert [status for status, _wiki, _rival in answers] == ["Rival", "Alice"]
    else:
        assert answers == [("Alice", "Alice", "Alice")] * 2


def test_django_with_its_own_auth_sees_the_owners_user(make_party: MakeParty) -> None:
    from django.core.wsgi import get_wsgi_application

    from tests.django_site import setup_django

    setup_django()
    _party, client = site(
        make_party, {"/legacy": get_wsgi_application()}, owners={"identity": "accounts"}
    )
    assert get_json(client, "/legacy/whoami/") == {
        "identity": {"id": "alice", "name": "Alice", "roles": []}
    }


def test_django_answers_itself_without_an_owner(make_party: MakeParty) -> None:
    from django.core.wsgi import get_wsgi_application

    from tests.django_site import setup_django

    setup_django()
    _party, client = site(make_party, {"/legacy": get_wsgi_application()})
    assert get_json(client, "/legacy/whoami/") == {"identity": None}


# -- login follows identity --------------------------------------------------------


def test_login_follows_the_identity_owner_unless_named(make_party: MakeParty) -> None:
    apps = DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B"), "/c": rival("c", "C")})
    with WSGIParty(apps, owners={"identity": "b"}) as party:
        assert dict(party.owners) == {"identity": "b", "login": "b"}
        assert party.ask_first("login", None) == "/b/login"
    with WSGIParty(apps, owners={"identity": "b", "login": "c"}) as party:
        assert party.ask_first("login", None) == "/c/login"
        assert party.ask_first("identity", None).name == "B"


# -- wrong owners ------------------------------------------------------------------


def test_an_owner_that_is_not_a_member_fails_at_bootstrap_naming_the_members(
    make_party: MakeParty,
) -> None:
    apps = DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B")})
    with pytest.raises(ConfigurationError) as caught:
        WSGIParty(apps, owners={"identity": "acounts"})
    message = str(caught.value)
    assert "'acounts'" in message and "'identity'" in message
    assert "members: 'a', 'b'" in message
    assert isinstance(caught.value, PartylineException)
    # The bootstrap was undone: the same apps join the next party.
    assert [m.name for m in make_party(apps).members] == ["a", "b"]


def test_a_lazy_party_refuses_an_unknown_owner_on_every_request(make_party: MakeParty) -> None:
    apps = DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B")})
    party = make_party(apps, lazy=True, owners={"layout": "nobody"})
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="'nobody'"):
            Client(party).get("/")


def test_an_owner_that_does_not_offer_the_service_fails_at_bootstrap() -> None:
    apps = DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B")})
    with pytest.raises(ConfigurationError) as caught:
        WSGIParty(apps, owners={"layout": "b"})
    assert "member 'b' does not offer 'layout'" in str(caught.value)
    assert "'identity'" in str(caught.value)  # what it does offer


@pytest.mark.parametrize(
    ("owners", "wrong"),
    [
        ({"identity": ""}, "''"),
        ({"": "a"}, "''"),
        (["identity"], "list"),
        ({"identity": "a:b"}, "a:b"),
    ],
)
def test_owners_of_the_wrong_shape_fail_in_the_constructor(owners: t.Any, wrong: str) -> None:
    with pytest.raises(ConfigurationError, match=wrong):
        WSGIParty(DispatcherMiddleware(rival("a", "A")), owners=owners, lazy=True)


def test_an_owner_whose_invitation_failed_is_unavailable_not_unknown(
    make_party: MakeParty,
) -> None:
    def broken(environ: t.Any, start_response: t.Any) -> list[bytes]:
        raise OSError("database down")

    party = make_party(
        DispatcherMiddleware(rival("a", "A"), {"/accounts": broken}),
        lazy=True,
        owners={"identity": "accounts"},
    )
    with pytest.raises(MemberUnavailable, match="database down"):
        party.ask_first("identity", None)


# -- no owner named: a warning, and check fails ------------------------------------


def test_several_answerers_and_no_owner_log_one_warning_naming_them(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    party = make_party(DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B")}))
    warnings = [r for r in caplog.records if r.name == "wsgi_party"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    message = warnings[0].getMessage()
    assert "'identity'" in message and "'a', 'b'" in message and "owners=" in message
    assert party.unowned_services() == {"identity": ("a", "b")}


@pytest.mark.parametrize("owners", [None, {"identity": "b"}])
def test_one_answerer_or_a_named_owner_logs_nothing(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture, owners: dict[str, str] | None
) -> None:
    caplog.set_level(logging.WARNING, logger="wsgi_party")
    plain = PartyMember(lambda environ, start_response: [], name="a", services={"x": str})
    answerers = {"/b": rival("b", "B")}
    if owners:
        answerers["/c"] = rival("c", "C")
    party = make_party(DispatcherMiddleware(plain, answerers), owners=owners)
    assert [r for r in caplog.records if r.name == "wsgi_party"] == []
    assert party.unowned_services() == {}


CHECK_TARGET = """
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from tests.test_owners import rival
from wsgi_party import WSGIParty

def apps():
    return DispatcherMiddleware(rival("a", "A"), {"/b": rival("b", "B")})

unowned = WSGIParty(apps(), lazy=True)
owned = WSGIParty(apps(), lazy=True, owners={"identity": "b"})
"""


def test_check_prints_the_unowned_service_and_exits_1(
    tmp_path: t.Any, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "owners_site.py"
    target.write_text(textwrap.dedent(CHECK_TARGET))
    assert main(["check", f"{target}:unowned"]) == 1
    out, err = capsys.readouterr()
    warning = next(line for line in out.splitlines() if line.startswith("WARNING"))
    assert "'identity'" in warning and "a, b" in warning and "owners=" in warning
    assert "FAILED" in out and "no owner named for 'identity'" in out
    assert "no owner is named" not in err  # printed once, by check itself
    assert main(["check", f"{target}:owned"]) == 0
    out, _err = capsys.readouterr()
    assert "identity  b" in out and "login     b" in out
    assert out.rstrip().endswith("OK")


# -- owners from the apps' own settings --------------------------------------------


def test_a_pyramid_setting_names_the_owner_for_the_party(make_party: MakeParty) -> None:
    wiki = make_wiki(**{"wsgi_party.owners": "identity = accounts\nlayout = accounts"})
    party, client = site(make_party, {"/wiki": wiki})
    assert dict(party.owners) == {"identity": "accounts", "layout": "accounts", "login": "accounts"}
    assert get_json(client, "/blog/whoami")["party"] == "Alice"


def test_a_flask_config_and_the_party_that_disagree_fail_at_bootstrap() -> None:
    accounts = make_accounts(WSGI_PARTY_OWNERS={"identity": "accounts"})
    apps = DispatcherMiddleware(accounts, {"/b": rival("b", "B")})
    with pytest.raises(ConfigurationError) as caught:
        WSGIParty(apps, owners={"identity": "b"})
    message = str(caught.value)
    assert "config WSGI_PARTY_OWNERS of member 'accounts'" in message
    assert "WSGIParty(owners=...) names 'b'" in message


def test_two_members_settings_that_disagree_fail_at_bootstrap() -> None:
    accounts = make_accounts(WSGI_PARTY_OWNERS={"identity": "accounts"})
    wiki = make_wiki(**{"wsgi_party.owners": {"identity": "wiki"}})
    with pytest.raises(ConfigurationError) as caught:
        WSGIParty(DispatcherMiddleware(accounts, {"/wiki": wiki}))
    assert "setting wsgi_party.owners of member 'wiki'" in str(caught.value)
    assert "'accounts'" in str(caught.value)


def test_a_django_setting_names_the_owner_for_the_party(make_party: MakeParty) -> None:
    from django.core.wsgi import get_wsgi_application
    from django.test import override_settings

    from tests.django_site import setup_django

    setup_django()
    with override_settings(WSGI_PARTY_OWNERS={"identity": "accounts"}):
        party, client = site(make_party, {"/legacy": get_wsgi_application()})
        assert party.owners["identity"] == "accounts"
        assert get_json(client, "/legacy/whoami/")["identity"]["name"] == "Alice"


@pytest.mark.parametrize("value", ["identity accounts", {"identity": 3}, 7])
def test_a_bad_pyramid_owners_setting_fails_at_include(value: t.Any) -> None:
    with pytest.raises(PyramidConfigurationError, match=r"wsgi_party\.owners"):
        make_wiki(**{"wsgi_party.owners": value})


def test_a_bad_django_owners_setting_is_a_system_check_error() -> None:
    from django.test import override_settings

    from tests.django_site import setup_django
    from wsgi_party.django.apps import check_settings

    setup_django()
    with override_settings(WSGI_PARTY_OWNERS={"identity": ""}):
        errors = check_settings()
    assert [e.obj for e in errors] == ["WSGI_PARTY_OWNERS"]


def test_a_stand_in_named_owner_answers_an_app_with_its_own_policy_in_its_tests() -> None:
    from wsgi_party.testing import StandIn, party_for

    accounts = StandIn(
        "accounts", identity=Identity("7", "Ann"), fragments={"header": ""}, mount="/accounts"
    )
    with party_for(make_wiki(), "/wiki", accounts, owners={"identity": "accounts"}) as party:
        assert get_json(Client(party), "/wiki/whoami")["party"] == "Ann"
    with party_for(make_wiki(), "/wiki", accounts) as party:  # its own policy answers
        assert get_json(Client(party), "/wiki/whoami")["party"] == "anonymous"


def test_an_owner_named_by_a_setting_must_be_in_the_test_party_too() -> None:
    from wsgi_party.testing import party_for

    wiki = make_wiki(**{"wsgi_party.owners": {"identity": "accounts"}})
    with pytest.raises(ConfigurationError) as caught:
        party_for(wiki, "/wiki")
    message = str(caught.value)
    assert "setting wsgi_party.owners of member 'wiki' names 'accounts'" in message
    assert "members: 'wiki'" in message
