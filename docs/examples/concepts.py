"""Concepts: invitations, members, services, and the four ways to ask.

``python docs/examples/concepts.py`` runs every claim below as an assertion.
"""

from __future__ import annotations

import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import (
    HighAndDry,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    PartylineOperator,
    PartyMember,
    WSGIParty,
)


def text_app(text: str) -> t.Callable[..., list[bytes]]:
    """A tiny WSGI app (each member must be its own app object)."""

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [text.encode()]

    return app


# [start-invite]
class DoItYourselfApp:
    """A WSGI app that answers its invitation by hand, as integrations do."""

    operator: PartylineOperator | None = None

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if isinstance(operator, PartylineOperator) and environ["PATH_INFO"] == "/__invite__/":
            if operator.join(self, name="diy"):
                operator.connect("greeting", lambda payload: f"hello {payload} from diy")
                self.operator = operator
                operator.on_close(lambda: setattr(self, "operator", None))
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"joined"]
            start_response("409 Conflict", [("Content-Type", "text/plain")])
            return [(operator.declined or "declined").encode()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"diy"]


# [end-invite]


# [start-services]
def only_numbers(payload: object) -> int:
    if not isinstance(payload, int):
        raise HighAndDry("not a number: not mine")  # skip me, ask the next one
    return payload * 2


shop = PartyMember(
    text_app("shop"), name="shop", services={"greeting": lambda p: f"hello {p} from shop"}
)
blog = PartyMember(
    text_app("blog"),
    name="blog",
    services={"greeting": lambda p: f"hello {p} from blog", "double": only_numbers},
)
diy = DoItYourselfApp()

party = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog, "/diy": diy}))
# [end-services]

# [start-members]
assert [(m.name, m.script_name) for m in party.members] == [
    ("shop", ""),
    ("blog", "/blog"),
    ("diy", "/diy"),
]
assert party.member("blog").services == ("greeting", "double", "ping")
assert party.declined == ()
# [end-members]

# [start-ask]
# ask_around: every handler, in join order.
assert party.ask_around("greeting", "you") == [
    "hello you from shop",
    "hello you from blog",
    "hello you from diy",
]
# A handler that raises HighAndDry is skipped.
assert party.ask_around("double", 21) == [42]
assert party.ask_around("double", "21") == []
# ask_first: stops at the first answer.
assert party.ask_first("greeting", "you") == "hello you from shop"
# ask: one named member, whatever the size of the party.
assert party.ask("diy", "greeting", "you") == "hello you from diy"
# An app never hears itself: asking through the diy operator skips diy.
assert diy.operator is not None
assert diy.operator.ask_around("greeting", "me") == [
    "hello me from shop",
    "hello me from blog",
]
# Integrations and PartyMember answer ping with the member's name (diy did not connect it).
assert [pong.member for pong in party.ask_around("ping", None)] == ["shop", "blog"]
# [end-ask]

# [start-errors]
try:
    party.ask_around("weather", None)
except NoSuchServiceName as exc:
    assert "'weather'" in str(exc)
try:
    party.ask_first("double", "not a number")
except NoAnswer as exc:
    assert "nobody answered 'double'" in str(exc)
try:
    party.ask("cart", "greeting", None)
except NoSuchMember as exc:
    assert "no member is named 'cart'" in str(exc)

relaxed = WSGIParty(text_app("nobody"), invites=(), ignore_missing_services=True)
assert relaxed.ask_around("weather", None) == []
relaxed.close()
# [end-errors]

# [start-close]
party.close()
assert diy.operator is None and shop.operator is None
with WSGIParty(DispatcherMiddleware(shop, {"/blog": blog, "/diy": diy})) as again:
    assert len(again.members) == 3
# [end-close]
