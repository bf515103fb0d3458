"""Real servers for the tests: start one on 127.0.0.1, put bounded load on it.

Start a server as a context manager; ``{port}``, ``{host}`` and ``{bind}`` in
its command line are filled with a free port on 127.0.0.1::

    with Server(["gunicorn", "-w", "4", "-b", "{bind}", "tests.sites.eager:application"]) as server:
        result = load(server.port, lambda i: f"/page?n={i}", threads=4, requests=50)
        assert result.errors == []
    print(server.log())

The server runs from the repository root, in its own process group. It is
ready when it answers any HTTP request for ``ready_path`` (by default an invite
path, which the party answers with 404 without bootstrapping), within
``startup_timeout`` seconds; when it exits before, :class:`ServerError` carries
its log. Leaving the block terminates it (then kills it, and anything left in
its process group). Nothing here ever listens or connects beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

#: The repository root: servers run here so that ``tests.sites...`` imports.
REPO = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """The server did not come up (its log is in the message)."""


def find_command(name: str) -> str | None:
    """The console script ``name`` of this Python's environment, else the one on PATH.

    A virtual environment's scripts sit next to its interpreter, and are on
    PATH only when it is activated (not under tox, nor ``venv/bin/python``).
    """
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def uvicorn(target: str, *options: str) -> list[str]:
    """The command line of uvicorn serving the ASGI app ``target`` on ``{bind}``.

    ``options`` come before the target, e.g. ``uvicorn("tests.sites.asgi:lazy",
    "--factory", "--workers", "2")``. uvicorn runs as ``python -m uvicorn`` of
    this Python, so it is the one installed beside wsgi_party.
    """
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "{host}",
        "--port",
        "{port}",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "2",
        *options,
        target,
    ]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    """One HTTP response."""

    status: int
    body: bytes
    headers: dict[str, str]
    #: Seconds from sending the request to reading the whole body.
    duration: float
    #: The index the load client gave the request (0 outside :func:`load`).
    index: int = 0


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    """Send one request to 127.0.0.1:``port`` on a fresh connection.

    ``path`` is sent exactly as given (it may be percent-encoded on purpose).
    """
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host="Host" in (headers or {}))
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Reply(
            response.status,
            data,
            {k.lower(): v for k, v in response.getheaders()},
            time.perf_counter() - started,
        )
    finally:
        connection.close()


class Server:
    """A server process on 127.0.0.1, as a context manager (see the module docs).

    ``argv`` is the command line, with ``{port}``, ``{host}`` and ``{bind}``
    (``host:port``) placeholders. ``env`` adds environment variables.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        ready_path: str = "/__invite__/",
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.host = HOST
        fill = {"port": str(self.port), "host": HOST, "bind": f"{HOST}:{self.port}"}
        self.argv = [arg.format(**fill) for arg in argv]
        self.ready_path = ready_path
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._log_text: str | None = None
        #: Seconds it took to answer the first request.
        self.startup_seconds = 0.0

    def __repr__(self) -> str:
        return f"<Server {self.argv[0]} on {self.host}:{self.port}>"

    @property
    def pid(self) -> int:
        """The PID of the process started (the master, for prefork servers)."""
        assert self.process is not None, "server not started"
        return self.process.pid

    def start(self) -> Server:
        """Start the process and wait until it answers; :class:`ServerError` if not."""
        self.process = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        deadline = started + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise ServerError(
                    f"{self.argv[0]} exited with {self.process.returncode} before"
                    f" answering:\n{self.log()}"
                )
            try:
                request(self.port, self.ready_path, timeout=2.0)
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise ServerError(
                        f"{self.argv[0]} did not answer on {HOST}:{self.port} within"
                        f" {self.startup_timeout} s:\n{self.log()}"
                    ) from None
                time.sleep(0.05)
                continue
            self.startup_seconds = time.monotonic() - started
            return self

    def stop(self) -> None:
        """Terminate the server, kill it (and its process group) if it lingers."""
        process = self.process
        if process is None or self._log_text is not None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.stop_timeout)
        # Workers orphaned by a master that died first share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        self._log.seek(0)
        self._log_text = self._log.read().decode("utf-8", "replace")
        self._log.close()

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        if self._log_text is not None:
            return self._log_text
        self._log.flush()
        position = self._log.tell()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.seek(position)
        return text

    def children(self) -> list[int]:
        """PIDs of the server process's direct children (its workers), from /proc."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def get(self, path: str, **options: t.Any) -> Reply:
        """Send one request to the server (see :func:`request`)."""
        return request(self.port, path, **options)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is not None:
            # Shown by pytest with the failure, as captured output.
            sys.stdout.write(f"--- log of {self!r} ---\n{self.log()[-20000:]}\n")


@dataclass
class LoadResult:
    """What :func:`load` saw."""

    replies: list[Reply] = field(default_factory=list)
    #: One line per request that got no HTTP response: "index: Type: message".
    errors: list[str] = field(default_factory=list)
    #: Wall-clock seconds for the whole load.
    seconds: float = 0.0

    @property
    def statuses(self) -> Counter[int]:
        """How many responses of each status."""
        return Counter(reply.status for reply in self.replies)

    @property
    def durations(self) -> list[float]:
        """Seconds per answered request, in no particular order."""
        return [reply.duration for reply in self.replies]

    def summary(self) -> str:
        """One line for reports and assertion messages."""
        durations = sorted(self.durations) or [0.0]
        p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
        return (
            f"{len(self.replies)} responses {dict(self.statuses)}, {len(self.errors)} errors,"
            f" {self.seconds:.2f} s, max {durations[-1] * 1000:.0f} ms,"
            f" p95 {p95 * 1000:.0f} ms"
        )


def load(
    port: int,
    path_for: Callable[[int], str],
    *,
    threads: int = 4,
    requests: int = 25,
    timeout: float = 10.0,
    headers_for: Callable[[int], Mapping[str, str]] | None = None,
) -> LoadResult:
    """Send ``threads`` x ``requests`` requests; the threads start together.

    Request ``i`` (``0 <= i < threads * requests``) asks for ``path_for(i)``
    with ``headers_for(i)``. Each request has ``timeout`` seconds; the whole
    load is bounded by ``requests * timeout`` plus a margin, after which
    unfinished threads are reported as errors.
    """
    result = LoadResult()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(worker: int) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=timeout)
        for j in range(requests):
            index = worker * requests + j
            headers = headers_for(index) if headers_for else None
            try:
                reply = request(port, path_for(index), headers=headers, timeout=timeout)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    result.errors.append(f"{index}: {type(exc).__name__}: {exc}")
                continue
            reply.index = index
            with lock:
                result.replies.append(reply)

    started = time.perf_counter()
    pool = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(threads)]
    for thread in pool:
        thread.start()
    deadline = time.monotonic() + requests * timeout + 10
    for thread in pool:
        thread.join(max(0.0, deadline - time.monotonic()))
    result.seconds = time.perf_counter() - started
    stuck = sum(thread.is_alive() for thread in pool)
    if stuck:
        with lock:
            result.errors.append(f"{stuck} client threads still running at the deadline")
    return result
