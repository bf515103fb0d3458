"""Invite paths without a leading slash are invite paths too.

waitress and Werkzeug's server pass ``PATH_INFO="__invite__/"`` for the
request targets ``__invite__/`` and ``x:__invite__/``; gunicorn passes the
rest of a path glued to its ``SCRIPT_NAME`` (``/mnt__invite__/`` under
``/mnt``). Werkzeug's router reads such a path as ``/__invite__/``, so a
Flask app the party wraps directly would route it to its invite rule: a
``PROPFIND`` got 405 with an ``Allow`` header naming the route's methods.
The party answers each such request itself: its own 404, for every method,
with no ``Allow``.
"""

from __future__ import annotations

import socket
import threading
import typing as t

import flask
import pytest
from werkzeug.test import create_environ, run_wsgi_app

from tests.apps import werkzeug_member
from wsgi_party import RouteDispatcher, WSGIParty
from wsgi_party.flask import FlaskParty

MakeParty = t.Callable[..., WSGIParty]

#: PATH_INFO as servers pass it for a request target with no leading slash.
UNSLASHED = ["__invite__/", "__invite__", "__INVITE__/", "%5F%5Finvite__/", "__invite__//x"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PROPFIND", "PATCH"]

#: What the party itself answers for an invite path.
PARTYS_404 = b"404 Not Found\n"


def flask_app() -> flask.Flask:
    app = flask.Flask("tests.guard_without_slash")

    @app.route("/page")
    def page() -> str:
        return "flask page"

    FlaskParty(app, name="flask")
    return app


def sites() -> dict[str, t.Callable[[], t.Any]]:
    return {
        "flask": flask_app,
        "dispatcher": lambda: RouteDispatcher(
            {"wz": werkzeug_member("wz", name="wz"), "flask": flask_app()}, default="flask"
        ),
    }


def ask(party: WSGIParty, method: str, path_info: str, script_name: str = "") -> t.Any:
    environ = create_environ("/", method=method)
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = path_info
    body, status, headers = run_wsgi_app(party, environ, buffered=True)
    return status, headers, b"".join(body)


@pytest.mark.parametrize("site", list(sites()))
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_a_path_without_a_leading_slash_gets_the_partys_404_for_every_method(
    make_party: MakeParty, site: str, lazy: bool
) -> None:
    party = make_party(sites()[site](), lazy=lazy)
    for method in METHODS:
        for path_info in UNSLASHED:
            for script_name in ("", "/mnt"):  # gunicorn glues it to /mnt
                status, headers, body = ask(party, method, path_info, script_name)
                where = (method, script_name, path_info)
                assert status == "404 Not Found", where
                assert "Allow" not in headers, where
                assert body == (b"" if method == "HEAD" else PARTYS_404), where
    # The site itself still serves, slash or no slash.
    assert ask(party, "GET", "/page")[2] == b"flask page"
    assert ask(party, "GET", "page")[0] == "200 OK"


def test_a_real_server_answers_unslashed_invite_targets_with_the_partys_404(
    make_party: MakeParty,
) -> None:
    from waitress.server import create_server

    party = make_party(flask_app())
    server = create_server(party, host="127.0.0.1", port=0, threads=2)
    port = server.effective_port  # type: ignore[union-attr]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()

    def raw(method: str, target: str) -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
            sock.sendall(f"{head}\r\n\r\n".encode())
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    try:
        for method in ("GET", "PROPFIND", "OPTIONS"):
            for target in ("__invite__/", "x:__invite__/", "__invite__"):
                head, _, body = raw(method, target).partition(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 404 "), (method, target, head)
                assert b"\r\nallow:" not in head.lower(), (method, target, head)
                assert body == PARTYS_404, (method, target, body)
        assert raw("GET", "/page").endswith(b"flask page")
    finally:
        server.trigger.pull_trigger(server.close)  # type: ignore[union-attr]
        runner.join(timeout=10)
    assert not runner.is_alive()
