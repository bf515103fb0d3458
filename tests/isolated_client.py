"""A werkzeug test ``Client`` for a WSGI app that needs a process of its own.

Django allows one settings module per process, and the suite's process has
``tests.django_site``; a site with a Django project of its own (the migration
demo) is therefore imported in a child process, and driven from the tests
with werkzeug's test client there, one request at a time::

    with IsolatedClient("examples.migration.site:application", env={...}) as site:
        reply = site.get("/blog/")                   # a Client per browser name,
        site.post("/accounts/login/", data={...}, browser="alice")   # with its cookies
        site.routes()                                # [(member, endpoint, rule), ...]

The child is ``python -m tests.isolated_client TARGET``; it reads one JSON
command per line on stdin and answers one JSON line on stdout. Every answer
is awaited at most ``timeout`` seconds; the child's log (stderr) is in the
error when anything goes wrong.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import subprocess
import sys
import tempfile
import traceback
import typing as t
from dataclasses import dataclass
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

REPO = Path(__file__).resolve().parent.parent


class IsolatedClientError(AssertionError):
    """The child failed or did not answer (its log is in the message)."""


@dataclass
class Reply:
    """A response, as the test client saw it."""

    status: int
    headers: dict[str, str]
    text: str
    #: The path (and query) of the request that produced this response,
    #: after redirects when they were followed.
    path: str
    #: Statuses of the redirects followed on the way, in order.
    redirects: list[int]


class IsolatedClient:
    """Drives ``target`` (``module:attribute``) with werkzeug's Client in a child."""

    def __init__(
        self, target: str, *, env: Mapping[str, str] | None = None, timeout: float = 60.0
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()

    def start(self) -> IsolatedClient:
        """Start the child and wait until the target is imported."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.isolated_client", self.target],
            cwd=REPO,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self._call({"op": "ready"})
        return self

    def close(self) -> None:
        """End the child (closing its party) and forget its log."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        self._log.close()

    def __enter__(self) -> IsolatedClient:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def log(self) -> str:
        """What the child wrote to stderr so far."""
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.seek(0, os.SEEK_END)
        return text

    # -- requests ----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        browser: str = "default",
        data: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
    ) -> Reply:
        """One request with the test client named ``browser`` (cookies kept)."""
        answer = self._call(
            {
                "op": "request",
                "browser": browser,
                "method": method,
                "path": path,
                "data": dict(data) if data is not None else None,
                "follow_redirects": follow_redirects,
            }
        )
        return Reply(**answer)

    def get(self, path: str, **options: t.Any) -> Reply:
        """``request("GET", path, ...)``."""
        return self.request("GET", path, **options)

    def post(self, path: str, **options: t.Any) -> Reply:
        """``request("POST", path, ...)``."""
        return self.request("POST", path, **options)

    def routes(self) -> list[tuple[str, str, str]]:
        """Every member's routes, asked of the party: (member, endpoint, rule)."""
        return [(member, endpoint, rule) for member, endpoint, rule in self._call({"op": "routes"})]

    def members(self) -> list[tuple[str, str]]:
        """The party's members: (name, mount)."""
        return [(name, mount) for name, mount in self._call({"op": "members"})]

    def _call(self, command: dict[str, t.Any]) -> t.Any:
        process = self.process
        assert process is not None and process.stdin and process.stdout, "not started"
        try:
            process.stdin.write(json.dumps(command).encode() + b"\n")
            process.stdin.flush()
        except OSError:
            raise IsolatedClientError(f"the child has gone:\n{self.log()}") from None
        readable, _, _ = select.select([process.stdout], [], [], self.timeout)
        line = process.stdout.readline() if readable else b""
        if not line:
            raise IsolatedClientError(
                f"no answer to {command['op']!r} within {self.timeout} s"
                f" (exit status {process.poll()}):\n{self.log()}"
            )
        answer = json.loads(line)
        if "error" in answer:
            raise IsolatedClientError(f"{command!r} failed in the child:\n{answer['error']}")
        return answer["ok"]


# -- the child ----------------------------------------------------------------------


def _load(target: str) -> t.Any:
    module_name, _, attribute = target.partition(":")
    obj: t.Any = importlib.import_module(module_name)
    for part in (attribute or "application").split("."):
        obj = getattr(obj, part)
    return obj


def _serve(application: t.Any, commands: t.IO[str], channel: t.IO[str]) -> None:
    from werkzeug.test import Client

    browsers: dict[str, Client] = {}

    def answer(command: dict[str, t.Any]) -> t.Any:
        op = command["op"]
        if op == "ready":
            return True
        if op == "members":
            return [[m.name, m.script_name] for m in application.members]
        if op == "routes":
            return [
                [route.member, route.endpoint, route.rule]
                for member in application.members
                if "routes" in member.services
                for route in application.ask(member.name, "routes", None)
            ]
        if op == "request":
            client = browsers.setdefault(command["browser"], Client(application))
            response = client.open(
                command["path"],
                method=command["method"],
                data=command["data"],
                follow_redirects=command["follow_redirects"],
            )
            environ = response.request.environ
            query = environ.get("QUERY_STRING", "")
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            return {
                "status": response.status_code,
                "headers": {k.lower(): v for k, v in response.headers.items()},
                "text": response.get_data(as_text=True),
                "path": f"{path}?{query}" if query else path,
                "redirects": [r.status_code for r in response.history],
            }
        raise ValueError(f"unknown op {op!r}")

    for line in commands:
        command = json.loads(line)
        try:
            reply = {"ok": answer(command)}
        except Exception:  # noqa: BLE001 - reported to the parent, which raises
            reply = {"error": traceback.format_exc()}
        channel.write(json.dumps(reply) + "\n")
        channel.flush()


def main(argv: list[str]) -> int:
    """The child: import the target, then answer commands until stdin closes."""
    # The answers go to the original stdout; anything else printed (by the
    # target or by Django) goes to stderr, where it cannot garble them.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    application = _load(argv[0])
    try:
        _serve(application, sys.stdin, channel)
    finally:
        close = getattr(application, "close", None)
        if close is not None:
            close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
