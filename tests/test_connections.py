"""Handlers are connected as records of their member: skipping goes by owner.

An app never answers its own ask. That rule compares members, not handler
functions, so two members that connect one shared function (a health check
from a common library) each answer the other. Disconnecting what is not
connected is a :class:`~wsgi_party.NotConnected`, a ``PartylineException``.
"""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import NotConnected, PartylineException, PartyMember, WSGIParty

MakeParty = t.Callable[..., WSGIParty]


def health(payload: object) -> str:
    return "ok"


def plain() -> t.Callable[..., list[bytes]]:
    """A new plain WSGI app (each member wraps an app of its own)."""

    def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b""]

    return app


def test_two_members_connecting_one_function_each_answer_the_other(
    make_party: MakeParty,
) -> None:
    a = PartyMember(plain(), name="a", services={"health": health})
    b = PartyMember(plain(), name="b", services={"health": health})
    party = make_party(DispatcherMiddleware(a, {"/b": b}))
    ops = {m.name: m.operator for m in party.members}
    assert ops["a"].ask_around("health", None) == ["ok"]
    assert ops["b"].ask_around("health", None) == ["ok"]
    assert ops["a"].ask_first("health", None) == "ok"
    assert party.ask_around("health", None) == ["ok", "ok"]


def test_an_ask_skips_only_the_askers_own_connections(make_party: MakeParty) -> None:
    def name_of(member: str) -> t.Callable[[object], str]:
        return lambda payload: member

    a = PartyMember(plain(), name="a", services={"who": name_of("a")})
    b = PartyMember(plain(), name="b", services={"who": name_of("b")})
    c = PartyMember(plain(), name="c", services={"who": name_of("c")})
    party = make_party(DispatcherMiddleware(a, {"/b": b, "/c": c}))
    party.connect("who", name_of("party"))
    ops = {m.name: m.operator for m in party.members}
    assert ops["b"].ask_around("who", None) == ["a", "c", "party"]
    assert party.ask_around("who", None) == ["a", "b", "c", "party"]


def test_disconnecting_what_is_not_connected_names_it(make_party: MakeParty) -> None:
    a = PartyMember(plain(), name="a", services={"health": health})
    party = make_party(DispatcherMiddleware(a, {}))
    operator = party.member("a").operator
    with pytest.raises(NotConnected, match=r"'other'.*member 'a'") as caught:
        operator.disconnect("other", health)
    assert isinstance(caught.value, PartylineException)
    assert isinstance(caught.value, LookupError)
    # A member's handler is not the party's own: disconnect it through its operator.
    with pytest.raises(NotConnected, match=r"'health'.*through its operator"):
        party.disconnect("health", health)
    assert party.ask_around("health", None) == ["ok"]
    operator.disconnect("health", health)
    assert "health" not in party.handlers
