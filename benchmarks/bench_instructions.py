"""End to end, counted: instructions a gunicorn worker runs per request, party vs the others.

Run with ``python -m benchmarks.bench_instructions [--requests N] [PATH ...]``
(it needs Debian's ``valgrind``; about a minute per page). For each page it
starts the site of ``benchmarks/e2e_site.py`` under ``valgrind
--tool=callgrind``, one gunicorn sync worker on 127.0.0.1, for the party
and for the sites whose links are built by Flask's ``url_for`` and written
by hand, sends the page some warm-up requests and then ``N`` more, and does the same
with none more: the difference over ``N`` is what one request costs the
worker, server included, in instructions.

Throughput on a shared machine moves by several per cent from one second to
the next; an instruction count does not: a rerun gives the same count to
about a thousandth. (Two builds of the same code can differ by up to half a
per cent, as CPython's type attribute cache collides differently; compare
smaller changes over several builds.) The ratio bare / party of instructions
per request
reads as the end-to-end throughput ratio would if both ran at the same
speed per instruction; on this project's machine the CPU-time ratio that
``bench_e2e`` measures comes out at or a little below it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_e2e import (
    BARE_SITE,
    LINKING,
    PARTY_SITE,
    PLAIN,
    ROOT,
    URL_FOR_SITE,
    _free_port,
    _get,
    gunicorn,
)

SITES = {"party": PARTY_SITE, "url_for": URL_FOR_SITE, "bare": BARE_SITE}
WARM_UP = 50


def worker_instructions(out_dir: Path, arbiter_pid: int) -> int:
    """Instructions the gunicorn worker ran: its callgrind file, not the arbiter's.

    Each process valgrind follows writes ``callgrind.<pid>``, whose
    ``summary:`` line is the count. There is one worker: every file but the
    arbiter's.
    """
    counts = []
    for path in out_dir.glob("callgrind.*"):
        if path.name == f"callgrind.{arbiter_pid}":
            continue
        for line in path.read_text().splitlines():
            if line.startswith("summary:"):
                counts.append(int(line.split()[1]))
                break
    if len(counts) != 1:
        raise RuntimeError(f"expected one worker's count in {out_dir}, found {len(counts)}")
    return counts[0]


def count(site: str, path: str, requests: int) -> int:
    """Instructions one worker of ``site`` ran, serving ``path`` WARM_UP + ``requests`` times."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="wsgi-party-callgrind-") as directory:
        out_dir = Path(directory)
        process = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--trace-children=yes",
                f"--callgrind-out-file={out_dir}/callgrind.%p",
                f"--log-file={out_dir}/valgrind.%p",
                # The worker runs some 50 times slower under valgrind.
                *gunicorn(SITES[site], port, workers=1),
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            # The same hash seed in every run: dicts and sets lay out alike.
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    _get(port, "/about", timeout=120)
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"{site} did not start under valgrind") from None
                    time.sleep(0.5)
            for _ in range(WARM_UP + requests):
                status = _get(port, path, timeout=120)
                if status != 200:
                    raise RuntimeError(f"{site} answered {status} on {path}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        return worker_instructions(out_dir, process.pid)


def per_request(site: str, path: str, requests: int) -> float:
    """Instructions per request of ``path`` in a worker of ``site``."""
    with ThreadPoolExecutor(2) as pool:
        served = pool.submit(count, site, path, requests)
        idle = pool.submit(count, site, path, 0)
        return (served.result() - idle.result()) / requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "paths", nargs="*", default=LINKING + PLAIN, help="pages (default: all four)"
    )
    parser.add_argument("--requests", type=int, default=300, help="requests counted per run")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind); nothing counted")
        return
    for path in args.paths:
        party = per_request("party", path, args.requests)
        for other, label in (("url_for", "url_for"), ("bare", "by hand")):
            count = per_request(other, path, args.requests)
            print(
                f"{'instructions per request, worker, ' + path + ': party vs ' + label:<58}"
                f" {party:10,.0f} vs {count:10,.0f}   {label} / party {count / party:5.3f}"
                f"  (the party adds {party - count:,.0f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
