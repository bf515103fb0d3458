"""A lazy party with one broken member: the others join and the site serves.

In a lazy party an app whose invitation raises (or answers with a server
error) is left out, recorded in ``party.declined`` with its error and logged
once; asking it by name raises :class:`~wsgi_party.MemberUnavailable`. The
party never retries by itself: :meth:`~wsgi_party.WSGIParty.reinvite` (or a
new process) does. An eager party still raises at construction.
"""

from __future__ import annotations

import logging
import traceback
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Rule
from werkzeug.test import Client

from tests.apps import werkzeug_member
from wsgi_party import (
    InvitationError,
    MemberUnavailable,
    NoSuchMember,
    NoSuchServiceName,
    PartylineException,
    PartylineOperator,
    WSGIParty,
)

REPORTS_INVITE = "/reports/__invite__/"


class Counted:
    """Wraps a WSGI app and counts the invitations it receives."""

    def __init__(self, app: t.Any) -> None:
        self.app = app
        self.invitations = 0

    def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
        if isinstance(environ.get("partyline"), PartylineOperator):
            self.invitations += 1
        return self.app(environ, start_response)


class RaisingReports:
    """An app whose invite route raises (its database is down); it serves otherwise."""

    def __init__(self) -> None:
        self.error = RuntimeError("database down")
        self.requests = 0

    def __call__(self, environ: t.Any, start_response: t.Any) -> list[bytes]:
        if isinstance(environ.get("partyline"), PartylineOperator):
            raise self.error
        self.requests += 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"reports home"]


def reports_needing_a_database() -> tuple[t.Any, dict[str, bool]]:
    """A member whose every request, the invitation too, needs its database.

    While ``database["up"]`` is false each request raises, and the error page
    middleware around it answers 500 (so the invitation answers 500 too).
    Its page links to the shop through the party.
    """
    database = {"up": False}
    rules = [Rule("/", endpoint="index"), Rule("/about", endpoint="about")]
    member = werkzeug_member(
        "Reports", rules, name="reports", links={"index": ("root:post", {"id": 7})}
    )

    def needs_database(environ: t.Any, start_response: t.Any) -> t.Any:
        if not database["up"]:
            raise ConnectionError("database down")
        return member(environ, start_response)

    def error_page(environ: t.Any, start_response: t.Any) -> t.Any:
        try:
            return needs_database(environ, start_response)
        except Exception as exc:  # noqa: BLE001 - an error page catches everything
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [f"error: {type(exc).__name__}".encode()]

    return error_page, database


def site(reports: t.Any) -> tuple[DispatcherMiddleware, Counted, Counted, Counted]:
    """The shop at the root (linking to a blog post), the blog, and ``reports``."""
    shop = Counted(werkzeug_member("Shop", links={"index": ("blog:post", {"id": 3})}))
    blog = Counted(werkzeug_member("Blog"))
    counted_reports = Counted(reports)
    dispatcher = DispatcherMiddleware(shop, {"/blog": blog, "/reports": counted_reports})
    return dispatcher, shop, blog, counted_reports


@pytest.fixture
def raising() -> t.Iterator[tuple[WSGIParty, RaisingReports, Counted, Counted, Counted]]:
    reports = RaisingReports()
    dispatcher, shop, blog, counted_reports = site(reports)
    with WSGIParty(dispatcher, lazy=True) as party:
        yield party, reports, shop, blog, counted_reports


def test_a_lazy_party_leaves_out_a_member_whose_invite_raises_and_serves(raising) -> None:
    party, reports, *_ = raising
    client = Client(party)
    home = client.get("/")
    assert home.status_code == 200
    assert home.text == "Shop:index:[]\n/blog/post/3"
    assert client.get("/blog/post/3").status_code == 200
    assert [m.name for m in party.members] == ["root", "blog"]
    (declined,) = party.declined
    assert declined.path == REPORTS_INVITE
    assert declined.error is reports.error
    assert declined.reason == "member 'reports' failed to join: raised RuntimeError: database down"
    # It keeps where it was raised (for a report), not the frames' locals.
    assert "raise self.error" in "".join(traceback.format_exception(declined.error))
    frames = [frame for frame, _line in traceback.walk_tb(declined.error.__traceback__)]
    assert [frame.f_locals for frame in frames[1:]] == [{}] * (len(frames) - 1)


def test_a_failed_invite_is_logged_once_at_error_with_its_traceback(raising, caplog) -> None:
    party, reports, *_ = raising
    caplog.set_level(logging.WARNING, logger="wsgi_party.invitations")
    client = Client(party)
    for _ in range(3):
        assert client.get("/").status_code == 200
    party.url_for("blog:post", id=1)
    (record,) = [r for r in caplog.records if r.name == "wsgi_party.invitations"]
    assert record.levelno == logging.ERROR
    assert REPORTS_INVITE in record.getMessage()
    assert "member 'reports' is left out" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[1] is reports.error
    assert "Traceback" in caplog.text


def test_requests_never_resend_the_invitations(raising) -> None:
    party, _reports, shop, blog, counted_reports = raising
    client = Client(party)
    for path in ["/", "/blog/", "/reports/", "/", "/blog/post/1"]:
        client.get(path)
    party.members  # noqa: B018 - an ask after bootstrap sends nothing either
    assert (shop.invitations, blog.invitations, counted_reports.invitations) == (1, 1, 1)


def test_the_failed_app_still_gets_its_own_requests(raising) -> None:
    party, reports, *_ = raising
    response = Client(party).get("/reports/")
    assert (response.status_code, response.text) == (200, "reports home")
    assert reports.requests == 1


ASKS: dict[str, t.Callable[[WSGIParty], object]] = {
    "targeted ask": lambda party: party.ask("reports", "ping", None),
    "url_for": lambda party: party.url_for("reports:index"),
    "member": lambda party: party.member("reports"),
    "operator url_for": lambda party: party.member("root").operator.url_for("reports:x"),
}


@pytest.mark.parametrize("ask", ASKS.values(), ids=ASKS.keys())
def test_asking_a_member_whose_invite_raised_names_the_invite_and_its_error(raising, ask) -> None:
    party, reports, *_ = raising
    with pytest.raises(MemberUnavailable) as caught:
        ask(party)
    error = caught.value
    assert isinstance(error, NoSuchMember)
    assert isinstance(error, PartylineException)
    assert (error.member, error.invite_path) == ("reports", REPORTS_INVITE)
    message = str(error)
    assert "member 'reports' is not in the party" in message
    assert REPORTS_INVITE in message
    assert "RuntimeError: database down" in message
    assert error.__cause__ is reports.error


def test_asking_for_a_service_only_the_failed_member_offers_names_it() -> None:
    def reporting(environ: t.Any, start_response: t.Any) -> list[bytes]:
        raise OSError("disk full")

    dispatcher = DispatcherMiddleware(werkzeug_member("Shop"), {"/reports": reporting})
    with WSGIParty(dispatcher, lazy=True) as party, pytest.raises(NoSuchServiceName) as caught:
        party.ask_around("report", None)
    assert "member 'reports' is not in the party, its invitation failed" in str(caught.value)


def test_a_lazy_party_leaves_out_a_member_whose_invite_answers_500(caplog) -> None:
    reports, _database = reports_needing_a_database()
    dispatcher, *_ = site(reports)
    with WSGIParty(dispatcher, lazy=True) as party:
        assert Client(party).get("/").text == "Shop:index:[]\n/blog/post/3"
        (declined,) = party.declined
        assert declined.path == REPORTS_INVITE
        assert isinstance(declined.error, InvitationError)
        assert "'500 Internal Server Error'" in str(declined.error)
        with pytest.raises(
            MemberUnavailable, match="answered '500 Internal Server Error'"
        ) as caught:
            party.url_for("reports:index")
        assert caught.value.__cause__ is None  # no exception reached the party
    (record,) = [r for r in caplog.records if r.name == "wsgi_party.invitations"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is None  # the app's error page had the traceback


def test_reinvite_admits_a_member_once_its_invite_works() -> None:
    reports, database = reports_needing_a_database()
    dispatcher, *_, counted_reports = site(reports)
    with WSGIParty(dispatcher, lazy=True) as party:
        client = Client(party)
        assert client.get("/reports/about").text == "error: ConnectionError"  # its own too
        database["up"] = True
        # The app serves again, but nothing retries its invitation by itself.
        assert client.get("/reports/about").text == "Reports:about:[]"
        # Its pages serve; only its links through the party do not.
        assert client.get("/reports/").text == "error: NoPartylineContext"
        assert counted_reports.invitations == 1
        assert [d.path for d in party.declined] == [REPORTS_INVITE]

        (joined,) = party.reinvite()
        assert (joined.name, joined.script_name) == ("reports", "/reports")
        assert party.declined == ()
        assert party.url_for("reports:index") == "/reports/"
        assert client.get("/reports/").text == "Reports:index:[]\n/post/7"
        assert party.reinvite() == ()
        assert counted_reports.invitations == 2


def test_reinvite_that_fails_again_keeps_the_member_out_with_the_new_error(raising) -> None:
    party, reports, *_ = raising
    first = party.declined[0].error
    reports.error = RuntimeError("database still down")
    assert party.reinvite() == ()
    (declined,) = party.declined
    assert declined.error is not first
    assert declined.error is reports.error
    with pytest.raises(MemberUnavailable, match="database still down"):
        party.url_for("reports:index")


EAGER_FAILURES = {
    "raises": (RaisingReports, "raised RuntimeError: database down", RuntimeError),
    "answers 500": (
        lambda: reports_needing_a_database()[0],
        "answered '500 Internal Server Error'",
        type(None),
    ),
}


@pytest.mark.parametrize(("make", "says", "cause"), EAGER_FAILURES.values(), ids=EAGER_FAILURES)
def test_an_eager_party_still_raises_at_construction(make, says, cause) -> None:
    dispatcher, *_ = site(make())
    with pytest.raises(InvitationError) as caught:
        WSGIParty(dispatcher)
    assert str(caught.value) == f"the invitation to {REPORTS_INVITE!r} {says}" + (
        "; the app's invite route failed (see the app's own error log)" if "500" in says else ""
    )
    assert type(caught.value.__cause__) is cause
    # Nobody stays joined: the healthy apps join the next party.
    dispatcher.mounts["/reports"] = werkzeug_member("Reports", [Rule("/", endpoint="index")])
    with WSGIParty(dispatcher) as party:
        assert [m.name for m in party.members] == ["root", "blog", "reports"]


def test_a_declined_invitation_is_a_warning_of_the_invitations_logger(caplog) -> None:
    # An app without an invite route answers 404: declined, not failed.
    def plain(environ, start_response):
        start_response("404 Not Found", [])
        return [b""]

    caplog.set_level(logging.INFO, logger="wsgi_party")
    with WSGIParty(plain) as party:
        assert party.members == ()
    (record,) = caplog.records
    assert (record.name, record.levelname) == ("wsgi_party.invitations", "WARNING")
    assert "'/__invite__/' declined" in record.getMessage()
