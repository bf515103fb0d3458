"""Parties that cannot bootstrap."""

from __future__ import annotations

import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Rule

from wsgi_party import WSGIParty

from ._members import map_member, stranger

#: Two members choose the same name: bootstrapping raises InvitationError.
twins = WSGIParty(
    DispatcherMiddleware(
        map_member("a", [Rule("/", endpoint="a")], name="twin"),
        {"/b": map_member("b", [Rule("/", endpoint="b")], name="twin")},
    ),
    lazy=True,
)

#: Nobody joins: the only app has no invite route.
lonely = WSGIParty(stranger, lazy=True)

#: A dispatcher whose members are fine; wrapping it a second time while
#: ``first`` is open makes every member decline the second party.
shared = DispatcherMiddleware(map_member("one", [Rule("/", endpoint="one")], name="one"), {})
first = WSGIParty(shared)


def reports(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    """An app whose invite route raises (its database is down)."""
    raise RuntimeError("the reports database is down")


#: A lazy party with one broken member: the shop joins, the reports app fails.
one_broken = WSGIParty(
    DispatcherMiddleware(map_member("shop", [Rule("/", endpoint="index")]), {"/reports": reports}),
    lazy=True,
)
