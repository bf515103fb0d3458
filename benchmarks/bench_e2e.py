"""End to end: gunicorn (2 sync workers) serving the party vs the bare dispatcher.

Run with ``python -m benchmarks.bench_e2e [--rounds N]``. The sites of
``benchmarks/e2e_site.py`` run at once on 127.0.0.1, and each round loads two
of them at the same time, a ``wrk`` on each, for two seconds; the throughput
ratio is printed per page as the median and min-max over the rounds:

* **party / url_for** on the pages with cross-app links: the same pages with
  their links built by Flask's own ``url_for``, which is what users write
  today; the target is a ratio of at least 1.00 (the party is no slower) on
  the pages whose links ``url_for`` can build (``BUILT_BY_URL_FOR``);
* **party / bare** on the identical page (the same app code with and without
  the party): the target is at least 0.98;
* **party / by hand** on the pages with cross-app links: every link written
  out as a string, information only (no site can link for less).

A control line measures the bare site against a second copy of itself the
same way: its distance from 1.0 is what this machine cannot resolve.

Loading both at once is what makes the ratio steady on a shared machine:
the servers share the same CPU at the same moment, and a slower machine
during a burst slows both alike. (Bursts one after the other, as earlier
versions ran, saw the control line range from 0.90 to 1.10.)

The load comes from ``wrk`` when it is installed (Debian's ``wrk``: a client
that costs the servers little CPU), else from Python threads in this process
(4 threads, a connection per request as sync workers serve, one server after
the other), which compete with the servers for the CPU and so blur small
differences.

Under each throughput ratio it prints the ratio of the CPU time a request
cost each server (bare / party, read from ``/proc`` on Linux), which does
not depend on how evenly the two servers shared the CPU: the steadier of
the two, and the one the verdict is given on.

It first calls the same pages in its own process, party and bare side by
side with no server: the time the party adds per request with warm caches,
a lower bound of what it adds in a server.

On a machine with two CPUs or more the servers run on one CPU and ``wrk`` on
the others (``--no-pin`` lets the system place them), so that a burst's
throughput measures what a request costs the servers rather than how the
clients and the servers happened to share the cores.
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
#: The two sites, for gunicorn.
PARTY_SITE = "benchmarks.e2e_site:party_app"
URL_FOR_SITE = "benchmarks.e2e_site:url_for_app"
BARE_SITE = "benchmarks.e2e_site:bare_app"
#: Pages that build cross-app links (through the party, or written by hand).
LINKING = ["/", "/blog/post/3", "/catalog"]
#: A page identical in both sites.
PLAIN = ["/about"]
#: The pages whose links Flask's url_for builds in the url_for site (the blog
#: cannot url_for the shop's root from under its own mount: written out there).
BUILT_BY_URL_FOR = {"/", "/catalog"}


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


def gunicorn(target: str, port: int, workers: int) -> list[str]:
    """The command that serves ``target`` with gunicorn on 127.0.0.1:``port``.

    Several servers run at once, so gunicorn's control socket (one path per
    user) is turned off, where the installed gunicorn has one.
    """
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped]

    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    if any("--no-control-socket" in setting.cli for setting in KNOWN_SETTINGS if setting.cli):
        command.append("--no-control-socket")
    return [*command, "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target]


def _start(target: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with _on(_SERVER_CPUS):  # the workers inherit it from the arbiter
        process = subprocess.Popen(
            gunicorn(target, port, workers=2),
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


def _get(port: int, path: str, timeout: float = 10) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
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


def _family(pid: int) -> list[int]:
    """``pid`` and its children (a gunicorn arbiter and its workers), from ``/proc``."""
    pids = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            pids.extend(int(child) for child in children.read().split())
    return pids


def _cpu_ns(pid: int) -> int | None:
    """CPU time a gunicorn server (arbiter ``pid`` and its workers) has used, in ns.

    Read from Linux's ``/proc/<pid>/schedstat``; ``None`` where it is not
    available, and then only throughputs are compared.
    """
    try:
        total = 0
        for member in _family(pid):
            with open(f"/proc/{member}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def _wrk(port: int, path: str, seconds: float) -> subprocess.Popen[str]:
    """Start ``wrk`` on one path (on the load CPUs); :func:`_requests` reads its result."""
    with _on(_LOAD_CPUS):
        return subprocess.Popen(
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
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _requests(process: subprocess.Popen[str], path: str, seconds: float) -> tuple[int, float]:
    """Requests a ``wrk`` run completed, and per second; raises on any failed request."""
    output, _ = process.communicate(timeout=seconds + 30)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed on {path}:\n{output}")
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests on {path}:\n{output}")
    count = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if count is None or rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return int(count.group(1)), float(rate.group(1))


Server = tuple[subprocess.Popen[bytes], int]


def _compare_wrk(
    label: str,
    party: Server,
    bare: Server,
    path: str,
    *,
    rounds: int,
    seconds: float = 2,
    what: str = "party / bare",
    target: float | None = 0.98,
) -> None:
    """Print the ratios of simultaneous bursts on one path.

    Both servers get their load at the same time, one ``wrk`` each: on the
    same CPU they share it, and whatever slows the machine during a burst
    slows both alike. Two ratios come of each burst: of throughputs, and of
    the CPU time a request cost each server (bare / party, so that both
    read as throughput, the second per CPU-second); the second does not
    depend on how evenly the two servers shared the CPU.
    """
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    party_rates: list[float] = []
    bare_rates: list[float] = []
    for index in range(rounds):
        pair = (party, bare) if index % 2 == 0 else (bare, party)
        before = {port: _cpu_ns(process.pid) for process, port in pair}
        loads = {port: _wrk(port, path, seconds) for _, port in pair}
        done = {port: _requests(loads[port], path, seconds) for _, port in pair}
        after = {port: _cpu_ns(process.pid) for process, port in pair}
        party_rates.append(done[party[1]][1])
        bare_rates.append(done[bare[1]][1])
        ratios.append(party_rates[-1] / bare_rates[-1])
        cost = {}  # CPU ns per request, where /proc tells
        for port, (count, _) in done.items():
            start, end = before[port], after[port]
            if start is not None and end is not None and count and end > start:
                cost[port] = (end - start) / count
        if len(cost) == 2:
            cpu_ratios.append(cost[bare[1]] / cost[party[1]])
    _report(
        f"{label} {path}",
        party_rates,
        bare_rates,
        ratios,
        what=what,
        target=target,
        judge=not cpu_ratios,
    )
    if cpu_ratios:
        median = statistics.median(cpu_ratios)
        verdict = (
            "no target"
            if target is None
            else f"target ≥ {target:.2f}: " + ("met" if median >= target else "NOT met")
        )
        print(
            f"{'':58} per CPU-second: ratio {statistics.median(cpu_ratios):5.3f}"
            f" [{min(cpu_ratios):.3f}-{max(cpu_ratios):.3f}]  ({verdict})",
            flush=True,
        )


def _report(
    label: str,
    party_rates: list[float],
    bare_rates: list[float],
    ratios: list[float],
    *,
    what: str = "party / bare",
    target: float | None = 0.98,
    judge: bool = True,
) -> None:
    if target is None:
        verdict = "no target: information"
    elif judge:
        met = statistics.median(ratios) >= target
        verdict = f"target ≥ {target:.2f}: " + ("met" if met else "NOT met")
    else:
        verdict = "throughput; the verdict is per CPU-second"
    print(
        f"{'gunicorn 2 workers, ' + label + ': ' + what:<58}"
        f" {statistics.median(party_rates):8.0f} vs {statistics.median(bare_rates):8.0f}"
        f" req/s   ratio {statistics.median(ratios):5.3f}"
        f" [{min(ratios):.3f}-{max(ratios):.3f}]"
        f"  ({verdict})",
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


def _in_process(paths: list[str]) -> None:
    """The same pages called in this process with no server: the party's cost, warm.

    The difference in time per request is what the party adds when its code
    and data stay in the CPU's caches, as in a loop; a server runs the same
    instructions more slowly, between its own work on each request, so this
    is a lower bound of what the party adds there (about half of it on this
    project's machine; see docs/performance.rst).
    """
    from werkzeug.test import create_environ

    from benchmarks.e2e_site import bare_app, party_app, url_for_app
    from benchmarks.harness import compare

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
        pass

    def request(app: t.Any, path: str) -> t.Callable[[], None]:
        environ = create_environ(path, "http://127.0.0.1/")

        def call() -> None:
            b"".join(app(dict(environ), start_response))

        return call

    for path in paths:
        for label, other in (("url_for", url_for_app), ("by hand", bare_app)):
            result = compare(
                f"in process, no server, {path}: party vs {label}",
                request(party_app, path),
                request(other, path),
            )
            added = (result.subject_ns - result.baseline_ns) / 1000
            print(f"{'':58} the party adds {added:.1f} µs per request", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=400, help="requests per burst (Python client only)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="rounds of bursts per page")
    parser.add_argument(
        "--no-pin", action="store_true", help="let the system place servers and load on CPUs"
    )
    args = parser.parse_args(argv)
    _in_process(LINKING + PLAIN)
    _pin(not args.no_pin and shutil.which("wrk") is not None)
    if _SERVER_CPUS is not None:
        print(f"servers on CPU {sorted(_SERVER_CPUS)}, wrk on CPU {sorted(_LOAD_CPUS or ())}")
    servers = [
        _start(BARE_SITE),
        _start(PARTY_SITE),
        _start(URL_FOR_SITE),
        # The control: the bare site again, so that the spread of the same
        # site measured against itself shows how far this machine can tell.
        _start(BARE_SITE),
    ]
    bare, party, url_for, control = servers
    try:
        for _, port in servers:  # warm up every worker
            _burst(port, 100, LINKING + PLAIN)
        if shutil.which("wrk"):
            for path in LINKING:
                _compare_wrk(
                    "page with cross-app links",
                    party,
                    url_for,
                    path,
                    rounds=args.rounds,
                    what="party / url_for",
                    # Where url_for cannot build a page's link (to the shop's
                    # root from under the blog's mount), the site writes it out.
                    target=1.0 if path in BUILT_BY_URL_FOR else None,
                )
            _compare_wrk("identical page", party, bare, PLAIN[0], rounds=args.rounds)
            for path in LINKING:
                _compare_wrk(
                    "page with cross-app links",
                    party,
                    bare,
                    path,
                    rounds=args.rounds,
                    what="party / by hand",
                    target=None,
                )
            _compare_wrk(
                "identical page",
                control,
                bare,
                PLAIN[0],
                rounds=args.rounds,
                what="bare / bare (control)",
                target=None,
            )
        else:
            _compare(
                "page with cross-app links: party / url_for",
                party[1],
                url_for[1],
                LINKING,
                requests=args.requests,
                rounds=args.rounds,
            )
            _compare(
                "identical page",
                party[1],
                bare[1],
                PLAIN,
                requests=args.requests,
                rounds=args.rounds,
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
