"""The party: discovery, members, asking, lifecycle, threads and fork."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import types
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from tests.apps import refusing_app, webob_member, werkzeug_member
from wsgi_party import (
    INVITE_PATH,
    HighAndDry,
    InvalidServiceName,
    Invitation,
    InvitationError,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    PartyClosed,
    PartylineException,
    PartyMember,
    Pong,
    RecursiveAsk,
    WSGIParty,
    discover,
)

MakeParty = t.Callable[..., WSGIParty]


def site() -> DispatcherMiddleware:
    return DispatcherMiddleware(
        werkzeug_member("Shop"),
        {"/blog": werkzeug_member("Blog"), "/status": webob_member()},
    )


# -- discovery and members ---------------------------------------------------


def test_discovery_invites_the_root_and_every_mount() -> None:
    found = discover(site())
    assert [i.path for i in found] == ["/__invite__/", "/blog/__invite__/", "/status/__invite__/"]


def test_discovery_recurses_into_nested_dispatchers() -> None:
    inner = DispatcherMiddleware(werkzeug_member("Api"), {"/v1": werkzeug_member("V1")})
    found = discover(DispatcherMiddleware(werkzeug_member("Root"), {"/api": inner}))
    assert [i.path for i in found] == ["/__invite__/", "/api/__invite__/", "/api/v1/__invite__/"]


def test_a_plain_app_is_invited_at_its_root() -> None:
    assert [i.path for i in discover(refusing_app)] == [INVITE_PATH]


def test_members_have_names_mounts_and_services(make_party: MakeParty) -> None:
    party = make_party(site())
    assert [(m.name, m.script_name, m.invite_path) for m in party.members] == [
        ("root", "", "/__invite__/"),
        ("blog", "/blog", "/blog/__invite__/"),
        ("status", "/status", "/status/__invite__/"),
    ]
    assert party.member("blog").services == ("url", "ping", "routes", "match")
    assert party.member("status").services == ("ping",)


def test_a_member_may_choose_its_own_name(make_party: MakeParty) -> None:
    party = make_party(DispatcherMiddleware(werkzeug_member("Shop", name="shop"), {}))
    assert [m.name for m in party.members] == ["shop"]


def test_nested_mounts_get_dotted_names(make_party: MakeParty) -> None:
    party = make_party(DispatcherMiddleware(refusing_app, {"/api/v1": werkzeug_member("V1")}))
    assert [m.name for m in party.members] == ["api.v1"]


def test_duplicate_names_fail_naming_both_invite_paths() -> None:
    app = DispatcherMiddleware(
        werkzeug_member("A", name="same"), {"/b": werkzeug_member("B", name="same")}
    )
    with pytest.raises(InvitationError) as info:
        WSGIParty(app)
    message = str(info.value)
    assert "'same'" in message
    assert "'/__invite__/'" in message
    assert "'/b/__invite__/'" in message


@pytest.mark.parametrize("name", ["shop:v2", ":", "blog:"])
def test_a_member_name_with_a_colon_is_refused_at_join(name: str) -> None:
    # "member:endpoint" targets a member, so such a name could never be targeted.
    shop = werkzeug_member("Shop", name=name)
    with pytest.raises(InvitationError) as info:
        WSGIParty(DispatcherMiddleware(refusing_app, {"/shop": shop}))
    message = str(info.value)
    assert repr(name) in message
    assert "'/shop/__invite__/'" in message
    assert "without ':'" in message
    assert shop.operator is None, "the refused app joined nothing"


def test_join_order_is_the_root_then_the_mounts_in_order_of_their_paths(
    make_party: MakeParty,
) -> None:
    # Given in no particular order; werkzeug's dispatcher keeps no order of
    # its own (it matches the longest prefix), so the party sorts the mounts,
    # a nested dispatcher's members coming right after its own root.
    inner = DispatcherMiddleware(
        werkzeug_member("Api"), {"/v2": webob_member(), "/v1": webob_member()}
    )
    app = DispatcherMiddleware(
        werkzeug_member("Root"),
        {"/zoo": webob_member(), "/api": inner, "/blog": werkzeug_member("Blog")},
    )
    party = make_party(app)
    order = ["root", "api", "api.v1", "api.v2", "blog", "zoo"]
    assert [m.name for m in party.members] == order
    assert [a.member for a in party.ask_around("ping", None)] == order
    zoo = party.member("zoo").operator
    assert [a.member for a in zoo.ask_around("ping", None)] == order[:-1]
    # A bare endpoint is asked around: the first member in join order answers.
    assert party.url_for("post", id=1) == "/post/1"
    assert party.ask_around("url", ("post", {"id": 1})) == [
        "/post/1",
        "/api/post/1",
        "/blog/post/1",
    ]


def test_join_order_of_a_route_dispatcher_is_the_order_given(make_party: MakeParty) -> None:
    from wsgi_party import RouteDispatcher

    members = {"zoo": webob_member(), "blog": werkzeug_member("Blog"), "api": webob_member()}
    party = make_party(RouteDispatcher(members, default="zoo"))
    assert [a.member for a in party.ask_around("ping", None)] == ["zoo", "blog", "api"]


def test_a_failed_bootstrap_releases_the_members_it_admitted(make_party: MakeParty) -> None:
    first = werkzeug_member("A", name="same")
    with pytest.raises(InvitationError):
        WSGIParty(DispatcherMiddleware(first, {"/b": werkzeug_member("B", name="same")}))
    assert first.operator is None
    party = make_party(DispatcherMiddleware(first, {}))
    assert [m.name for m in party.members] == ["same"]


def test_an_app_without_invite_route_is_declined_not_fatal(make_party: MakeParty) -> None:
    party = make_party(DispatcherMiddleware(refusing_app, {"/blog": werkzeug_member("Blog")}))
    assert [m.name for m in party.members] == ["blog"]
    (declined,) = party.declined
    assert declined.path == "/__invite__/"
    assert "404" in declined.reason


def test_explicit_invites_are_used_as_given(make_party: MakeParty) -> None:
    party = make_party(site(), ("/blog/__invite__/",))
    assert [m.name for m in party.members] == ["blog"]
    assert make_party(site(), ()).members == ()


# -- asking ------------------------------------------------------------------


def test_ping_answers_pong_with_the_member_name(make_party: MakeParty) -> None:
    party = make_party(site())
    answers = party.ask_around("ping", None)
    assert answers == ["pong", "pong", "pong"]
    assert [a.member for a in answers] == ["root", "blog", "status"]
    assert all(isinstance(a, Pong) for a in answers)


def test_ask_first_stops_at_the_first_answer(make_party: MakeParty) -> None:
    calls: list[str] = []

    def skip(payload: object) -> str:
        calls.append("skip")
        raise HighAndDry

    def answer(name: str) -> t.Callable[[object], str]:
        def handler(payload: object) -> str:
            calls.append(name)
            return name

        return handler

    party = make_party(refusing_app, ())
    for handler in (skip, answer("a"), answer("b")):
        party.connect("svc", handler)
    assert party.ask_first("svc", None) == "a"
    assert calls == ["skip", "a"]


def test_ask_first_without_answer_names_who_was_asked(make_party: MakeParty) -> None:
    def skip(payload: object) -> str:
        raise HighAndDry

    party = make_party(
        DispatcherMiddleware(refusing_app, {"/x": werkzeug_member("X", services={"svc": skip})})
    )
    with pytest.raises(NoAnswer, match=r"nobody answered 'svc': asked member 'x'"):
        party.ask_first("svc", None)


def test_targeted_ask_reaches_only_that_member(make_party: MakeParty) -> None:
    party = make_party(site())
    assert party.ask("blog", "ping", None).member == "blog"
    with pytest.raises(NoSuchMember, match=r"'nobody'.*'root', 'blog', 'status'"):
        party.ask("nobody", "ping", None)
    with pytest.raises(NoAnswer, match="'status' offers no service 'url'"):
        party.ask("status", "url", None)


def test_operator_asks_skip_the_asking_member(make_party: MakeParty) -> None:
    party = make_party(site())
    blog = party.member("blog").operator
    assert [a.member for a in blog.ask_around("ping", None)] == ["root", "status"]
    assert blog.ask_first("ping", None).member == "root"


def test_disconnect_removes_one_handler(make_party: MakeParty) -> None:
    party = make_party(site())
    blog = party.member("blog").operator
    (ping,) = blog.services["ping"]
    blog.disconnect("ping", ping)
    assert [a.member for a in party.ask_around("ping", None)] == ["root", "status"]
    assert "ping" not in party.member("blog").services
    with pytest.raises(LookupError, match="'ping'"):
        blog.disconnect("ping", ping)


@pytest.mark.parametrize("name", ["", None, 3, ["unhashable"]])
def test_bad_service_names_are_refused(make_party: MakeParty, name: t.Any) -> None:
    party = make_party(site(), ignore_missing_services=True)
    with pytest.raises(InvalidServiceName):
        party.ask_around(name, None)
    with pytest.raises(InvalidServiceName):
        party.connect(name, print)


def test_a_failing_handler_names_member_and_service(make_party: MakeParty) -> None:
    def broken(payload: object) -> str:
        raise ValueError("boom")

    party = make_party(
        DispatcherMiddleware(refusing_app, {"/x": werkzeug_member("X", services={"svc": broken})})
    )
    with pytest.raises(ValueError, match="boom") as info:
        party.ask_around("svc", None)
    assert any("'svc'" in note and "member 'x'" in note for note in info.value.__notes__)


def test_a_handler_that_asks_itself_in_a_loop_is_stopped(make_party: MakeParty) -> None:
    party = make_party(refusing_app, ())
    depth = []

    def loop(payload: object) -> object:
        depth.append(payload)
        return party.ask_around("loop", payload)

    party.connect("loop", loop)
    with pytest.raises(RecursiveAsk, match="'loop'"):
        party.ask_around("loop", None)
    assert len(depth) > 1
    assert isinstance(RecursiveAsk("x"), RecursionError)
    party.connect("fine", lambda payload: "still answering")
    assert party.ask_around("fine", None) == ["still answering"], "the depth was reset"


# -- lifecycle ---------------------------------------------------------------


def test_close_disconnects_and_the_same_apps_join_a_new_party() -> None:
    app = site()
    with WSGIParty(app) as first:
        operators = [m.operator for m in first.members]
    assert first.closed
    assert first.handlers == {}
    assert all(op.closed and not op.handlers for op in operators)
    with pytest.raises(PartyClosed):
        first.ask_around("ping", None)
    with WSGIParty(app) as second:
        assert len(second.ask_around("ping", None)) == 3
    first.close()  # closing twice is harmless


def test_an_app_in_a_live_party_declines_a_second_one(make_party: MakeParty) -> None:
    member = werkzeug_member("Shop")
    first = make_party(DispatcherMiddleware(member, {}))
    second = make_party(DispatcherMiddleware(member, {}))
    assert second.members == ()
    (declined,) = second.declined
    assert "already member 'root' of another live party" in declined.reason
    assert len(first.members) == 1
    assert Client(member).get("/post/3").status_code == 200


def test_an_app_mounted_twice_in_one_party_is_an_error() -> None:
    member = werkzeug_member("Shop")
    with pytest.raises(InvitationError, match="already joined this party as member 'root'"):
        WSGIParty(DispatcherMiddleware(member, {"/again": member}))
    assert member.operator is None


def test_an_invite_that_raises_is_an_invitation_error_naming_the_path() -> None:
    def exploding(environ: t.Any, start_response: t.Any) -> list[bytes]:
        raise RuntimeError("database down")

    with pytest.raises(
        InvitationError, match=r"'/x/__invite__/' raised RuntimeError: database down"
    ):
        WSGIParty(DispatcherMiddleware(refusing_app, {"/x": exploding}))


def test_an_invite_answering_500_is_an_invitation_error() -> None:
    def failing(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("500 Internal Server Error", [])
        return [b""]

    with pytest.raises(InvitationError, match=r"'/__invite__/' answered '500"):
        WSGIParty(failing)


# -- lazy bootstrap ----------------------------------------------------------


def counting_site() -> tuple[DispatcherMiddleware, list[str]]:
    invited: list[str] = []

    def counted(member: PartyMember) -> t.Callable[..., t.Any]:
        def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
            if "partyline" in environ:
                invited.append(environ["SCRIPT_NAME"])
            return member(environ, start_response)

        return app

    app = DispatcherMiddleware(
        counted(werkzeug_member("Shop")), {"/blog": counted(werkzeug_member("Blog"))}
    )
    return app, invited


def test_lazy_party_invites_on_first_request(make_party: MakeParty) -> None:
    app, invited = counting_site()
    party = make_party(app, lazy=True)
    assert invited == []
    assert Client(party).get("/blog/").status_code == 200
    assert invited == ["", "/blog"]


def test_lazy_party_invites_on_first_ask(make_party: MakeParty) -> None:
    app, invited = counting_site()
    party = make_party(app, lazy=True)
    assert len(party.ask_around("ping", None)) == 2
    assert invited == ["", "/blog"]


def test_64_threads_arriving_together_bootstrap_exactly_once(make_party: MakeParty) -> None:
    threads_count = 64
    invited: list[str] = []
    crowd: list[int] = []

    def others_inside_the_party() -> int:
        """Threads other than this one that are running the party's own code."""
        me = threading.get_ident()
        return sum(
            1
            for ident, frame in sys._current_frames().items()
            if ident != me and _runs_party_code(frame)
        )

    def slow_invite(member: PartyMember) -> t.Callable[..., t.Any]:
        def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
            if "partyline" in environ:
                invited.append(environ["SCRIPT_NAME"])
                if not crowd:
                    # Hold the first invitation until every other thread has
                    # reached the party and is waiting for the bootstrap.
                    deadline = time.monotonic() + 60
                    while others_inside_the_party() < threads_count - 1:
                        assert time.monotonic() < deadline, (
                            f"only {others_inside_the_party()} of {threads_count - 1}"
                            " threads reached the party within 60 s"
                        )
                        time.sleep(0.001)
                    crowd.append(others_inside_the_party())
            return member(environ, start_response)

        return app

    app = DispatcherMiddleware(
        slow_invite(werkzeug_member("Shop")), {"/blog": slow_invite(werkzeug_member("Blog"))}
    )
    party = make_party(app, lazy=True)
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            barrier.wait(timeout=60)
            statuses.append(Client(party).get("/post/1").status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert errors == []
    assert crowd == [threads_count - 1], "every other thread waited on the bootstrap"
    assert statuses == [200] * threads_count
    assert invited == ["", "/blog"], "each invitation was sent once, root first"


def _runs_party_code(frame: types.FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.endswith(os.path.join("wsgi_party", "_party.py")):
            return True
        frame = frame.f_back
    return False


# -- fork ----------------------------------------------------------------------


def run_in_child(body: t.Callable[[], bool]) -> bool:
    """Run ``body`` in a forked child; whether it returned true there."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            code = 0 if body() else 1
        except BaseException:  # noqa: BLE001 - any failure is exit status 1
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_party_bootstrapped_before_fork_works_in_the_child(make_party: MakeParty) -> None:
    party = make_party(site())
    assert run_in_child(lambda: len(party.ask_around("ping", None)) == 3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_lazy_party_bootstraps_in_the_child(make_party: MakeParty) -> None:
    app, invited = counting_site()
    party = make_party(app, lazy=True)
    assert run_in_child(lambda: len(party.ask_around("ping", None)) == 2 and len(invited) == 2)
    assert invited == [], "the parent never bootstrapped"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_while_another_thread_bootstraps_leaves_no_lock_held(make_party: MakeParty) -> None:
    entered, release = threading.Event(), threading.Event()
    parent = os.getpid()

    def slow(environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        if "partyline" in environ:
            environ["partyline"].connect("ping", lambda payload: "slow")
            if os.getpid() == parent:
                entered.set()
                release.wait(timeout=10)
        start_response("200 OK", [])
        return [b""]

    party = make_party(slow, lazy=True)
    worker = threading.Thread(target=lambda: party.ask_around("ping", None))
    worker.start()
    assert entered.wait(timeout=10)
    # The worker holds the bootstrap lock mid-invitation while we fork: the child
    # must start over rather than wait forever for a thread it does not have.
    in_child = run_in_child(lambda: party.ask_around("ping", None) == ["slow"])
    release.set()
    worker.join(timeout=10)
    assert in_child
    assert party.ask_around("ping", None) == ["slow"]


# -- invitations delivered directly ----------------------------------------------


def test_invitation_objects_deliver_to_an_app_directly(make_party: MakeParty) -> None:
    member = werkzeug_member("Direct")
    party = make_party(refusing_app, (Invitation(INVITE_PATH, member, "/direct", "direct"),))
    (only,) = party.members
    assert (only.name, only.script_name) == ("direct", "/direct")
    assert party.url_for("direct:post", id=2) == "/direct/post/2"


# -- bookkeeping and what errors say ---------------------------------------------


def test_disconnecting_a_handler_that_is_not_connected_names_the_service(
    make_party: MakeParty,
) -> None:
    party = make_party(site())
    with pytest.raises(LookupError, match=r"is not connected to service 'ping'"):
        party.disconnect("ping", print)
    with pytest.raises(LookupError, match=r"is not connected to service 'nothing'"):
        party.disconnect("nothing", print)
    assert len(party.ask_around("ping", None)) == 3, "nothing else was disconnected"


def test_a_handler_serving_two_services_stays_the_members_own_until_both_go(
    make_party: MakeParty,
) -> None:
    party = make_party(site())
    blog = party.member("blog").operator

    def both(payload: object) -> str:
        return "blog's own"

    blog.connect("first", both)
    blog.connect("second", both)
    blog.disconnect("first", both)
    assert both in blog.handlers
    assert blog.ask_around("second", None) == [], "a member never answers itself"
    assert party.ask_around("second", None) == ["blog's own"]
    blog.disconnect("second", both)
    assert both not in blog.handlers
    assert "second" not in blog.services


def test_an_operator_asks_one_member_by_name(make_party: MakeParty) -> None:
    party = make_party(site())
    blog = party.member("blog").operator
    assert blog.ask("status", "ping", None).member == "status"
    assert blog.ask("blog", "ping", None).member == "blog", "a targeted ask may reach itself"
    root = party.member("root").operator
    assert root.ask("blog", "match", ("GET", "/post/1")).endpoint == "post"
    assert root.ask_first("match", ("GET", "/post/1")).member == "blog"


def test_a_declined_invitation_is_logged_with_path_and_reason(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgi_party"):
        make_party(DispatcherMiddleware(refusing_app, {"/blog": werkzeug_member("Blog")}))
    (record,) = [r for r in caplog.records if r.name == "wsgi_party.invitations"]
    assert record.getMessage() == (
        "invitation to '/__invite__/' declined: answered '404 Not Found' and connected no handler"
    )


def test_names_of_a_failed_send_invitations_are_free_again(make_party: MakeParty) -> None:
    party = make_party(refusing_app, ())
    first, second = werkzeug_member("First"), werkzeug_member("Second")
    with pytest.raises(InvitationError, match="two members are named 'same'"):
        party.send_invitations(
            [
                Invitation(INVITE_PATH, first, "/first", "same"),
                Invitation(INVITE_PATH, second, "/second", "same"),
            ]
        )
    assert party.members == ()
    party.send_invitations([Invitation(INVITE_PATH, second, "/second", "same")])
    assert [(m.name, m.script_name) for m in party.members] == [("same", "/second")]
    assert party.url_for("same:post", id=1) == "/second/post/1"


def test_a_closed_party_says_so_when_asked(make_party: MakeParty) -> None:
    party = make_party(site())
    party.close()
    for ask in (
        lambda: party.ask("blog", "ping", None),
        lambda: party.ask_around("ping", None),
        lambda: party.url_for("blog:post", id=1),
    ):
        with pytest.raises(PartyClosed, match=r"^this party is closed; create a new WSGIParty$"):
            ask()


def test_a_runaway_ask_says_what_to_look_for(make_party: MakeParty) -> None:
    party = make_party(refusing_app, ())
    party.connect("loop", lambda payload: party.ask_around("loop", payload))
    with pytest.raises(RecursiveAsk) as info:
        party.ask_around("loop", None)
    assert str(info.value) == (
        "asking 'loop' recursed without end: a handler keeps asking the partyline"
        " again from inside its own answer (a loop between handlers?)"
    )


def test_match_payloads_must_be_a_match_request_or_a_pair(make_party: MakeParty) -> None:
    party = make_party(site())
    assert party.ask("blog", "match", ("GET", "/post/1")).endpoint == "post"
    for bad in (["GET", "/post/1"], ("GET",), {"GET": 1, "/": 2}, "GET /"):
        with pytest.raises(PartylineException, match="a 'match' payload must be") as info:
            party.ask("blog", "match", bad)
        assert repr(bad) in str(info.value)


def test_a_member_without_the_route_says_so(make_party: MakeParty) -> None:
    party = make_party(site())
    (match,) = party.member("blog").operator.services["match"]
    with pytest.raises(HighAndDry, match=r"^member 'blog' has no route for GET /nowhere$"):
        match(("GET", "/nowhere"))


def test_unknown_services_and_members_are_named_with_what_there_is(
    make_party: MakeParty,
) -> None:
    party = make_party(site())
    with pytest.raises(NoSuchServiceName) as service:
        party.ask_around("nothing", None)
    assert str(service.value) == (
        "no handler is connected for service 'nothing' (services: 'url', 'ping', 'routes', 'match')"
    )
    with pytest.raises(NoSuchMember) as member:
        party.member("nobody")
    assert str(member.value) == "no member is named 'nobody' (members: 'root', 'blog', 'status')"
    with pytest.raises(NoAnswer) as offer:
        party.ask("status", "url", None)
    assert str(offer.value) == "member 'status' offers no service 'url' (it offers: ping)"
    with pytest.raises(InvalidServiceName, match="non-empty string, got 3"):
        party.ask("status", 3, None)  # type: ignore[arg-type]
    empty = make_party(refusing_app, ())
    with pytest.raises(NoSuchServiceName, match=r"'ping' \(services: none\)"):
        empty.ask_around("ping", None)
    with pytest.raises(NoSuchMember, match=r"'x' \(members: none\)"):
        empty.ask("x", "ping", None)


def test_an_operator_never_gets_its_own_first_answer(make_party: MakeParty) -> None:
    party = make_party(site())
    root = party.member("root").operator
    assert root.ask_first("ping", None).member == "blog"
    assert [a.member for a in root.ask_around("ping", None)] == ["blog", "status"]


def test_discovery_recurses_into_a_dispatcher_at_the_root() -> None:
    inner = DispatcherMiddleware(werkzeug_member("Root"), {"/a": werkzeug_member("A")})
    found = discover(DispatcherMiddleware(inner, {"/b": werkzeug_member("B")}))
    assert [i.path for i in found] == ["/__invite__/", "/a/__invite__/", "/b/__invite__/"]


def test_mounts_name_their_members_with_every_character_but_the_slashes(
    make_party: MakeParty,
) -> None:
    app = DispatcherMiddleware(refusing_app, {"/Xray/v1": webob_member(), "/X": webob_member()})
    assert [m.name for m in make_party(app).members] == ["X", "Xray.v1"]


def test_requests_without_script_name_are_dispatched_to_their_mount(
    make_party: MakeParty,
) -> None:
    from werkzeug.test import create_environ, run_wsgi_app

    seen: list[tuple[str, str]] = []

    def blog(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.append((environ["SCRIPT_NAME"], environ["PATH_INFO"]))
        start_response("200 OK", [])
        return [b""]

    party = make_party(DispatcherMiddleware(refusing_app, {"/blog": blog}), ())
    environ = create_environ("/blog/post/1")
    del environ["SCRIPT_NAME"]
    run_wsgi_app(party, environ, buffered=True)
    assert seen == [("/blog", "/post/1")]


def test_who_was_asked_is_named_when_nobody_answers(make_party: MakeParty) -> None:
    def skip(payload: object) -> str:
        raise HighAndDry

    def skip_too(payload: object) -> str:
        raise HighAndDry

    party = make_party(
        DispatcherMiddleware(
            werkzeug_member("Root", services={"svc": skip}),
            {"/x": werkzeug_member("X", services={"svc": skip_too})},
        )
    )
    root = party.member("root").operator
    with pytest.raises(NoAnswer) as info:
        root.ask_first("svc", None)
    assert str(info.value) == "nobody answered 'svc': asked member 'x'"
    x = party.member("x").operator
    x.disconnect("svc", x.services["svc"][0])
    with pytest.raises(NoAnswer) as alone:
        root.ask_first("svc", None)
    assert str(alone.value) == "nobody answered 'svc': asked nobody (no other member offers it)"
    party.connect("svc", skip_too)
    with pytest.raises(NoAnswer, match=r"asked a handler connected to the party directly$"):
        root.ask_first("svc", None)


def test_a_closed_operator_and_party_refuse_new_handlers_naming_them(
    make_party: MakeParty,
) -> None:
    party = make_party(site())
    blog = party.member("blog").operator
    with pytest.raises(InvalidServiceName, match=r"got 3 \(member 'blog'\)"):
        blog.connect(3, print)  # type: ignore[arg-type]
    party.close()
    with pytest.raises(PartyClosed, match=r"^the operator of member 'blog' is closed$"):
        blog.connect("ping", print)
    with pytest.raises(PartyClosed, match=r"^cannot connect to service 'ping': party closed$"):
        party.connect("ping", print)


def test_an_invite_path_must_be_a_path(make_party: MakeParty) -> None:
    with pytest.raises(InvitationError) as info:
        WSGIParty(refusing_app, invites=["__invite__/"])
    assert str(info.value) == (
        "an invite path must be a string starting with '/', got '__invite__/'"
    )


def test_an_app_invited_directly_sees_its_mount_and_its_response_is_closed(
    make_party: MakeParty,
) -> None:
    seen: list[tuple[str, str]] = []
    closed: list[bool] = []

    class Body(list[bytes]):
        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> Body:
        seen.append((environ["SCRIPT_NAME"], environ["PATH_INFO"]))
        environ["partyline"].connect("ping", lambda payload: "pong")
        start_response("200 OK", [])
        return Body([b"joined"])

    party = make_party(refusing_app, (Invitation(INVITE_PATH, app, "/direct", "direct"),))
    assert [m.name for m in party.members] == ["direct"]
    assert seen == [("/direct", INVITE_PATH)]
    assert closed == [True]


def test_a_party_member_outside_any_party_serves_its_app_unchanged() -> None:
    member = werkzeug_member("Alone")
    client = Client(member)
    assert client.get("/post/3").get_data(as_text=True).startswith("Alone:post")
    assert client.get("/__invite__/").status_code == 404, "no operator: the app's own answer"


def test_every_way_of_asking_names_the_failing_handler_and_a_runaway_service(
    make_party: MakeParty,
) -> None:
    def broken(payload: object) -> str:
        raise ValueError("boom")

    party = make_party(
        DispatcherMiddleware(refusing_app, {"/x": werkzeug_member("X", services={"svc": broken})})
    )
    for ask in (
        lambda: party.ask_around("svc", None),
        lambda: party.ask_first("svc", None),
        lambda: party.ask("x", "svc", None),
    ):
        with pytest.raises(ValueError, match="boom") as info:
            ask()
        assert info.value.__notes__[-1] == f"raised by the 'svc' handler {broken!r} of member 'x'"

    party.connect("loop", lambda payload: party.ask_first("loop", payload))
    with pytest.raises(RecursiveAsk, match=r"^asking 'loop' recursed without end"):
        party.ask_first("loop", None)
    x = party.member("x").operator
    x.connect("deep", lambda payload: party.ask("x", "deep", payload))
    with pytest.raises(RecursiveAsk, match=r"^asking 'deep' recursed without end"):
        party.ask("x", "deep", None)


def test_a_member_whose_handlers_all_pass_says_it_had_no_answer(make_party: MakeParty) -> None:
    def skip(payload: object) -> str:
        raise HighAndDry

    party = make_party(
        DispatcherMiddleware(refusing_app, {"/x": werkzeug_member("X", services={"svc": skip})})
    )
    with pytest.raises(NoAnswer) as info:
        party.ask("x", "svc", None)
    assert str(info.value) == "member 'x' had no answer for 'svc'"
    with pytest.raises(NoAnswer) as offer:
        party.ask("x", "nothing", None)
    assert str(offer.value) == (
        "member 'x' offers no service 'nothing' (it offers: svc, url, ping, routes, match)"
    )


def test_a_declined_invitation_records_its_path(make_party: MakeParty) -> None:
    member = werkzeug_member("Shop")
    make_party(DispatcherMiddleware(refusing_app, {"/shop": member}))
    second = make_party(DispatcherMiddleware(refusing_app, {"/shop": member}))
    assert [d.path for d in second.declined] == ["/__invite__/", "/shop/__invite__/"]


def test_an_invite_answering_a_server_error_says_where_to_look() -> None:
    def failing(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("503 Service Unavailable", [])
        return [b""]

    with pytest.raises(InvitationError) as info:
        WSGIParty(failing)
    assert str(info.value) == (
        "the invitation to '/__invite__/' answered '503 Service Unavailable'; the app's"
        " invite route failed (see the app's own error log)"
    )


def test_a_closed_party_sends_no_invitations(make_party: MakeParty) -> None:
    party = make_party(refusing_app, ())
    party.close()
    with pytest.raises(PartyClosed) as info:
        party.send_invitations([INVITE_PATH])
    assert str(info.value) == "cannot send invitations through a closed party"
