"""The benchmarks compare like with like: checked here, without timing anything."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from werkzeug.test import Client

from benchmarks import bench_e2e, bench_instructions
from benchmarks.e2e_site import bare_app, party_app, url_for_app
from benchmarks.harness import compare


@pytest.mark.parametrize("path", bench_e2e.LINKING + bench_e2e.PLAIN)
@pytest.mark.parametrize("other", [url_for_app, bare_app], ids=["url_for", "by hand"])
def test_the_party_and_the_other_sites_serve_the_same_page(path: str, other: t.Any) -> None:
    party_page = Client(party_app).get(path)
    bare_page = Client(other).get(path)
    assert party_page.status_code == bare_page.status_code == 200
    assert party_page.headers == bare_page.headers
    assert party_page.get_data() == bare_page.get_data()
    if path in bench_e2e.LINKING:
        assert b"/blog/post/" in party_page.get_data() or b'href="/"' in party_page.get_data()


def test_compare_times_with_the_clock_it_is_given() -> None:
    ticks = iter(range(0, 10**9, 1000))  # each reading 1,000 ns after the last

    result = compare(
        "ticking", lambda: None, lambda: None, rounds=2, quiet=True, clock=lambda: next(ticks)
    )
    # Each batch reads the clock twice: 1,000 ns per batch, whatever its size.
    assert result.ratio == 1.0
    assert result.subject_ns == result.baseline_ns > 0


def test_compare_reports_both_sides_and_their_ratio() -> None:
    calls = {"subject": 0, "baseline": 0}

    def subject() -> None:
        calls["subject"] += 1

    def baseline() -> None:
        calls["baseline"] += 1

    result = compare("counting", subject, baseline, rounds=3, quiet=True)
    assert calls["subject"] > 3 and calls["baseline"] > 3
    assert result.ratio_min <= result.ratio <= result.ratio_max
    assert result.subject_ns > 0 and result.baseline_ns > 0
    assert "counting" in result.line()


def test_bench_urls_measures_links_in_a_real_requests_context() -> None:
    # The shop's side runs in the context its view saw, so that party_url
    # there is what it is in a page: answered from the request's links.
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from benchmarks import bench_urls
    from wsgi_party import WSGIParty, current_scope
    from wsgi_party.flask import party_url

    shop, blog = bench_urls.flask_apps()
    with WSGIParty(DispatcherMiddleware(shop, {"/blog": blog})) as party:
        context = bench_urls._request_context(party, shop)
        scope = context.run(current_scope)
        assert scope is not None
        assert scope.operator is party.member("shop").operator
        assert context.run(party_url, "blog:post", id=3) == "/blog/post/3"
        # Answered from the party's memory of links the second time.
        blog.url_map._rules_by_endpoint.clear()
        assert context.run(party_url, "blog:post", id=3) == "/blog/post/3"


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("fastapi", "a2wsgi")),
    reason="FastAPI and a2wsgi are not installed",
)
def test_bench_starlette_compares_the_same_response_and_the_same_link() -> None:
    # run() asserts that both sites answer the same body and that party_url
    # builds the link url_path_for builds, under the party's mount.
    from benchmarks import bench_starlette

    results = list(bench_starlette.run(quiet=True, rounds=2))
    assert [(r.name, r.target) for r in results] == [
        ("FastAPI async def endpoint, wall time: party vs plain a2wsgi", 1.05),
        ("FastAPI async def endpoint, CPU time: party vs plain a2wsgi", 1.05),
        ("FastAPI def endpoint, wall time: party vs plain a2wsgi", 1.05),
        ("FastAPI def endpoint, CPU time: party vs plain a2wsgi", 1.05),
        ("Flask -> FastAPI: party_url vs Starlette's url_path_for", 1.0),
    ]
    assert all(r.subject_ns > 0 and r.baseline_ns > 0 for r in results)


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("fastapi", "a2wsgi")),
    reason="FastAPI and a2wsgi are not installed",
)
def test_bench_starlette_counts_a_request_as_the_difference_over_the_requests(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import bench_starlette

    # Fake whole-process counts: set-up 10**6, then 5,000 (party) or 4,000 per request.
    per_request = {"party": 5000, "plain": 4000}
    monkeypatch.setattr(
        bench_starlette,
        "_instructions",
        lambda side, path, requests: 10**6 + per_request[side] * requests,
    )
    assert bench_starlette.count(requests=7) == {
        "async def": (5000.0, 4000.0),
        "def": (5000.0, 4000.0),
    }
    assert "5,000 vs 4,000   ratio 1.250" in capsys.readouterr().out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
def test_e2e_counts_the_cpu_time_of_a_server_and_its_workers() -> None:
    # A parent with one child, as a gunicorn arbiter with its worker.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # The child says it has started (so it has used some CPU), then waits.
            "CHILD = 'import time; print(\"started\", flush=True); time.sleep(60)'\n"
            "import subprocess, sys, time\n"
            "print(subprocess.Popen([sys.executable, '-c', CHILD]).pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert parent.stdout.readline() == "started\n"
        assert bench_e2e._family(parent.pid) == [parent.pid, child]
        own = int(Path(f"/proc/{parent.pid}/schedstat").read_text().split()[0])
        child_own = int(Path(f"/proc/{child}/schedstat").read_text().split()[0])
        used = bench_e2e._cpu_ns(parent.pid)  # read last: times only grow
        assert used is not None and used >= own + child_own > own
    finally:
        for pid in bench_e2e._family(parent.pid)[1:]:
            os.kill(pid, signal.SIGTERM)
        parent.terminate()
        parent.wait(timeout=10)


def test_instructions_are_the_workers_not_the_arbiters(tmp_path: Path) -> None:
    (tmp_path / "callgrind.100").write_text("events: Ir\nsummary: 5\n")
    (tmp_path / "callgrind.101").write_text("events: Ir\nsummary: 42\ntotals: 42\n")
    (tmp_path / "valgrind.101").write_text("summary: 7\n")
    assert bench_instructions.worker_instructions(tmp_path, arbiter_pid=100) == 42
    (tmp_path / "callgrind.102").write_text("summary: 43\n")
    with pytest.raises(RuntimeError, match="expected one worker's count"):
        bench_instructions.worker_instructions(tmp_path, arbiter_pid=100)


def test_compare_wrk_reports_a_ratio_per_cpu_second_against_its_target(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fake wrk runs and CPU counters: the party serves 90 requests on 1 ms of
    # CPU each, the other site 100 on 1.25 ms each.
    rates = {1: (90, 45.0), 2: (100, 50.0)}
    cpu = {11: iter([0, 90_000_000]), 12: iter([0, 125_000_000])}
    monkeypatch.setattr(bench_e2e, "_wrk", lambda port, path, seconds: port)
    monkeypatch.setattr(bench_e2e, "_requests", lambda port, path, seconds: rates[port])
    monkeypatch.setattr(bench_e2e, "_cpu_ns", lambda pid: next(cpu[pid]))

    class Process:
        def __init__(self, pid: int) -> None:
            self.pid = pid

    party, other = (Process(11), 1), (Process(12), 2)
    bench_e2e._compare_wrk(
        "page", party, other, "/", rounds=1, what="party / url_for", target=1.0  # type: ignore[arg-type]
    )
    out = capsys.readouterr().out
    assert "page /: party / url_for" in out
    assert "ratio 0.900" in out  # throughput 45 / 50
    assert "per CPU-second: ratio 1.250" in out and "target ≥ 1.00: met" in out
