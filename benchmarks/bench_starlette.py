"""FastAPI in the party: what a request and a link to it cost.

Run with ``python -m benchmarks.bench_starlette``; with ``--count`` it
counts instructions per request under valgrind instead (a few minutes).

* A request for a FastAPI endpoint (``async def`` and plain ``def``) through
  ``WSGIParty(DispatcherMiddleware(flask, {"/api": StarletteMember(api)}))``
  against the same request to the same kind of app mounted the same way
  without the party, through a2wsgi's own ``ASGIMiddleware`` (target: at most
  1.05). Both run the app on an a2wsgi event loop in a thread of its own, so
  most of either is the hop between threads, and wall time depends on how
  soon the machine schedules them: each is also timed in CPU time (of all
  threads of the process), which other processes do not inflate.
* A link from a Flask request to a FastAPI route, with
  ``wsgi_party.flask.party_url("api:item", id=3)``, against Starlette
  building the same route's path itself, ``app.url_path_for("item", id=3)``
  (target: at most 1.00).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from pathlib import Path

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ

from benchmarks.bench_urls import _request_context
from benchmarks.harness import Result, compare
from wsgi_party import WSGIParty

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The repository root, where the counted processes run.
ROOT = Path(__file__).resolve().parent.parent


def fastapi_app() -> t.Any:
    """A FastAPI app with one ``async def`` and one ``def`` endpoint."""
    from fastapi import FastAPI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/items/{id}", name="item")
    async def item(id: int) -> dict[str, int]:
        return {"id": id}

    @app.get("/sync/{id}", name="sync_item")
    def sync_item(id: int) -> dict[str, int]:
        return {"id": id}

    return app


def flask_app() -> t.Any:
    """The Flask app at the root of both sites, a member of the party's."""
    import flask

    from wsgi_party.flask import FlaskParty

    shop = flask.Flask("shop")
    shop.add_url_rule("/", "index", lambda: "shop")
    FlaskParty(shop, name="shop")
    return shop


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
    return None


def _call(app: t.Any, template: dict[str, t.Any]) -> bytes:
    """One request to the WSGI ``app``, its whole body read and the response closed."""
    response = app(template.copy(), _start_response)
    try:
        return b"".join(response)
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()


def _loop_thread() -> tuple[asyncio.AbstractEventLoop, Callable[[], None]]:
    """An event loop running in a thread of its own, and how to stop it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="a2wsgi-baseline", daemon=True)
    thread.start()

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    return loop, stop


class Sites:
    """The party's site and the plain a2wsgi site, side by side (a context manager)."""

    def __init__(self) -> None:
        from a2wsgi import ASGIMiddleware

        from wsgi_party.starlette import StarletteMember

        self.api = fastapi_app()
        shop = flask_app()
        self.party = WSGIParty(
            DispatcherMiddleware(shop, {"/api": StarletteMember(self.api, name="api")})
        )
        #: The context of a request of the Flask app, as its view saw it.
        self.flask_side = _request_context(self.party, shop)
        loop, self._stop = _loop_thread()
        self.plain = DispatcherMiddleware(
            flask_app(), {"/api": ASGIMiddleware(fastapi_app(), loop=loop)}
        )

    def close(self) -> None:
        self.party.close()
        self._stop()

    def __enter__(self) -> Sites:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def requests(sites: Sites, *, quiet: bool = False, rounds: int = 25) -> list[Result]:
    """A FastAPI endpoint through the party against the same through plain a2wsgi."""
    results = []
    for path, kind in (("/api/items/3", "async def"), ("/api/sync/3", "def")):
        template = create_environ(path, "http://localhost/")
        party_body, plain_body = _call(sites.party, template), _call(sites.plain, template)
        assert party_body == plain_body == b'{"id":3}', (party_body, plain_body)
        for clock, unit in ((time.perf_counter_ns, "wall"), (time.process_time_ns, "CPU")):
            results.append(
                compare(
                    f"FastAPI {kind} endpoint, {unit} time: party vs plain a2wsgi",
                    lambda template=template: _call(sites.party, template),
                    lambda template=template: _call(sites.plain, template),
                    target=1.05,
                    quiet=quiet,
                    rounds=rounds,
                    clock=clock,
                )
            )
    return results


def links(sites: Sites, *, quiet: bool = False, rounds: int = 25) -> Result:
    """Flask's ``party_url`` to a FastAPI route against Starlette's ``url_path_for``."""
    from wsgi_party.flask import party_url

    flask_side = sites.flask_side
    link = flask_side.run(party_url, "api:item", id=3)
    assert link == "/api" + sites.api.url_path_for("item", id=3) == "/api/items/3", link
    url_path_for = sites.api.url_path_for
    return compare(
        "Flask -> FastAPI: party_url vs Starlette's url_path_for",
        lambda: flask_side.run(party_url, "api:item", id=3),
        lambda: url_path_for("item", id=3),
        target=1.0,
        quiet=quiet,
        rounds=rounds,
    )


def run(*, quiet: bool = False, rounds: int = 25) -> Iterator[Result]:
    """Every comparison of this module, each printed unless ``quiet``."""
    with Sites() as sites:
        yield from requests(sites, quiet=quiet, rounds=rounds)
        yield links(sites, quiet=quiet, rounds=rounds)


#: The endpoints compared, by kind.
PATHS = {"async def": "/api/items/3", "def": "/api/sync/3"}
#: Requests sent to the counted side before counting starts to matter.
WARM_UP = 20


def _send(side: str, path: str, requests: int) -> None:
    """Build both sites; send ``path`` to one side ``WARM_UP + requests`` times."""
    with Sites() as sites:
        app = sites.party if side == "party" else sites.plain
        template = create_environ(path, "http://localhost/")
        for _ in range(WARM_UP + requests):
            _call(app, template)


def _instructions(side: str, path: str, requests: int) -> int:
    """Instructions of a whole process (every thread) that sends ``requests`` to ``side``."""
    with tempfile.TemporaryDirectory() as out:
        output = Path(out) / "callgrind.out"
        command = (
            f"from benchmarks import bench_starlette as b; b._send({side!r}, {path!r}, {requests})"
        )
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={output}",
                sys.executable,
                "-c",
                command,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=True,
            capture_output=True,
        )
        for line in output.read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no instruction count in callgrind's output for {side} {path}")


def count(requests: int = 200) -> dict[str, tuple[float, float]]:
    """Instructions per request, party and plain a2wsgi, by endpoint kind (needs valgrind).

    Each side runs in a process of its own under ``valgrind --tool=callgrind``
    with ``requests`` requests and with none: the difference over
    ``requests`` is what one request costs, both threads included.
    """
    counts = {}
    for kind, path in PATHS.items():
        per_request = []
        for side in ("party", "plain"):
            total = _instructions(side, path, requests) - _instructions(side, path, 0)
            per_request.append(total / requests)
        party, plain = per_request
        counts[kind] = (party, plain)
        print(
            f"FastAPI {kind} endpoint, instructions per request: party vs plain a2wsgi"
            f"   {party:,.0f} vs {plain:,.0f}   ratio {party / plain:.3f}",
            flush=True,
        )
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_starlette")
    parser.add_argument(
        "--count",
        action="store_true",
        help="count instructions per request under valgrind instead of timing",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests counted per side")
    options = parser.parse_args(argv)
    if options.count:
        count(options.requests)
        return
    for _result in run():
        pass


if __name__ == "__main__":
    main()
