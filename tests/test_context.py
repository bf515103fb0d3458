"""The ``partyline`` proxy is the operator of the member handling the request."""

from __future__ import annotations

import asyncio
import threading
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from wsgi_party import (
    NoPartylineContext,
    PartyMember,
    WSGIParty,
    current_scope,
    partyline,
    request_scope,
)


def reporting_member(name: str) -> PartyMember:
    """A member whose pages answer with the name of the member the proxy points to."""

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [t.cast(str, partyline.name).encode()]

    return PartyMember(app, name=name)


def two_members() -> DispatcherMiddleware:
    return DispatcherMiddleware(reporting_member("a"), {"/b": reporting_member("b")})


def test_the_proxy_is_bound_to_the_member_handling_the_request(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    party = make_party(
        DispatcherMiddleware(reporting_member("shop"), {"/blog": reporting_member("blog")})
    )
    client = Client(party)
    assert client.get("/").get_data() == b"shop"
    assert client.get("/blog/x").get_data() == b"blog"
    assert current_scope() is None, "unbound again after the request"


def test_outside_a_request_the_proxy_raises_a_clear_error() -> None:
    with pytest.raises(NoPartylineContext) as info:
        partyline.ask_around("ping", None)
    # The message says when it is bound, by what, and what to use instead.
    assert str(info.value) == (
        "wsgi_party.partyline is only bound while a party member handles a request"
        " (FlaskParty, wsgi_party.pyramid, wsgi_party.django or PartyMember bind it;"
        " an app whose invitation failed or was declined is no member, see"
        " party.declined); outside a request, ask the WSGIParty itself"
    )
    assert issubclass(NoPartylineContext, RuntimeError)


def test_scopes_are_per_thread_and_per_task(make_party: t.Callable[..., WSGIParty]) -> None:
    party = make_party(two_members())
    a, b = (m.operator for m in party.members)
    seen: list[tuple[str, str | None]] = []
    gate = threading.Barrier(2)

    def work(operator: t.Any, label: str) -> None:
        with request_scope(operator, {"SCRIPT_NAME": ""}):
            gate.wait(timeout=5)
            seen.append((label, partyline.name))

    threads = [threading.Thread(target=work, args=(op, op.name)) for op in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(seen) == [("a", "a"), ("b", "b")]

    async def task(operator: t.Any) -> str | None:
        with request_scope(operator, {"SCRIPT_NAME": ""}):
            await asyncio.sleep(0.01)
            return t.cast("str | None", partyline.name)

    async def both() -> list[str | None]:
        return list(await asyncio.gather(task(a), task(b)))

    assert asyncio.run(both()) == ["a", "b"]


def test_nested_scopes_restore_the_outer_one(make_party: t.Callable[..., WSGIParty]) -> None:
    party = make_party(two_members())
    a, b = (m.operator for m in party.members)
    with request_scope(a, {}):
        with request_scope(b, {}):
            assert partyline.name == "b"
        assert partyline.name == "a"
    assert current_scope() is None


def test_scopes_and_operators_describe_themselves(make_party: t.Callable[..., WSGIParty]) -> None:
    party = make_party(two_members())
    b = party.member("b").operator
    assert repr(party) == "<WSGIParty ready members=[a, b]>"
    assert repr(b) == "<PartylineOperator 'b' at '/b'>"
    assert repr(party.member("a").operator) == "<PartylineOperator 'a' at '/'>"
    with request_scope(b, {"PATH_INFO": "/x"}) as scope:
        assert repr(scope) == "<RequestScope <PartylineOperator 'b' at '/b'> '/x'>"
    party.close()
    assert repr(party) == "<WSGIParty closed members=[]>"
    assert repr(b) == "<PartylineOperator 'b' at '/b' closed>"
