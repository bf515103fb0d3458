"""End to end: gunicorn (2 sync workers) serving the party vs the bare dispatcher.

Run with ``python -m benchmarks.bench_e2e [--requests N]``. Both servers run
at once on 127.0.0.1 and get alternating bursts, one then the other; the
throughput ratio party / bare is printed per kind of page as the median and
min-max over the bursts. The target is a ratio of at least 0.98. A control
line measures the bare site against a second copy of itself the same way: its
distance from 1.0 is what this machine cannot resolve.

The load comes from ``wrk`` when it is installed (Debian's ``wrk``: a client
that costs the servers little CPU), else from Python threads in this process
(4 threads, a connection per request as sync workers serve), which compete
with the servers for the CPU and so blur small differences.

It first calls the same pages in its own process, party and bare side by
side with no server: the time the party adds per request, far less noisy
than any throughput. Set against the bare server's time per request (the
inverse of its throughput when the servers are pinned, below), it predicts
the end-to-end ratio, printed under each page's measured one.

On a machine with two CPUs or more the servers run on one CPU and ``wrk`` on
the others (``--no-pin`` lets the system place them), so that a burst's
throughput measures what a request costs the server rather than how the
client and the servers happened to share the cores.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Pages that build cross-app links (through the party, or written by hand).
LINKING = ["/", "/blog/post/3", "/catalog"]
#: A page identical in both sites.
PLAIN = ["/about"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: CPUs for the servers and for wrk, or None to let the system place them.
_SERVER_CPUS: set[int] | None = None
_LOAD_CPUS: set[int] | None = None


def _pin(pin: bool) -> None:
    """Put the servers on the last CPU and the load on the others, if there are two."""
    global _SERVER_CPUS, _LOAD_CPUS  # noqa: PLW0603
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if pin and len(cpus) >= 2:
        _SERVER_CPUS, _LOAD_CPUS = {cpus[-1]}, set(cpus[:-1])
    else:
        _SERVER_CPUS = _LOAD_CPUS = None


@contextlib.contextmanager
def _on(cpus: set[int] | None) -> t.Iterator[None]:
    """Run what starts in the block on ``cpus``: children inherit this thread's CPUs."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _start(target: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with _on(_SERVER_CPUS):  # the workers inherit it from the arbiter
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get(port, "/") == 200:
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start on 127.0.0.1:{port}")


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _burst(port: int, requests: int, paths: list[str], threads: int = 4) -> float:
    """Requests per second for one burst; raises if any request failed."""
    failures: list[str] = []
    per_thread = requests // threads

    def client(index: int) -> None:
        for n in range(per_thread):
            path = paths[(index + n) % len(paths)]
            status = _get(port, path)
            if status != 200:
                failures.append(f"{path}: {status}")

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, e.g. {failures[0]}")
    return per_thread * threads / elapsed


def _burst_wrk(port: int, path: str, seconds: float) -> float:
    """Requests per second ``wrk`` got from one path; raises on any error."""
    with _on(_LOAD_CPUS):
        completed = subprocess.run(
            [
                "wrk",
                "--threads",
                "1",
                "--connections",
                "4",
                "--duration",
                f"{seconds:g}s",
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        )
    output = completed.stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests on {path}:\n{output}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return float(match.group(1))


def _compare_wrk(
    label: str,
    party_port: int,
    bare_port: int,
    path: str,
    *,
    rounds: int,
    what: str = "party / bare",
) -> float:
    """Print the ratio of bursts on one path; return the bare site's median rate."""
    ratios: list[float] = []
    party_rates: list[float] = []
    bare_rates: list[float] = []
    for index in range(rounds):
        order = [(party_port, party_rates), (bare_port, bare_rates)]
        for port, rates in order if index % 2 == 0 else reversed(order):
            rates.append(_burst_wrk(port, path, 2))
        ratios.append(party_rates[-1] / bare_rates[-1])
    _report(f"{label} {path}", party_rates, bare_rates, ratios, what)
    return statistics.median(bare_rates)


def _report(
    label: str,
    party_rates: list[float],
    bare_rates: list[float],
    ratios: list[float],
    what: str = "party / bare",
) -> None:
    verdict = "met" if statistics.median(ratios) >= 0.98 else "NOT met"
    if what != "party / bare":
        verdict = "no target: the noise of this machine"
    print(
        f"{'gunicorn 2 workers, ' + label + ': ' + what:<58}"
        f" {statistics.median(party_rates):8.0f} vs {statistics.median(bare_rates):8.0f}"
        f" req/s   ratio {statistics.median(ratios):5.3f}"
        f" [{min(ratios):.3f}-{max(ratios):.3f}]"
        f"  ({verdict if what != 'party / bare' else 'target ≥ 0.98: ' + verdict})",
        flush=True,
    )


def _compare(
    label: str, party_port: int, bare_port: int, paths: list[str], *, requests: int, rounds: int
) -> None:
    ratios: list[float] = []
    party_rates: list[float] = []
    bare_rates: list[float] = []
    for index in range(rounds):
        order = [(party_port, party_rates), (bare_port, bare_rates)]
        for port, rates in order if index % 2 == 0 else reversed(order):
            rates.append(_burst(port, requests, paths))
        ratios.append(party_rates[-1] / bare_rates[-1])
    _report(label, party_rates, bare_rates, ratios)


def _in_process(paths: list[str]) -> dict[str, float]:
    """The same pages called in this process with no server: the party's cost, quietly.

    The difference in time per request is what the party adds to the
    server's work; over the bare server's time per request (one CPU: the
    inverse of its throughput) it predicts the end-to-end ratio, which the
    throughput of one run on a shared machine cannot resolve to 2 %.
    """
    from werkzeug.test import create_environ

    from benchmarks.e2e_site import bare_app, party_app
    from benchmarks.harness import compare

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
        pass

    def request(app: t.Any, path: str) -> t.Callable[[], None]:
        environ = create_environ(path, "http://127.0.0.1/")

        def call() -> None:
            b"".join(app(dict(environ), start_response))

        return call

    added: dict[str, float] = {}
    for path in paths:
        result = compare(
            f"in process, no server, {path}: party vs bare",
            request(party_app, path),
            request(bare_app, path),
        )
        added[path] = (result.subject_ns - result.baseline_ns) / 1000
        print(f"{'':58} the party adds {added[path]:.1f} µs per request", flush=True)
    return added


def _predict(path: str, added_us: float, bare_rate: float) -> None:
    """The ratio the in-process difference predicts, the servers being on one CPU."""
    server_us = 1e6 / bare_rate
    print(
        f"{'':58} predicted from in process: {server_us / (server_us + added_us):.3f}"
        f" ({added_us:.1f} µs added to {server_us:.0f} µs a request)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per burst")
    parser.add_argument("--rounds", type=int, default=10, help="bursts per server")
    parser.add_argument(
        "--no-pin", action="store_true", help="let the system place servers and load on CPUs"
    )
    args = parser.parse_args(argv)
    added = _in_process(LINKING + PLAIN)
    _pin(not args.no_pin and shutil.which("wrk") is not None)
    if _SERVER_CPUS is not None:
        print(f"servers on CPU {sorted(_SERVER_CPUS)}, wrk on CPU {sorted(_LOAD_CPUS or ())}")
    servers = [
        _start("benchmarks.e2e_site:bare_app"),
        _start("benchmarks.e2e_site:party_app"),
        # The control: the bare site again, so that the spread of the same
        # site measured against itself shows how far this machine can tell.
        _start("benchmarks.e2e_site:bare_app"),
    ]
    bare_port, party_port, control_port = (port for _, port in servers)
    try:
        for _, port in servers:  # warm up every worker
            _burst(port, 100, LINKING + PLAIN)
        kinds = (("page with cross-app links", LINKING), ("identical page", PLAIN))
        if shutil.which("wrk"):
            for label, paths in kinds:
                for path in paths:
                    bare_rate = _compare_wrk(label, party_port, bare_port, path, rounds=args.rounds)
                    if _SERVER_CPUS is not None:
                        _predict(path, added[path], bare_rate)
            _compare_wrk(
                "identical page",
                control_port,
                bare_port,
                PLAIN[0],
                rounds=args.rounds,
                what="bare / bare (control)",
            )
        else:
            for label, paths in kinds:
                _compare(
                    label, party_port, bare_port, paths, requests=args.requests, rounds=args.rounds
                )
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
