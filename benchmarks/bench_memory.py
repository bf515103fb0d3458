"""The memory of links: cost per link as the distinct links grow, and bytes held.

Run with ``python -m benchmarks.bench_memory``. A Flask shop builds links to
a Flask blog's post route inside a real request of the shop, cycling through
200 distinct links on one side and 3,000 on the other (both fit the default
bound, so the ratio shows whether more links make each one dearer). Then
the memory a party holds after 600 links of 64 KiB each (a view that
redirects to ``party_url(..., q=form["q"])``), and after 20,000 short ones,
measured with :mod:`tracemalloc`.
"""

from __future__ import annotations

import gc
import itertools
import tracemalloc
import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from benchmarks.bench_urls import _request_context, flask_apps
from benchmarks.harness import compare
from wsgi_party import WSGIParty


def _cycling_links(context: t.Any, count: int) -> t.Callable[[], object]:
    from wsgi_party.flask import party_url

    ids = itertools.cycle(range(count))
    run = context.run
    return lambda: run(party_url, "blog:post", id=next(ids))


def _held_after(party: WSGIParty, build: t.Callable[[WSGIParty], None]) -> float:
    """MiB still allocated after ``build(party)``, as tracemalloc counts it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        build(party)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / 2**20
    finally:
        tracemalloc.stop()


def _long_links(party: WSGIParty) -> None:
    big = "x" * (64 * 1024)
    for i in range(600):
        party.url_for("blog:post", id=3, q=f"{i}{big}")


def _short_links(party: WSGIParty) -> None:
    for i in range(20_000):
        party.url_for("blog:post", id=i)


def main() -> None:
    shop, blog = flask_apps()
    with WSGIParty(DispatcherMiddleware(shop, {"/blog": blog})) as party:
        context = _request_context(party, shop)
        for count in (200, 3000):  # remember them all first
            for _ in range(count):
                _cycling_links(context, count)()
        compare(
            "link cost: 3,000 distinct links vs 200",
            _cycling_links(context, 3000),
            _cycling_links(context, 200),
            target=2.0,
        )
        for label, build in (("600 links of 64 KiB", _long_links), ("20,000 links", _short_links)):
            party.clear_url_cache()
            held = _held_after(party, build)
            print(
                f"{'memory held after ' + label:<58} {held:10.2f} MiB"
                f"   (target ≤ 10 MiB: {'met' if held <= 10 else 'NOT met'})",
                flush=True,
            )


if __name__ == "__main__":
    main()
