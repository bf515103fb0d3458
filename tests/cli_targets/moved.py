"""A migration whose new owner answers for legacy names (``wsgi-party routes`` shows them).

``new`` took ``explore`` over from ``legacy``, which no longer has it, and
declares the names old links use; the party moves one more name itself.
``conflict`` declares one legacy name twice; in ``claimed`` a member claims a prefix.
"""

from __future__ import annotations

from werkzeug.routing import Rule

from wsgi_party import RouteDispatcher, WSGIParty

from ._members import map_member


def make_site() -> RouteDispatcher:
    new = map_member("new", [Rule("/explore/<topic>", endpoint="explore", methods=["GET"])])
    new.aliases = {"legacy:main.explore": "explore", "main.explore": "explore", "gone": "nope"}
    legacy = map_member("legacy", [Rule("/", endpoint="main.home")])
    return RouteDispatcher({"new": new, "legacy": legacy}, default="legacy")


application = WSGIParty(make_site(), lazy=True, moved={"legacy:main.search": "new:explore"})

conflict = WSGIParty(make_site(), lazy=True, moved={"main.explore": "new:explore"})


def claiming_site() -> RouteDispatcher:
    """``new`` serves ``/assets`` outside its router, over a legacy route there."""
    new = map_member("new", [Rule("/about", endpoint="about")])
    legacy = map_member(
        "legacy", [Rule("/", endpoint="home"), Rule("/assets/logo.png", endpoint="logo")]
    )
    return RouteDispatcher(
        {"new": new, "legacy": legacy}, default="legacy", claims={"new": ["/assets/"]}
    )


claimed = WSGIParty(claiming_site(), lazy=True)
