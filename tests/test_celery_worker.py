"""The Celery recipe (``docs/examples/tasks.py``) in a real prefork worker.

The test starts ``celery -A tasks worker --pool prefork`` on this machine,
with a broker and a result backend that cross processes without a server
(kombu's ``filesystem://`` transport and Celery's ``file://`` backend, in a
temporary directory), sends it the recipe's task from this process and waits
a bounded time for the answer: a cross-app external URL that a pool process
built with its own party, bootstrapped by the recipe's ``worker_process_init``
hook. The worker (its whole process group) is always killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest

pytestmark = pytest.mark.worker

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"

#: Pool processes; each must bootstrap its own party.
CONCURRENCY = 2
#: Seconds to wait for the worker's answer, and for it to exit once killed:
#: bounds, not expectations (the whole test takes a few seconds).
ANSWER_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

SITE_URL = "https://www.example.org/site"

#: Imported by the worker instead of the recipe itself: the recipe, plus a
#: second worker_process_init hook (connected after the recipe's, so it runs
#: after it) that writes down the state of each pool process's party.
RECORDING_TASKS = """
import os

from celery.signals import worker_process_init

import tasks
from tasks import app

@worker_process_init.connect
def record_party(**kwargs):
    with open(os.environ["PARTY_REPORT"], "a") as report:
        report.write(f"{os.getpid()} {tasks.party!r}\\n")
"""


def celery_config(folder: Path) -> dict[str, t.Any]:
    """Broker and result backend in ``folder``, shared by this process and the worker."""
    messages = folder / "messages"
    control = folder / "control"
    results = folder / "results"
    for path in (messages, control, results):
        path.mkdir()
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(messages),
            "data_folder_out": str(messages),
            "control_folder": str(control),
            "polling_interval": 0.1,
        },
        "result_backend": f"file://{results}",
        "worker_enable_remote_control": False,
    }


@contextlib.contextmanager
def worker(folder: Path, config: dict[str, t.Any]) -> t.Iterator[subprocess.Popen[bytes]]:
    """A prefork Celery worker running the recipe, stopped on leaving."""
    (folder / "worker_config.py").write_text(
        "".join(f"{name} = {value!r}\n" for name, value in config.items())
    )
    (folder / "recording_tasks.py").write_text(RECORDING_TASKS)
    log = folder / "worker.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(EXAMPLES), str(REPO)]),
        "CELERY_CONFIG_MODULE": "worker_config",
        "SITE_URL": SITE_URL,
        "PARTY_REPORT": str(folder / "parties.txt"),
    }
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "recording_tasks",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(CONCURRENCY),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    except BaseException:
        sys.stdout.write(f"--- worker log ---\n{log.read_text(errors='replace')[-20000:]}\n")
        raise
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the worker and its pool processes (they share its process group).

    Nothing is left to finish once the test has its answer, and Celery's own
    shutdown spends seconds waiting; SIGKILL stops every process at once.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_TIMEOUT)


def wait_for_lines(path: Path, count: int, worker: subprocess.Popen[bytes]) -> list[str]:
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count or time.monotonic() > deadline or worker.poll() is not None:
            return lines
        time.sleep(0.05)


def test_a_prefork_worker_builds_cross_app_urls_with_a_party_per_process(tmp_path: Path) -> None:
    celery = pytest.importorskip("celery")
    config = celery_config(tmp_path)
    producer = celery.Celery("producer")
    producer.conf.update(config)
    with worker(tmp_path, config) as process:
        # Sent by name, as a web app does: this process never imports the recipe.
        result = producer.send_task("tasks.welcome_mail", args=(3,))
        answer = result.get(timeout=ANSWER_TIMEOUT)
        assert answer == f"Welcome! Your first post: {SITE_URL}/blog/post/3"
        parties = wait_for_lines(tmp_path / "parties.txt", CONCURRENCY, process)
        assert process.poll() is None, "the worker exited"
    # Each pool process had its own party, bootstrapped by the recipe's hook
    # before the hook after it ran (a lazy party that nobody bootstrapped
    # would say "pending").
    pids = {line.split()[0] for line in parties}
    assert len(pids) == CONCURRENCY, parties
    assert str(process.pid) not in pids
    for line in parties:
        assert line.endswith("<WSGIParty ready members=[shop, blog]>"), line
    assert "tasks" not in sys.modules
