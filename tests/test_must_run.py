"""Under ``CI=true`` a server, browser or worker test that would skip fails instead.

Runs a small test file in a pytest of its own (pytester) with the hook the
suite's ``conftest.py`` takes from :mod:`tests.must_run`, with ``CI=true``
and without.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import shutil

import pytest


@pytest.fixture
def chromium():
    pytest.skip("/usr/bin/chromium not found")


@pytest.mark.server
@pytest.mark.skipif(True, reason="uWSGI is not installed")
def test_server_skipped_by_a_mark():
    pass


@pytest.mark.server
def test_server_skipping_itself():
    pytest.skip("the 'gunicorn' command is not installed")


@pytest.mark.browser
def test_browser_skipped_by_its_fixture(chromium):
    pass


@pytest.mark.worker
def test_worker_missing_a_module():
    pytest.importorskip("no_such_task_queue_xyz")


@pytest.mark.server
def test_server_that_runs():
    pass


def test_other_skipped():
    pytest.skip("not a real-process test")


@pytest.mark.server
@pytest.mark.xfail(reason="known to fail", run=False)
def test_server_expected_to_fail():
    pass
"""

INI = """
[pytest]
markers =
    server: a real server
    browser: a real browser
    worker: a real worker
"""

MUST_RUN = {
    "test_server_skipped_by_a_mark": (
        "this server test must run; it would skip: uWSGI is not installed"
    ),
    "test_server_skipping_itself": "it would skip: the 'gunicorn' command is not installed",
    "test_browser_skipped_by_its_fixture": (
        "this browser test must run; it would skip: /usr/bin/chromium not found"
    ),
    "test_worker_missing_a_module": "it would skip: could not import 'no_such_task_queue_xyz'",
}


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    """Run :data:`TESTS` with the hook as the suite's own conftest provides it."""
    # The installed plugins are not needed here, and loading them is slow.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeini(INI)
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport")
    pytester.makepyfile(test_real=TESTS)
    return pytester.runpytest("-rA")


@pytest.mark.parametrize("value", ["true", "1"])
def test_under_ci_a_real_process_test_that_would_skip_fails_saying_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    result = run(pytester, monkeypatch)
    outcomes = result.parseoutcomes()
    # Skips in setup (marks, fixtures) are reported as errors, in the call as failures.
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == len(MUST_RUN)
    assert (outcomes["passed"], outcomes["skipped"], outcomes["xfailed"]) == (1, 1, 1)
    for test, says in MUST_RUN.items():
        lines = [line for line in result.outlines if test in line and "CI=true" in line]
        assert lines, f"{test}: {result.stdout.str()}"
        assert says in lines[0]
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize("value", [None, "false"])
def test_outside_ci_they_skip_saying_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    result = run(pytester, monkeypatch)
    outcomes = result.parseoutcomes()
    assert (outcomes["passed"], outcomes["skipped"], outcomes["xfailed"]) == (1, 5, 1)
    assert "failed" not in outcomes
    assert "errors" not in outcomes
    result.stdout.fnmatch_lines(["SKIPPED * uWSGI is not installed"])
    assert result.ret == pytest.ExitCode.OK
