"""The party under real servers: prefork, threads, lazy bootstrap, a killed worker.

Each test serves :mod:`tests.sites` from a real server on 127.0.0.1 (see
:mod:`tests.servers`) and puts bounded load on it. Every page reports the
URLs it built through the partyline, its PID, ``id()`` of the objects that
answered and how many invitations its process sent, so the tests check:

* every response is 200 and every URL is the one Werkzeug builds for the route;
* each worker answers with its own objects (one set of ids per PID);
* the party bootstrapped exactly once per process: in the master before the
  fork (``--preload``, uWSGI without ``--lazy-apps``) or in each worker;
* a worker killed mid-load is replaced and its replacement answers correctly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sys
import threading
import time
import typing as t
from pathlib import Path

import pytest

from tests.conftest import LOAD_REPORT
from tests.servers import LoadResult, Reply, Server, load, request, uvicorn
from tests.sites.party_site import ROUTES, expected_urls

pytestmark = pytest.mark.server

#: Client threads and requests per thread for the prefork load tests:
#: 10,000 requests per server configuration.
THREADS, REQUESTS = 4, 2500

MEMBERS = sorted(ROUTES)
BIN = Path(sys.executable).parent


def command(name: str) -> str:
    """The console script ``name`` of this Python, else the one on PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"the {name!r} command is not installed")
    return found


def gunicorn(*options: str, site: str = "eager") -> list[str]:
    return [
        command("gunicorn"),
        "--bind",
        "{bind}",
        "--graceful-timeout",
        "2",
        "--log-level",
        "info",
        *options,
        f"tests.sites.{site}:application",
    ]


# -- what a page must say ------------------------------------------------------------


def page_path(i: int) -> str:
    """Request ``i`` goes to the members in turn."""
    member = MEMBERS[i % len(MEMBERS)]
    return f"{ROUTES[member][0]}/page?n={i}"


def host_for(port: int) -> t.Callable[[int], dict[str, str]]:
    """A Host header of its own for each request, so a mixed-up request shows."""
    return lambda i: {"Host": f"h{i}.localhost:{port}"}


def pages(result: LoadResult) -> list[tuple[Reply, dict[str, t.Any]]]:
    return [(reply, json.loads(reply.body)) for reply in result.replies]


def check_pages(
    result: LoadResult, port: int, total: int, errors_allowed: int = 0, script_root: str = ""
) -> dict[int, list[dict[str, t.Any]]]:
    """``total`` requests answered 200 with the right URLs; return the pages by PID.

    Up to ``errors_allowed`` of them may instead have got no response at all.
    ``script_root`` is where the server mounts the whole party (its SCRIPT_NAME).
    """
    assert len(result.errors) <= errors_allowed, result.summary()
    assert result.statuses == {200: total - len(result.errors)}, result.summary()
    by_pid: dict[int, list[dict[str, t.Any]]] = {}
    for reply, page in pages(result):
        i = reply.index
        member = MEMBERS[i % len(MEMBERS)]
        assert (page["member"], page["operator_name"], page["n"]) == (member, member, i)
        assert page["urls"] == expected_urls(i, f"h{i}.localhost:{port}", script_root)
        others = [w for w in page["whoami"] if w["member"] != member]
        assert sorted(w["member"] for w in others) == [m for m in MEMBERS if m != member]
        assert len(others) == len(page["whoami"]), "a member answered itself"
        by_pid.setdefault(page["pid"], []).append(page)
    return by_pid


def check_own_objects(by_pid: dict[int, list[dict[str, t.Any]]]) -> dict[int, dict[str, t.Any]]:
    """Within each process, every page saw the same party, operators and apps.

    Returns, per PID, the one set of object ids its pages reported.
    """
    identities: dict[int, dict[str, t.Any]] = {}
    for pid, seen in by_pid.items():
        ids: dict[str, set[t.Any]] = {}
        for page in seen:
            assert all(w["pid"] == pid for w in page["whoami"]), "answered by another process"
            ids.setdefault("party", set()).add(page["party"])
            ids.setdefault("operators", set()).add(json.dumps(page["operators"], sort_keys=True))
            ids.setdefault(f"operator:{page['member']}", set()).add(page["operator"])
            ids.setdefault(f"app:{page['member']}", set()).add(page["app"])
            for answer in page["whoami"]:
                ids.setdefault(f"app:{answer['member']}", set()).add(answer["app"])
        several = {key: values for key, values in ids.items() if len(values) != 1}
        assert several == {}, f"worker {pid} answered with more than one object"
        single = {key: next(iter(values)) for key, values in ids.items()}
        operators = json.loads(single["operators"])
        for member in MEMBERS:
            if f"operator:{member}" in single:
                assert single[f"operator:{member}"] == operators[member]
        identities[pid] = single
    return identities


def check_invitations(by_pid: dict[int, list[dict[str, t.Any]]], bootstrapped_in: t.Any) -> None:
    """Each process sent one invitation per member, in ``bootstrapped_in(pid)``."""
    for pid, seen in by_pid.items():
        for page in seen:
            assert page["invitations"] == len(MEMBERS), f"worker {pid}"
            assert page["invite_pids"] == [bootstrapped_in(pid)], f"worker {pid}"


def check_invite_paths_refused(server: Server) -> None:
    for member in MEMBERS:
        mount = ROUTES[member][0]
        for spelling in ("/__invite__/", "/__invite__", "/%5F%5Finvite%5F%5F/"):
            reply = server.get(mount + spelling)
            assert reply.status == 404, (mount, spelling, reply)


def run_load(server: Server, threads: int = THREADS, requests: int = REQUESTS) -> LoadResult:
    headers = host_for(server.port)
    result = load(server.port, page_path, threads=threads, requests=requests, headers_for=headers)
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].split("::")[-1]
    LOAD_REPORT.append(f"{test}: {threads} threads x {requests}: {result.summary()}")
    return result


# -- prefork ---------------------------------------------------------------------------


@pytest.mark.parametrize("preload", [True, False], ids=["preload", "fork-then-load"])
def test_gunicorn_sync_workers_each_answer_with_their_own_party(preload: bool) -> None:
    options = ["--workers", "4", "--worker-class", "sync"]
    with Server(gunicorn(*options, *(["--preload"] if preload else []))) as server:
        result = run_load(server)
        check_invite_paths_refused(server)
        workers = server.children()
    by_pid = check_pages(result, server.port, THREADS * REQUESTS)
    assert set(by_pid) <= set(workers), "every page came from a worker of this server"
    assert len(by_pid) >= 2, f"the load reached one worker only: {result.summary()}"
    identities = check_own_objects(by_pid)
    if preload:
        # Bootstrapped once in the master; fork copied the party, ids and all.
        check_invitations(by_pid, lambda pid: server.pid)
        assert len({ids["party"] for ids in identities.values()}) == 1
    else:
        check_invitations(by_pid, lambda pid: pid)


@pytest.mark.parametrize("lazy_apps", [True, False], ids=["lazy-apps", "preforked"])
def test_uwsgi_processes_each_answer_with_their_own_party(lazy_apps: bool) -> None:
    argv = [
        command("uwsgi"),
        "--http-socket",
        "{bind}",
        "--master",
        "--processes",
        "4",
        "--die-on-term",
        "--need-app",
        "--disable-logging",
        "--pythonpath",
        str(Path(__file__).resolve().parent.parent),
        "--module",
        "tests.sites.eager:application",
        *(["--lazy-apps"] if lazy_apps else []),
    ]
    with Server(argv) as server:
        result = run_load(server)
        check_invite_paths_refused(server)
        workers = server.children()
    by_pid = check_pages(result, server.port, THREADS * REQUESTS)
    assert set(by_pid) <= set(workers)
    assert len(by_pid) >= 2, f"the load reached one worker only: {result.summary()}"
    check_own_objects(by_pid)
    # Without --lazy-apps uWSGI loads the app in the master and forks it.
    check_invitations(by_pid, (lambda pid: pid) if lazy_apps else (lambda pid: server.pid))


# -- lazy bootstrap under threads -------------------------------------------------------

LAZY_SERVERS = {
    "gunicorn-gthread": gunicorn(
        "--workers", "2", "--worker-class", "gthread", "--threads", "8", site="lazy"
    ),
    "waitress": [
        "{waitress}",
        "--listen={bind}",
        "--threads=16",
        "tests.sites.lazy:application",
    ],
}


@pytest.mark.parametrize("server_name", list(LAZY_SERVERS))
def test_first_concurrent_burst_bootstraps_a_lazy_party_once_per_process(
    server_name: str,
) -> None:
    argv = [a.replace("{waitress}", command("waitress-serve")) for a in LAZY_SERVERS[server_name]]
    with Server(argv) as server:
        # The readiness probe asked for an invite path: refused before bootstrap.
        burst = run_load(server, threads=16, requests=1)
        after = run_load(server, threads=8, requests=25)
        check_invite_paths_refused(server)
        pids = set(server.children()) | {server.pid}
    by_pid = check_pages(burst, server.port, 16)
    check_pages(after, server.port, 200)
    assert set(by_pid) <= pids
    check_own_objects(by_pid)
    # Exactly one invitation per member in each process, sent by that process,
    # although 16 requests arrived together while the first was bootstrapping.
    check_invitations(by_pid, lambda pid: pid)


# -- a killed worker ---------------------------------------------------------------------


T = t.TypeVar("T")


def wait_for(
    what: str, probe: t.Callable[[], T | None], seconds: float, server: Server | None = None
) -> T:
    """Call ``probe`` until it returns something true; fail naming ``what`` after ``seconds``.

    Each wait has its own bound, so a slow step never eats the time of the next.
    The failure shows the ``server``'s log.
    """
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            log = server.log() if server is not None else ""
            pytest.fail(f"{what}: not within {seconds:.0f} s\n{log}")
        time.sleep(0.05)


def test_a_worker_killed_mid_load_is_replaced_and_its_replacement_answers() -> None:
    with Server(gunicorn("--workers", "4", "--worker-class", "sync")) as server:

        def four_workers() -> set[int] | None:
            children = set(server.children())
            return children if len(children) == 4 else None

        original = wait_for("gunicorn started its 4 workers", four_workers, 60, server)
        outcome: list[LoadResult] = []
        loader = threading.Thread(
            target=lambda: outcome.append(run_load(server, requests=REQUESTS)), daemon=True
        )
        loader.start()

        # Kill a worker that has been answering, while the load is running.
        def answering_worker() -> int | None:
            pid = json.loads(request(server.port, page_path(0)).body)["pid"]
            return pid if pid in original else None

        victim = wait_for("one of the 4 workers answered", answering_worker, 60, server)
        assert loader.is_alive(), "the load was still running when the worker was killed"
        os.kill(victim, signal.SIGKILL)
        loader.join(timeout=300)
        assert not loader.is_alive(), "the load did not finish within 300 s"
        replacements = wait_for(
            f"gunicorn replaced the killed worker {victim}",
            lambda: set(server.children()) - original,
            60,
            server,
        )
        assert victim not in server.children()
        # Ask until the replacement answers (each request goes to any worker).
        fresh: list[Reply] = []
        for i in range(400):
            reply = request(server.port, page_path(i), headers=host_for(server.port)(i))
            reply.index = i
            if json.loads(reply.body)["pid"] in replacements:
                fresh.append(reply)
            if len(fresh) >= 3:
                break
    (result,) = outcome
    # A sync worker handles one request at a time: at most that one is lost.
    by_pid = check_pages(result, server.port, THREADS * REQUESTS, errors_allowed=1)
    check_own_objects(by_pid)
    assert fresh, f"the replacement never answered:\n{server.log()}"
    by_pid = check_pages(LoadResult(replies=fresh), server.port, len(fresh))
    check_own_objects(by_pid)
    check_invitations(by_pid, lambda pid: pid)


# -- the whole party under an ASGI server -------------------------------------------------

HAS_ASGI_SERVER = all(importlib.util.find_spec(m) for m in ("uvicorn", "a2wsgi"))
#: Where the (imagined) proxy in front of uvicorn mounts the site; it strips it.
ROOT_PATH = "/site"


@pytest.mark.skipif(not HAS_ASGI_SERVER, reason="uvicorn and a2wsgi are not installed")
@pytest.mark.parametrize("bootstrap", ["eager", "lazy"])
def test_uvicorn_workers_serve_the_party_under_its_root_path_each_with_its_own_party(
    bootstrap: str,
) -> None:
    """uvicorn (two workers) serves the whole party through a2wsgi's WSGIMiddleware.

    Every URL the members build starts with uvicorn's ``--root-path`` (the
    party's SCRIPT_NAME), external ones with the request's host too. uvicorn
    spawns its workers, each calls the factory: each worker answers with its
    own party, bootstrapped once in that worker, the lazy one although a burst
    of requests arrives together.
    """
    argv = uvicorn(
        f"tests.sites.asgi:{bootstrap}", "--factory", "--workers", "2", "--root-path", ROOT_PATH
    )
    with Server(argv) as server:
        results = [run_load(server, threads=16, requests=1)]

        def both_workers_answered() -> bool:
            results.append(run_load(server, threads=8, requests=5))
            return len({json.loads(r.body)["pid"] for x in results for r in x.replies}) >= 2

        wait_for("both uvicorn workers answered", both_workers_answered, 60, server)
        check_invite_paths_refused(server)
        workers = server.children()
    by_pid: dict[int, list[dict[str, t.Any]]] = {}
    for result in results:
        total = len(result.replies) + len(result.errors)
        for pid, seen in check_pages(result, server.port, total, script_root=ROOT_PATH).items():
            by_pid.setdefault(pid, []).extend(seen)
    assert set(by_pid) <= set(workers), "every page came from a worker of this server"
    assert len(by_pid) == 2
    check_own_objects(by_pid)
    check_invitations(by_pid, lambda pid: pid)
