"""RouteDispatcher: several apps share one prefix; each request goes by route."""

from __future__ import annotations

import logging
import typing as t

import pytest
from werkzeug.routing import Rule
from werkzeug.test import Client

from tests.apps import werkzeug_member
from wsgi_party import ConfigurationError, HighAndDry, PartyMember, RouteDispatcher, WSGIParty

MakeParty = t.Callable[..., WSGIParty]


def legacy() -> PartyMember:
    return werkzeug_member(
        "Legacy",
        [
            Rule("/products/", endpoint="products"),
            Rule("/products/<int:id>", endpoint="product", methods=["GET"]),
            Rule("/products/<int:id>", endpoint="product_update", methods=["POST"]),
            Rule("/cart/", endpoint="cart"),
        ],
        links={"products": ("product", {"id": 7})},
    )


def new() -> PartyMember:
    return werkzeug_member(
        "New",
        [
            Rule("/products/<int:id>", endpoint="product", methods=["GET"]),
            Rule("/reviews/<int:id>", endpoint="review", methods=["PUT"]),
        ],
        links={"product": ("legacy:cart", {})},
    )


def test_a_moved_route_is_served_by_the_new_app_at_the_same_url(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"))
    client = Client(party)
    moved = client.get("/products/7").get_data(as_text=True)
    assert moved.splitlines() == ["New:product:[('id', 7)]", "/cart/"]
    assert client.get("/products/").get_data(as_text=True).startswith("Legacy:products")
    assert client.get("/cart/").get_data(as_text=True).startswith("Legacy:cart")
    assert [m.name for m in party.members] == ["new", "legacy"]


def test_links_from_legacy_pages_resolve_to_the_moved_route(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"))
    client = Client(party)
    link = client.get("/products/").get_data(as_text=True).splitlines()[1]
    assert link == "/products/7"
    assert client.get(link).get_data(as_text=True).startswith("New:product")


def test_methods_count_when_claiming(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"))
    client = Client(party)
    posted = client.post("/products/7").get_data(as_text=True)
    assert posted.startswith("Legacy:product_update"), "legacy still owns POST"
    wrong = client.get("/reviews/1")
    assert wrong.status_code == 405, "only the new app has the path: it answers 405"
    assert "PUT" in wrong.headers["Allow"]


def test_precedence_follows_the_order_given(make_party: MakeParty) -> None:
    first = werkzeug_member("First", [Rule("/x", endpoint="x")])
    second = werkzeug_member("Second", [Rule("/x", endpoint="x")])
    party = make_party(RouteDispatcher({"first": first, "second": second}))
    assert Client(party).get("/x").get_data(as_text=True).startswith("First")
    b = werkzeug_member("B", [Rule("/x", endpoint="x")])
    a = werkzeug_member("A", [Rule("/x", endpoint="x")])
    other = make_party(RouteDispatcher({"b": b, "a": a}))
    assert Client(other).get("/x").get_data(as_text=True).startswith("B")


def test_unclaimed_requests_without_default_get_404(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new()}))
    assert Client(party).get("/nowhere").status_code == 404


def test_a_member_whose_match_raises_does_not_take_the_site_down(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(payload: object) -> t.NoReturn:
        raise RuntimeError("matcher exploded")

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"broken app"]

    dispatcher = RouteDispatcher(
        {"broken": PartyMember(app, services={"match": broken}), "legacy": legacy()},
        default="legacy",
    )
    party = make_party(dispatcher)
    client = Client(party)
    with caplog.at_level(logging.ERROR, logger="wsgi_party.dispatcher"):
        for _ in range(3):
            assert client.get("/cart/").get_data(as_text=True).startswith("Legacy:cart")
    assert dispatcher.match_errors == 3
    assert "member 'broken' failed to match GET /cart/" in caplog.text
    assert "matcher exploded" in caplog.text


def test_lazy_bootstrap_routes_the_first_request(make_party: MakeParty) -> None:
    party = make_party(
        RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"), lazy=True
    )
    assert Client(party).get("/products/7").get_data(as_text=True).startswith("New:product")


def test_after_close_a_new_party_over_the_same_dispatcher_routes_again() -> None:
    dispatcher = RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy")
    with WSGIParty(dispatcher) as party:
        assert Client(party).get("/products/7").get_data(as_text=True).startswith("New")
    with WSGIParty(dispatcher) as party:
        assert Client(party).get("/products/7").get_data(as_text=True).startswith("New")


@pytest.mark.parametrize(
    ("members", "default", "message"),
    [
        ({}, None, "at least one member"),
        ({"a:b": print}, None, "without ':'"),
        ({"a": print}, "b", "default 'b' is not one of the members"),
    ],
)
def test_bad_configuration_is_refused(
    members: dict[str, t.Any], default: str | None, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        RouteDispatcher(members, default=default)
    assert isinstance(caught.value, ValueError)  # what 0.2 raised


def test_match_answers_are_available_to_any_asker(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"))
    claim = party.ask("new", "match", ("GET", "/products/3"))
    assert (claim.member, claim.endpoint, claim.allowed) == ("new", "product", True)
    refused = party.ask("new", "match", ("POST", "/products/3"))
    assert (refused.allowed, refused.methods) == (False, ("GET", "HEAD"))
    with pytest.raises(HighAndDry):
        party.member("new").operator.services["match"][0](("GET", "/cart/"))


def test_routes_added_after_bootstrap_are_claimed(make_party: MakeParty) -> None:
    moved = new()
    party = make_party(RouteDispatcher({"new": moved, "legacy": legacy()}, default="legacy"))
    client = Client(party)
    assert client.get("/cart/").get_data(as_text=True).startswith("Legacy:cart")
    moved.app.url_map.add(Rule("/cart/", endpoint="cart"))  # type: ignore[attr-defined]
    assert client.get("/cart/").get_data(as_text=True).startswith("New:cart")
