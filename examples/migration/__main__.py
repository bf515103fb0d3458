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
import typing as t

HOST = "127.0.0.1"


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
    server = create_server(application, host=HOST, port=args.port, threads=args.threads)
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
