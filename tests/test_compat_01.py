"""Code written for wsgi_party 0.1 keeps working."""

from __future__ import annotations

import typing as t

import pytest

from wsgi_party import (
    HighAndDry,
    NoSuchServiceName,
    PartylineException,
    PartylineOperator,
    WSGIParty,
)


class RecordingApp:
    """A WSGI app that remembers every environ it was called with."""

    def __init__(self) -> None:
        self.environs: list[dict[str, t.Any]] = []

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        self.environs.append(environ)
        start_response("200 OK", [])
        return []


class FakePartyline:
    """Stands in for a party: what an operator forwards to it."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, t.Any]] = []
        self.asked: list[tuple[t.Any, str, t.Any]] = []

    def connect(self, service_name: str, handler: t.Any) -> str:
        self.connected.append((service_name, handler))
        return "connected"

    def ask_around(self, service_name: str, payload: t.Any, operator: t.Any = None) -> list[str]:
        self.asked.append((operator, service_name, payload))
        return ["answer"]


def test_exceptions_keep_their_0_1_hierarchy() -> None:
    assert issubclass(HighAndDry, PartylineException)
    assert issubclass(NoSuchServiceName, PartylineException)
    assert issubclass(PartylineException, Exception)


def test_class_attributes_of_0_1() -> None:
    assert WSGIParty.partyline_key == "partyline"
    assert WSGIParty.operator_class is PartylineOperator


def test_operator_forwards_connect_and_remembers_the_handler() -> None:
    partyline = FakePartyline()
    operator = PartylineOperator(partyline)  # type: ignore[arg-type]
    result = operator.connect("svc", "the-handler")
    assert partyline.connected == [("svc", "the-handler")]
    assert operator.handlers == {"the-handler"}
    assert result == "connected"


def test_operator_asks_as_itself() -> None:
    partyline = FakePartyline()
    operator = PartylineOperator(partyline)  # type: ignore[arg-type]
    assert operator.ask_around("svc", 42) == ["answer"]
    assert partyline.asked == [(operator, "svc", 42)]


def test_positional_constructor_sends_every_invite() -> None:
    app = RecordingApp()
    party = WSGIParty(app, ("/__invite__", "/another/__invite__"), False)
    assert [e["PATH_INFO"] for e in app.environs] == ["/__invite__", "/another/__invite__"]
    assert all(type(e[party.partyline_key]) is party.operator_class for e in app.environs)
    assert len({id(e["partyline"]) for e in app.environs}) == 2, "one operator per invite"
    party.close()


def test_requests_pass_through_with_the_same_environ() -> None:
    app = RecordingApp()
    with WSGIParty(app, ()) as party:
        environ: dict[str, t.Any] = {}
        calls = []
        party(environ, lambda status, headers: calls.append(status))
        assert app.environs == [environ]
        assert calls == ["200 OK"]


def test_send_invitations_is_public_and_can_be_called_again() -> None:
    app = RecordingApp()
    with WSGIParty(app, ()) as party:
        assert app.environs == []
        party.send_invitations(("/__invite__", "/another/__invite__"))
        assert [e["PATH_INFO"] for e in app.environs] == ["/__invite__", "/another/__invite__"]


def test_handlers_is_a_dict_of_lists_in_connect_order() -> None:
    with WSGIParty(RecordingApp(), ()) as party:
        party.handlers["svc"] = ["first"]  # type: ignore[list-item]
        party.connect("svc", "second")  # type: ignore[arg-type]
        assert party.handlers["svc"] == ["first", "second"]


def test_ask_around_collects_answers_and_skips_high_and_dry() -> None:
    seen = []

    def answers(payload: str) -> str:
        seen.append(payload)
        return payload.upper()

    def skips(payload: str) -> str:
        seen.append(payload)
        raise HighAndDry()

    with WSGIParty(RecordingApp(), ()) as party:
        party.connect("svc", answers)
        party.connect("svc", skips)
        party.connect("svc", answers)
        assert party.ask_around("svc", "x") == ["X", "X"]
        assert seen == ["x", "x", "x"]


def test_handlers_of_the_asking_operator_are_skipped() -> None:
    class Asker:
        def __init__(self, handlers: t.Any) -> None:
            self.handlers = handlers

    def mine(payload: t.Any) -> str:
        return "mine"

    def theirs(payload: t.Any) -> str:
        return "theirs"

    with WSGIParty(RecordingApp(), ()) as party:
        party.handlers["svc"] = [mine, theirs]
        assert party.ask_around("svc", None, operator=Asker((mine,))) == ["theirs"]  # type: ignore[arg-type]
        assert party.ask_around("svc", None, operator=Asker(())) == ["mine", "theirs"]  # type: ignore[arg-type]
        assert party.ask_around("svc", None) == ["mine", "theirs"]


def test_unknown_service_raises_unless_ignored() -> None:
    with WSGIParty(RecordingApp(), ()) as party, pytest.raises(NoSuchServiceName, match="'nope'"):
        party.ask_around("nope", None)
    with WSGIParty(RecordingApp(), (), True) as lenient:
        assert lenient.ask_around("nope", None) == []


def test_an_app_joins_by_connecting_through_the_invitation_operator() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if operator is not None:
            operator.connect("ping", lambda payload: "pong")
        start_response("200 OK", [])
        return []

    with WSGIParty(app, ("/__invite__/",)) as party:
        assert party.ask_around("ping", None) == ["pong"]
        (member,) = party.members
        operator = member.operator
        assert operator.ask_around("ping", None) == [], "an app never answers itself"


def test_a_0_1_style_flask_app_joins_and_answers_url_requests() -> None:
    """The shape of the 0.1 Flask example: its own invite view and url handler."""
    import flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.routing import BuildError
    from werkzeug.test import Client

    def make(name: str) -> flask.Flask:
        app = flask.Flask(name)

        @app.route("/")
        def index() -> str:
            return app.config["partyline"].ask_around("url", ("index", {}))[0]

        @app.route(WSGIParty.invite_path)
        def join() -> str:
            operator = flask.request.environ.get(WSGIParty.partyline_key)
            if operator is None or "partyline" in app.config:
                flask.abort(404)

            def handle_url(payload: t.Any) -> str:
                endpoint, values = payload
                with app.test_request_context():
                    try:
                        return flask.url_for(endpoint, **values)
                    except BuildError:
                        raise HighAndDry() from None

            operator.connect("ping", lambda payload: "pong")
            operator.connect("url", handle_url)
            app.config["partyline"] = operator
            return "ok"

        return app

    one, two = make("one"), make("two")
    invites = ("/__invite__/", "/two/__invite__/")
    with WSGIParty(DispatcherMiddleware(one, {"/two": two}), invites) as party:
        assert [m.name for m in party.members] == ["root", "two"]
        assert party.url_for("two:index") == "/"  # 0.1 handlers build from their own root
        assert party.ask_around("ping", None) == ["pong", "pong"]
        client = Client(party)
        assert client.get("/two/__invite__/").status_code == 404, "never reachable over HTTP"
        assert client.get("/").get_data(as_text=True) == "/", "the root asked two for its index"
