"""The ``wsgi-party`` command: check, routes and serve, and its errors.

Most tests call :func:`wsgi_party.cli.main` in-process; a few run
``python -m wsgi_party`` for real. Targets live in ``tests/cli_targets``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.test import Client

from wsgi_party import Route, WSGIParty
from wsgi_party.cli import _colour_wanted, main

REPO = Path(__file__).resolve().parent.parent
TARGETS = "tests.cli_targets"


@pytest.fixture(autouse=True)
def fresh_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """Run from the repository; afterwards close every party the targets made.

    The target modules are dropped from ``sys.modules`` so that the next test
    imports fresh app objects.
    """
    monkeypatch.chdir(REPO)
    saved_path = list(sys.path)
    yield
    sys.path[:] = saved_path
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if name.startswith(TARGETS + ".") or path.startswith(str(tmp_path)):
            del sys.modules[name]
            for value in vars(module).values():
                if isinstance(value, WSGIParty):
                    value.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def target_module(name: str) -> t.Any:
    return importlib.import_module(f"{TARGETS}.{name}")


def member_lines(out: str) -> dict[str, list[str]]:
    """Rows of the check command's member table, by member name."""
    rows: dict[str, list[str]] = {}
    section = None
    for line in out.splitlines():
        if line.startswith(("members:", "declined:")):
            section = line.split(":")[0]
        elif section == "members" and line.startswith("  ") and not line.strip().startswith("NAME"):
            name, mount, services = line.split(None, 2)
            rows[name] = [mount, services]
    return rows


# -- check ---------------------------------------------------------------------------


def test_check_lists_every_member_with_mount_and_services_and_exits_0(capsys):
    code, out, err = run(capsys, "check", f"{TARGETS}.site:application")
    assert code == 0, err
    party = target_module("site").application
    expected = {m.name: [m.script_name or "/", ", ".join(m.services)] for m in party.members}
    assert member_lines(out) == expected
    assert "declined: 0" in out
    assert out.rstrip().endswith("OK")


def test_check_accepts_a_file_path_target(capsys):
    code, out, _err = run(capsys, "check", "tests/cli_targets/site.py:application")
    assert code == 0
    assert set(member_lines(out)) == {m.name for m in target_module("site").application.members}


def test_check_accepts_an_absolute_file_path_from_another_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _err = run(capsys, "check", f"{REPO}/tests/cli_targets/site.py:application")
    assert code == 0
    assert "shop" in member_lines(out)


@pytest.mark.parametrize("stem", ["site", "json"])
def test_a_file_target_named_like_an_imported_module_is_refused_by_name(
    capsys, tmp_path, monkeypatch, stem
):
    # A file named like a module that is already imported (the standard
    # library's 'site', always imported) is never run by importing its name.
    target = tmp_path / f"{stem}.py"
    target.write_text(
        "from wsgi_party import PartyMember, WSGIParty\n"
        "application = WSGIParty(PartyMember(lambda e, s: [], name='x'))\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", f"{stem}.py:application")
    assert_one_line_error(
        code, out, err, f"cannot load '{stem}.py'", f"module name '{stem}'", "rename the file"
    )


def test_check_without_attribute_uses_the_module_application(capsys):
    code, out, _err = run(capsys, "check", f"{TARGETS}.site")
    assert code == 0
    assert set(member_lines(out)) == {m.name for m in target_module("site").application.members}


def test_check_finds_the_party_behind_middleware(capsys):
    code, out, _err = run(capsys, "check", f"{TARGETS}.site:behind_proxy")
    assert code == 0
    module = target_module("site")
    # The module's own party was bootstrapped, not a second one around it.
    assert {m.name for m in module.application.members} == set(member_lines(out))


def test_check_wraps_a_plain_app_reports_the_declined_invite_and_exits_1(capsys):
    code, out, err = run(capsys, "check", f"{TARGETS}.plain:application")
    assert code == 1
    assert set(member_lines(out)) == {"shop", "blog"}
    declined = [line for line in out.splitlines() if "/files/__invite__/" in line]
    assert len(declined) == 1
    assert "connected no handler" in declined[0]
    assert "FAILED" in out
    # check reports declines itself; the party's log warning stays quiet.
    assert "declined" not in err


def test_check_closes_the_party_it_made_so_the_apps_can_join_again(capsys):
    run(capsys, "check", f"{TARGETS}.plain:application")
    dispatcher = target_module("plain").application
    with WSGIParty(dispatcher) as party:
        assert [m.name for m in party.members] == ["shop", "blog"]


def test_check_exits_1_when_nobody_joined(capsys):
    code, out, _err = run(capsys, "check", f"{TARGETS}.broken:lonely")
    assert code == 1
    assert "members: 0" in out
    assert "nobody joined" in out


def test_check_exits_1_and_prints_a_member_whose_invite_failed_in_a_lazy_party(capsys, caplog):
    code, out, _err = run(capsys, "check", f"{TARGETS}.broken:one_broken")
    assert code == 1
    assert "members: 1" in out
    (failed,) = [line for line in out.splitlines() if "/reports/__invite__/" in line]
    assert "member 'reports' failed to join: raised RuntimeError" in failed
    assert "the reports database is down" in failed
    assert "FAILED: 1 invitation(s) declined" in out
    # check lets the party's error log through, with the traceback.
    (record,) = [r for r in caplog.records if r.name == "wsgi_party.invitations"]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the reports database is down"


def test_check_reports_apps_already_in_another_live_party(capsys):
    code, out, _err = run(capsys, "check", f"{TARGETS}.broken:shared")
    assert code == 1
    assert "already member 'one' of another live party" in out


# -- errors: one line on stderr, exit status 2 ------------------------------------------


def assert_one_line_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("wsgi-party: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("command", ["check", "routes", "serve"])
@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("", "bad target"),
        (":application", "bad target"),
        (f"{TARGETS}.site:", "bad target"),
        (f"{TARGETS}.site:make_app()", "not an attribute name"),
        ("not a module:app", "neither a module name nor a .py file"),
        (f"{TARGETS}.no_such_module:app", f"no module named '{TARGETS}.no_such_module'"),
        ("no_such_package.wsgi:application", "no module named 'no_such_package.wsgi'"),
        ("tests/cli_targets/no_such_file.py:app", "no such file: 'tests/cli_targets/no_such"),
        (f"{TARGETS}.site:no_such_attribute", "has no attribute 'no_such_attribute'"),
        (f"{TARGETS}.site:application.nope", "has no attribute 'nope'"),
        (f"{TARGETS}.site:NOT_AN_APP", "is int, not a WSGI application"),
        (f"{TARGETS}._members", "no attribute 'application' or 'app'"),
    ],
)
def test_bad_targets_get_one_line_and_exit_2(capsys, command, target, needle):
    code, out, err = run(capsys, command, target)
    assert_one_line_error(code, out, err, needle)


@pytest.mark.parametrize("command", ["check", "routes"])
def test_a_failing_bootstrap_gets_one_line_and_exit_2(capsys, command):
    code, out, err = run(capsys, command, f"{TARGETS}.broken:twins")
    assert_one_line_error(code, out, err, "bootstrapping", "two members are named 'twin'")


def test_a_party_that_fails_while_its_module_is_imported_gets_one_line(capsys):
    code, out, err = run(capsys, "check", f"{TARGETS}.failing:application")
    assert_one_line_error(
        code, out, err, "bootstrapping", "RuntimeError", "the database is not configured"
    )


def test_a_closed_party_gets_one_line(capsys):
    target_module("site").application.close()
    code, out, err = run(capsys, "check", f"{TARGETS}.site:application")
    assert_one_line_error(code, out, err, "is closed")


@pytest.mark.parametrize(
    ("source", "needles"),
    [
        ("def broken(:\n", ("syntax error", "line 1")),
        ("import no_such_dependency_xyz\n", ("failed", "no_such_dependency_xyz")),
        ("raise ValueError('DATABASE_URL is not set')\n", ("ValueError", "DATABASE_URL")),
    ],
)
def test_errors_in_the_target_module_get_one_line(capsys, tmp_path, source, needles):
    module = tmp_path / "cli_target_with_error.py"
    module.write_text(source)
    code, out, err = run(capsys, "check", f"{module}:application")
    assert_one_line_error(code, out, err, *needles)


def test_traceback_option_shows_where_the_target_failed(capsys, tmp_path):
    module = tmp_path / "cli_target_raising.py"
    module.write_text("raise ValueError('DATABASE_URL is not set')\n")
    code, _out, err = run(capsys, "check", f"{module}:application", "--traceback")
    assert code == 2
    assert "Traceback" in err
    assert str(module) in err
    assert err.strip().splitlines()[-1].startswith("wsgi-party: error: ")


# -- usage ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["serve"], ["routes"], ["check"]])
def test_every_command_has_help(capsys, command):
    code, out, _err = run(capsys, *command, "--help")
    assert code == 0
    assert out.startswith(f"usage: wsgi-party {' '.join(command)}".rstrip())
    assert "TARGET" in out or not command


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["dance"],
        ["check"],
        ["serve", "x:y", "--port", "http"],
        ["serve", "x:y", "--port", "70000"],
    ],
)
def test_bad_usage_exits_2(capsys, argv):
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err


# -- routes ---------------------------------------------------------------------------


def asked_routes(party: WSGIParty) -> list[Route]:
    return [r for m in party.members for r in party.ask(m.name, "routes", None)]


def test_routes_prints_one_table_with_every_members_full_rules(capsys):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.site:application")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["MEMBER", "ENDPOINT", "METHODS", "RULE", "SERVED", "BY", "NOTE"]
    body = [line.split() for line in lines[1:]]
    expected = [
        [r.member, r.endpoint, ",".join(r.methods) or "ANY", r.rule, r.member]
        for r in asked_routes(target_module("site").application)
    ]
    assert body == expected
    assert any(rule == "/blog/post/<int:id>" for *_x, rule, _by in body)


@pytest.mark.parametrize("json_option", [[], ["--json"]], ids=["table", "json"])
def test_routes_exits_1_when_nobody_joined(capsys, json_option):
    code, out, err = run(capsys, "routes", f"{TARGETS}.broken:lonely", *json_option)
    assert code == 1
    if json_option:
        assert json.loads(out) == []
        assert "nobody joined" in err
    else:
        assert "nobody joined" in out


def test_routes_json_lists_every_route(capsys):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.site:application", "--json")
    assert code == 0
    rows = json.loads(out)
    expected = [
        {"member": r.member, "endpoint": r.endpoint, "methods": list(r.methods), "rule": r.rule}
        for r in asked_routes(target_module("site").application)
    ]
    assert [{k: row[k] for k in ("member", "endpoint", "methods", "rule")} for row in rows] == (
        expected
    )
    assert all(row["served_by"] == row["member"] and row["dispatcher"] is None for row in rows)


def test_routes_of_a_wrapped_plain_app(capsys):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.plain:application", "--json")
    assert code == 0
    assert [(r["member"], r["rule"]) for r in json.loads(out)] == [
        ("shop", "/"),
        ("blog", "/blog/post/<int:id>"),
    ]


def test_routes_lists_members_without_a_routes_service(capsys):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.migration:application", "--json")
    assert code == 0
    status = [r for r in json.loads(out) if r["member"] == "status"]
    assert status == [
        {
            "member": "status",
            "endpoint": None,
            "methods": [],
            "rule": None,
            "served_by": None,
            "dispatcher": None,
            "probe": None,
            "shadowed_by": [],
            "note": "offers no 'routes' service",
        }
    ]
    code, out, _err = run(capsys, "routes", f"{TARGETS}.migration:application")
    assert any(
        line.split()[0] == "status" and "offers no 'routes' service" in line
        for line in out.splitlines()
    )


def routes_by_endpoint(rows: list[dict[str, t.Any]], member: str) -> dict[str, dict[str, t.Any]]:
    return {r["endpoint"]: r for r in rows if r["member"] == member}


@pytest.mark.parametrize("attribute", ["application", "prefixed"])
def test_routes_says_which_member_serves_each_dispatcher_route(capsys, attribute):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.migration:{attribute}", "--json")
    assert code == 0
    rows = json.loads(out)
    legacy = routes_by_endpoint(rows, "legacy")
    new = routes_by_endpoint(rows, "new")
    assert all(r["served_by"] == "new" and not r["shadowed_by"] for r in new.values())
    # The new app took over GET /about and GET /post/<id>: those legacy
    # routes are shadowed and served by new.
    for endpoint in ("about", "post"):
        assert legacy[endpoint]["served_by"] == "new"
        [shadow] = legacy[endpoint]["shadowed_by"]
        assert (shadow["member"], shadow["evidence"]) == ("new", "match")
        assert shadow["methods"] == ["GET"]
    # Only POST /feedback moved; GET stays with legacy.
    [shadow] = legacy["feedback"]["shadowed_by"]
    assert shadow["methods"] == ["POST"]
    assert legacy["feedback"]["served_by"] == "legacy"
    # /tag/<slug> is only partly taken by /tag/<int:id>; its probe stays legacy's.
    assert legacy["tag"]["shadowed_by"] == []
    assert legacy["contact"]["served_by"] == legacy["home"]["served_by"] == "legacy"
    # A custom converter (<year:year>, four digits) is probed by its own
    # builder and matcher: "x" and "1" do not match it back, "2024" does.
    mount = "" if attribute == "application" else "/site"
    assert legacy["archive"]["probe"] == mount + "/archive/2024"
    [shadow] = legacy["archive"]["shadowed_by"]
    assert (shadow["member"], shadow["probe"]) == ("new", mount + "/archive/2024")
    assert legacy["archive"]["served_by"] == "new"
    assert {r["dispatcher"] for r in rows if r["member"] in ("new", "legacy")} == {
        "/" if attribute == "application" else "/site"
    }


@pytest.mark.parametrize("attribute", ["application", "prefixed"])
def test_routes_report_agrees_with_real_dispatch(capsys, attribute):
    """Every probe the report makes lands, over WSGI, where the report says."""
    code, out, _err = run(capsys, "routes", f"{TARGETS}.migration:{attribute}", "--json")
    assert code == 0
    party = getattr(target_module("migration"), attribute)
    client = Client(party)
    checked = 0
    for row in json.loads(out):
        if row["rule"] is None or row["dispatcher"] is None:
            continue
        probe = row["probe"]
        assert probe is not None, row
        methods = [m for m in row["methods"] if m not in ("HEAD", "OPTIONS")] or ["GET"]
        shadows = {m: s["member"] for s in row["shadowed_by"] for m in s["methods"]}
        for method in methods:
            response = client.open(probe, method=method)
            served = response.get_data(as_text=True).split(":")[0]
            assert served == shadows.get(method, row["member"]), (row, method)
            checked += 1
    assert checked >= 10


def test_routes_table_names_the_shadowing_member(capsys):
    code, out, _err = run(capsys, "routes", f"{TARGETS}.migration:application")
    assert code == 0
    about = [line for line in out.splitlines() if line.split()[:2] == ["legacy", "about"]]
    assert len(about) == 1
    assert about[0].split()[4] == "new"
    assert "shadowed by new for GET (it claims /about)" in about[0]


# -- the real command ---------------------------------------------------------------------


def command(*argv: str, **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wsgi_party", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "no_color", "wanted"),
    [
        (_Terminal(), None, True),
        (_Terminal(), "1", False),
        (_Terminal(), "", True),
        (io.StringIO(), None, False),
    ],
    ids=["terminal", "terminal-NO_COLOR", "terminal-empty-NO_COLOR", "pipe"],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch, stream, no_color, wanted):
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert _colour_wanted(stream) is wanted


def test_python_m_wsgi_party_checks_a_party():
    result = command("check", f"{TARGETS}.site:application")
    assert result.returncode == 0, result.stderr
    assert set(member_lines(result.stdout)) == {"shop", "blog"}


def test_python_m_wsgi_party_reports_a_missing_module_without_traceback():
    result = command("routes", "no_such_package.wsgi:application")
    assert_one_line_error(
        result.returncode, result.stdout, result.stderr, "no module named 'no_such_package.wsgi'"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, proc: subprocess.Popen[str], deadline: float) -> str:
    """GET ``url`` once the server is up (bounded wait)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None:
                _out, err = proc.communicate()
                pytest.fail(f"the server exited with {proc.returncode}: {err}")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer from {url}")
            time.sleep(0.1)


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate(timeout=10)


@pytest.mark.server
@pytest.mark.parametrize("reload", [False, True], ids=["plain", "reload"])
def test_serve_runs_a_development_server_with_the_party(reload):
    port = free_port()
    argv = ["serve", f"{TARGETS}.site:application", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsgi_party", *argv, *(["--reload"] if reload else [])],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        home = fetch(f"http://127.0.0.1:{port}/", proc, deadline)
        post = fetch(f"http://127.0.0.1:{port}/blog/", proc, deadline)
    finally:
        out, err = stop(proc)
    # Each page carries a link built through the party to the other app.
    with WSGIParty(target_module("site").application.application) as party:
        assert home == f"shop:index\nlink: {party.url_for('blog:index')}"
        assert post == f"blog:index\nlink: {party.url_for('shop:index')}"
    assert f"on http://127.0.0.1:{port}/" in out.splitlines()[0]
    assert (out + err).count("CTRL+C to quit") == 1, out + err
    # The requests are logged, without colour codes: stderr is a pipe here.
    assert '"GET /blog/ HTTP/1.1" 200' in err
    assert "\x1b[" not in err


@pytest.mark.server
@pytest.mark.parametrize(
    ("no_color", "coloured"), [("", True), ("1", False)], ids=["colour", "NO_COLOR"]
)
def test_serve_colours_its_log_on_a_terminal_unless_no_color(no_color, coloured):
    port = free_port()
    controller, terminal = pty.openpty()
    argv = ["serve", f"{TARGETS}.site:application", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsgi_party", *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": no_color},
    )
    os.close(terminal)
    try:
        fetch(f"http://127.0.0.1:{port}/blog/", proc, time.monotonic() + 30)
        log = read_terminal_until(controller, '"GET /blog/ HTTP/1.1"', time.monotonic() + 30)
    finally:
        stop(proc)
        os.close(controller)
    assert ("\x1b[" in log) is coloured, log


def read_terminal_until(fd: int, needle: str, deadline: float) -> str:
    """What the server wrote to its terminal, up to the line holding ``needle``."""
    data = b""
    while needle.encode() not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"{needle!r} never reached the terminal: {data!r}")
        readable, _, _ = select.select([fd], [], [], remaining)
        if readable:
            data += os.read(fd, 4096)
    rest = data.split(needle.encode(), 1)[1]
    while b"\n" not in rest and time.monotonic() < deadline:
        readable, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        if readable:
            chunk = os.read(fd, 4096)
            data += chunk
            rest += chunk
    return data.decode(errors="replace")


@pytest.mark.server
def test_serve_wraps_a_plain_app_in_a_party():
    port = free_port()
    argv = ["serve", "tests/cli_targets/plain.py", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsgi_party", *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        page = fetch(f"http://127.0.0.1:{port}/blog/post/3", proc, time.monotonic() + 30)
    finally:
        stop(proc)
    assert page == "blog:post"
