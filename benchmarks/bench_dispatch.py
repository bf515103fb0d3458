"""Route-level dispatch overhead: RouteDispatcher vs the legacy app alone.

Run with ``python -m benchmarks.bench_dispatch``. A request for a legacy route
goes through ``WSGIParty(RouteDispatcher({"new": ..., "legacy": ...}))``;
the baseline is the same request to the legacy app called directly. The
added cost is compared with the cost of one route match of the new app (the
floor: the dispatcher must ask the new app whether it claims the request),
for a new app holding 1 and 200 moved routes.
"""

from __future__ import annotations

import typing as t

from werkzeug.routing import Map, Rule
from werkzeug.test import create_environ

from benchmarks.harness import compare
from wsgi_party import PartyMember, RouteDispatcher, WSGIParty


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
    return None


def _legacy_app() -> t.Callable[..., t.Any]:
    url_map = Map([Rule("/products/", endpoint="products"), Rule("/cart/", endpoint="cart")])

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        url_map.bind_to_environ(environ).match()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"legacy"]

    app.url_map = url_map  # type: ignore[attr-defined]
    return app


def _new_app(moved: int) -> t.Callable[..., t.Any]:
    rules = [Rule(f"/moved{i}/<int:id>", endpoint=f"moved{i}") for i in range(moved)]
    url_map = Map(rules)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"new"]

    app.url_map = url_map  # type: ignore[attr-defined]
    return app


def dispatch_overhead(moved: int) -> None:
    legacy, new = _legacy_app(), _new_app(moved)
    party = WSGIParty(
        RouteDispatcher({"new": PartyMember(new), "legacy": PartyMember(legacy)}, default="legacy")
    )
    template = create_environ("/cart/")

    def through_party() -> object:
        return party(template.copy(), _start_response)

    def legacy_alone() -> object:
        return legacy(template.copy(), _start_response)

    adapter = new.url_map.bind("localhost")  # type: ignore[attr-defined]

    def one_match() -> object:
        try:
            return adapter.match("/cart/", "GET")
        except Exception:  # noqa: BLE001 - NotFound is the expected outcome
            return None

    def legacy_and_one_match() -> object:
        one_match()
        return legacy(template.copy(), _start_response)

    result = compare(
        f"RouteDispatcher, {moved} moved routes: party vs legacy alone",
        through_party,
        legacy_alone,
    )
    floor = compare(
        "  ... vs legacy alone + one match of the new app",
        through_party,
        legacy_and_one_match,
        quiet=True,
    )
    added = floor.subject_ns - floor.baseline_ns
    verdict = "met" if added <= 1000 else "NOT met"
    print(
        f"{'':58} added {result.subject_ns - result.baseline_ns:+.0f} ns in all;"
        f" beyond one route match {added:+.0f} ns (target ≤ +1000 ns: {verdict})"
    )
    party.close()


def main() -> None:
    for moved in (1, 200):
        dispatch_overhead(moved)


if __name__ == "__main__":
    main()
