"""The public seam for integrations: a framework joins through ``Membership``.

A toy framework (a dict of routes) becomes a member with nothing but
:mod:`wsgi_party.integration`, as the module's docstring shows; the services
its hooks answer are offered and the others are not; given services replace
standard ones; the membership follows the party's close; and the helpers
tell invitations apart and copy another member's environ safely.
"""

from __future__ import annotations

import io
import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, create_environ

from wsgi_party import (
    HighAndDry,
    Identity,
    Match,
    NoAnswer,
    PartylineOperator,
    Pong,
    WSGIParty,
    partyline,
)
from wsgi_party.integration import (
    Membership,
    invited_operator,
    member_environ,
    no_such_endpoint,
    request_scope,
)

MakeParty = t.Callable[..., WSGIParty]


class Toy:
    """A framework of one dict: endpoint -> path."""

    def __init__(self, routes: dict[str, str]) -> None:
        self.routes = routes

    def __call__(self, environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [partyline.url_for("other:page").encode()]


class ToyMembership(Membership):
    def __init__(self, toy: Toy, name: str, **extra: t.Any) -> None:
        super().__init__(toy, name)
        self.toy = toy
        self.extra = extra

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            return self.toy.routes[endpoint]
        except KeyError:
            raise no_such_endpoint(self.name, endpoint) from None

    def builds_purely(self, endpoint: str) -> bool:
        return True

    def list_routes(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(endpoint, path, ("GET",)) for endpoint, path in self.toy.routes.items()]

    def given_services(self) -> dict[str, t.Any]:
        return dict(self.extra)


def door(membership: Membership, app: t.Any) -> t.Any:
    def application(environ: t.Any, start_response: t.Any) -> list[bytes]:
        operator = invited_operator(environ)
        if operator is not None:
            status, body = membership.accept(operator)
            start_response(status, [("Content-Type", "text/plain")])
            return [body.encode()]
        if membership.operator is None:
            return t.cast("list[bytes]", app(environ, start_response))
        with request_scope(membership.operator, environ):
            return t.cast("list[bytes]", app(environ, start_response))

    return application


def test_a_framework_joins_through_the_public_seam(make_party: MakeParty) -> None:
    shop = ToyMembership(Toy({"home": "/"}), "shop")
    other = ToyMembership(Toy({"page": "/page"}), "other")
    party = make_party(
        DispatcherMiddleware(door(shop, shop.toy), {"/other": door(other, other.toy)})
    )
    assert [m.name for m in party.members] == ["shop", "other"]
    # What its hooks answer is offered; identity and layout are not.
    assert party.member("shop").services == ("url", "ping", "routes")
    assert party.url_for("other:page") == "/other/page"
    assert party.ask("shop", "ping", None) == Pong("shop")
    assert [r.rule for r in party.ask("other", "routes", None)] == ["/other/page"]
    assert Client(party).get("/").text == "/other/page"  # partyline in the toy's request


def test_given_services_replace_the_standard_ones(make_party: MakeParty) -> None:
    toy = ToyMembership(Toy({"home": "/"}), "toy", ping=lambda payload: "mine")
    party = make_party(door(toy, toy.toy))
    assert party.ask_around("ping", None) == ["mine"]


def test_identity_and_layout_are_offered_by_their_hooks(make_party: MakeParty) -> None:
    class Owner(ToyMembership):
        fragments = ("header",)

        def identity(self) -> Identity | None:
            return Identity("7", "alice")

        def render_fragment(self, name: str) -> str:
            return f"<{name}>"

    owner = Owner(Toy({}), "owner")
    party = make_party(door(owner, owner.toy))
    assert party.ask_first("identity", None) == Identity("7", "alice")
    assert party.ask_first("layout", "header") == "<header>"
    with pytest.raises(NoAnswer, match=r"'footer' \(it has: 'header'\)") as caught:
        party.ask("owner", "layout", "footer")
    assert isinstance(caught.value.__cause__, HighAndDry)  # the member's own reason


def test_the_membership_follows_the_party(make_party: MakeParty) -> None:
    left: list[PartylineOperator] = []

    class Leaving(ToyMembership):
        def left(self, operator: PartylineOperator) -> None:
            left.append(operator)

    toy = Leaving(Toy({"home": "/"}), "toy")
    first = WSGIParty(door(toy, toy.toy))
    operator = toy.operator
    assert operator is not None
    second = make_party(door(toy, toy.toy))
    assert second.members == ()  # one live party per holder
    assert "already member 'toy'" in second.declined[0].reason
    first.close()
    assert toy.operator is None and left == [operator]
    third = make_party(door(toy, toy.toy))
    assert [m.name for m in third.members] == ["toy"]


def test_invited_operator_needs_the_invite_path_and_a_real_operator() -> None:
    operator = PartylineOperator(t.cast("WSGIParty", None))
    assert invited_operator({"PATH_INFO": "/__invite__/", "partyline": operator}) is operator
    assert invited_operator({"PATH_INFO": "/__invite__", "partyline": operator}) is operator
    assert invited_operator({"PATH_INFO": "/other/", "partyline": operator}) is None
    assert invited_operator({"PATH_INFO": "/__invite__/", "partyline": "forged"}) is None
    assert invited_operator({"PATH_INFO": "/__invite__/"}) is None


def test_member_environ_copies_without_the_body_and_relocates() -> None:
    environ = create_environ("/blog/post/3", "http://h.example/site", data=b"secret")
    environ["SCRIPT_NAME"] = "/site/blog"
    environ["PATH_INFO"] = "/post/3"
    copied = member_environ(environ, "/admin", party_root="/site")
    assert copied["SCRIPT_NAME"] == "/site/admin" and copied["PATH_INFO"] == "/"
    assert copied["wsgi.input"].read() == b"" and copied["CONTENT_LENGTH"] == "0"
    assert environ["SCRIPT_NAME"] == "/site/blog"
    assert environ["wsgi.input"].read() == b"secret"  # the asker's body is untouched
    inside = member_environ(environ, "/blog", party_root="/site")
    assert inside["SCRIPT_NAME"] == "/site/blog" and inside["PATH_INFO"] == "/post/3"
    same = member_environ(environ)
    assert same["SCRIPT_NAME"] == "/site/blog" and isinstance(same["wsgi.input"], io.BytesIO)


def test_match_is_offered_when_the_hook_is(make_party: MakeParty) -> None:
    class Matching(ToyMembership):
        def match(self, method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
            return ("home", True, ()) if path == "/" else None

    toy = Matching(Toy({"home": "/"}), "toy")
    party = make_party(door(toy, toy.toy))
    answer = party.ask("toy", "match", ("GET", "/"))
    assert isinstance(answer, Match) and answer.endpoint == "home"
