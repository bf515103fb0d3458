"""RouteDispatcher: several apps share one prefix; each request goes by route."""

from __future__ import annotations

import logging
import typing as t

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import Client

from tests.apps import werkzeug_member
from wsgi_party import (
    ConfigurationError,
    HighAndDry,
    Match,
    PartyMember,
    RouteDispatcher,
    WSGIParty,
)

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


def test_a_member_name_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ValueError, match="member name 3 must be a non-empty string"):
        RouteDispatcher({3: print})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="member name '' must be a non-empty string"):
        RouteDispatcher({"": print})


def test_the_default_gets_only_what_nobody_else_claims_wherever_it_is_listed(
    make_party: MakeParty,
) -> None:
    dispatcher = RouteDispatcher({"legacy": legacy(), "new": new()}, default="legacy")
    assert dispatcher.default == "legacy"
    party = make_party(dispatcher)
    client = Client(party)
    assert client.get("/products/7").get_data(as_text=True).startswith("New:product")
    assert client.get("/cart/").get_data(as_text=True).startswith("Legacy:cart")


def test_before_joining_a_party_every_request_goes_to_the_default() -> None:
    dispatcher = RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy")
    assert Client(dispatcher).get("/cart/").get_data(as_text=True).startswith("Legacy:cart")
    assert Client(RouteDispatcher({"new": new()})).get("/products/7").status_code == 404


def test_after_close_requests_still_pass_through(make_party: MakeParty) -> None:
    party = make_party(RouteDispatcher({"new": new(), "legacy": legacy()}, default="legacy"))
    party.close()
    assert Client(party).get("/cart/").get_data(as_text=True).startswith("Legacy:cart")


def named_app(name: str, *rules: Rule) -> PartyMember:
    """A member that answers every request with its name, routed by ``rules``."""

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [name.encode()]

    return PartyMember(app, url_map=Map(list(rules)))


@pytest.mark.parametrize(
    ("environ", "served"),
    [
        ({"PATH_INFO": "/products/7"}, "new"),  # no REQUEST_METHOD: a GET
        ({"PATH_INFO": "/products/7", "REQUEST_METHOD": "get"}, "new"),
        ({"REQUEST_METHOD": "GET"}, "root"),  # no PATH_INFO: "/"
        ({"REQUEST_METHOD": "GET", "PATH_INFO": ""}, "root"),
    ],
)
def test_a_sparse_environ_is_routed_as_a_server_would_mean_it(
    make_party: MakeParty, environ: dict[str, str], served: str
) -> None:
    from werkzeug.test import create_environ, run_wsgi_app

    dispatcher = RouteDispatcher(
        {
            "root": named_app("root", Rule("/", endpoint="index")),
            "new": named_app("new", Rule("/products/<int:id>", endpoint="product")),
            "other": named_app("other", Rule("/other", endpoint="other")),
        },
        default="other",
    )
    make_party(dispatcher)
    full = create_environ()
    for key in ("REQUEST_METHOD", "PATH_INFO"):
        del full[key]
    full.update(environ)
    body, status, _headers = run_wsgi_app(dispatcher, full, buffered=True)
    assert (status, b"".join(body).decode()) == ("200 OK", served)


def test_a_member_that_claims_nothing_passes_the_request_to_the_next(
    make_party: MakeParty, caplog: pytest.LogCaptureFixture
) -> None:
    def skipping(payload: object) -> t.NoReturn:
        raise HighAndDry("not mine")

    def failing(payload: object) -> t.NoReturn:
        raise KeyError("matcher exploded")

    def wrong(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"wrong app"]

    def also_wrong(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        return wrong(environ, start_response)

    members = {
        "empty": werkzeug_member("Empty", [Rule("/elsewhere", endpoint="elsewhere")]),
        "skipping": PartyMember(wrong, services={"match": skipping}),
        "failing": PartyMember(also_wrong, services={"match": failing}),
        "new": new(),
        "legacy": legacy(),
    }
    party = make_party(RouteDispatcher(members, default="legacy"))
    with caplog.at_level(logging.ERROR, logger="wsgi_party.dispatcher"):
        body = Client(party).get("/products/7").get_data(as_text=True)
    assert body.startswith("New:product")
    (record,) = caplog.records
    assert record.getMessage() == (
        "member 'failing' failed to match GET /products/7 (KeyError: 'matcher exploded');"
        " passing the request on"
    )


def test_a_match_service_of_its_own_is_asked_with_method_and_path(make_party: MakeParty) -> None:
    asked: list[object] = []

    def match(payload: object) -> Match:
        asked.append(payload)
        if payload == ("GET", "/own"):
            return Match("own", "own")
        raise HighAndDry("not mine")

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"own app"]

    party = make_party(
        RouteDispatcher({"own": PartyMember(app, services={"match": match}), "legacy": legacy()})
    )
    assert Client(party).get("/own").get_data() == b"own app"
    assert Client(party).get("/cart/").get_data(as_text=True).startswith("Legacy:cart")
    assert asked[:2] == [("GET", "/own"), ("GET", "/cart/")]


def test_a_path_another_member_has_for_other_methods_only_is_answered_405_by_it(
    make_party: MakeParty,
) -> None:
    # The default has no match service, so it cannot route the method itself.
    def plain_default(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"default"]

    party = make_party(
        RouteDispatcher({"new": new(), "plain": PartyMember(plain_default)}, default="plain")
    )
    response = Client(party).get("/reviews/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "PUT"


def test_a_default_with_the_path_for_other_methods_does_not_take_the_request(
    make_party: MakeParty,
) -> None:
    old = werkzeug_member("Old", [Rule("/reviews/<int:id>", endpoint="review", methods=["POST"])])
    party = make_party(RouteDispatcher({"new": new(), "old": old}, default="old"))
    response = Client(party).get("/reviews/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "PUT", "the new app answered, not the default"
    assert Client(party).post("/reviews/1").get_data(as_text=True).startswith("Old:review")


def test_the_dispatchers_own_404_is_plain_text(make_party: MakeParty) -> None:
    response = Client(make_party(RouteDispatcher({"new": new()}))).get("/nowhere")
    assert response.status == "404 Not Found"
    assert response.get_data() == b"404 Not Found\n"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
