"""Serve the migration demo with waitress: ``python -m examples.migration``.

::

    python -m examples.migration               # http://127.0.0.1:8000/
    python -m examples.migration --port 8080   # or PORT=8080
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HOST = "127.0.0.1"

#: One line per request, on standard output (waitress itself logs none).
access_log = logging.getLogger("examples.migration.access")


class AccessLog:
    """WSGI middleware: log each request in the common log format, plus its time.

    ``127.0.0.1 - - [02/Dec/2026:09:15:02 +0000] "GET /blog/ HTTP/1.1" 200 1843 4.1ms``
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        response: list[str] = []

        def logged_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            length = next((v for k, v in headers if k.lower() == "content-length"), "-")
            response[:] = [status.split(" ", 1)[0], length]
            return start_response(status, headers, exc_info)

        body = self.app(environ, logged_start_response)
        status, length = response or ["-", "-"]
        query = environ.get("QUERY_STRING")
        target = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        target += f"?{query}" if query else ""
        request = f"{environ['REQUEST_METHOD']} {target} {environ.get('SERVER_PROTOCOL', '-')}"
        access_log.info(
            '%s - - [%s] "%s" %s %s %.1fms',
            environ.get("REMOTE_ADDR", "-"),
            time.strftime("%d/%b/%Y:%H:%M:%S %z"),
            request,
            status,
            length,
            (time.perf_counter() - started) * 1000,
        )
        return body


def main(argv: t.Sequence[str] | None = None) -> int:
    """Serve the site on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.migration", description="Serve the wsgi_party migration demo."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="port on 127.0.0.1 (default: $PORT, else 8000)",
    )
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (default: 8)")
    args = parser.parse_args(argv)

    from waitress.server import create_server

    from .data import PASSWORD, USERNAME
    from .legacy.wsgi import DATABASE
    from .site import application

    logging.basicConfig()  # waitress reports its warnings through logging
    to_stdout = logging.StreamHandler(sys.stdout)
    to_stdout.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(to_stdout)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
    server = create_server(AccessLog(application), host=HOST, port=args.port, threads=args.threads)
    members = ", ".join(f"{m.name} ({m.script_name or '/'})" for m in application.members)
    print(f"database: {DATABASE}")
    print(f"members: {members}")
    print(f"Serving the migration demo on http://{HOST}:{args.port}/", flush=True)
    print(f"Log in as {USERNAME} / {PASSWORD}. Press CTRL+C to quit.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        application.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
