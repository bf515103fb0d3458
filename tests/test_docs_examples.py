"""The documentation's code runs: every example, its servers, its outputs, the build.

Each ``docs/examples/*.py`` checks its own claims with assertions and is run
here as a script, in its own process (the Django example configures its own
settings). The pages include these files, so the code a reader sees is the
code that ran.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from tests.servers import Server, find_command, uvicorn

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples"

#: The testing recipes of the framework guides: pytest modules using the plugin.
TESTING_RECIPES = sorted(p.name for p in EXAMPLES.glob("test_testing_*.py"))
#: Files that are not scripts: servers' configuration and entry points, pytest modules.
NOT_SCRIPTS = {"gunicorn_conf.py", "asgi.py", "test_mysite.py", *TESTING_RECIPES}
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name not in NOT_SCRIPTS)

#: The examples directory first, as for ``python docs/examples/x.py``.
EXAMPLES_ENV = {"PYTHONPATH": os.pathsep.join([str(EXAMPLES), str(REPO)])}


def run(*argv: str, **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **EXAMPLES_ENV},
        **kwargs,
    )


def test_the_examples_are_there():
    assert {"quickstart.py", "concepts.py", "urls.py", "route_migration.py"} <= set(SCRIPTS)


#: Examples that need a package outside the framework extras.
NEEDS = {"tasks.py": "celery"}


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script):
    needed = NEEDS.get(script)
    if needed is not None and importlib.util.find_spec(needed) is None:
        pytest.skip(f"{needed} is not installed")
    result = run(sys.executable, str(EXAMPLES / script))
    assert result.returncode == 0, result.stdout + result.stderr


def plugin_args() -> list[str]:
    """Load the plugin from this checkout, whether or not its entry point is installed.

    ``-p no:wsgi_party`` keeps an installed entry point (named ``wsgi_party``)
    from registering the same module a second time, which pytest refuses.
    """
    return ["-p", "no:wsgi_party", "-p", "wsgi_party.pytest_plugin"]


def test_every_framework_guide_has_a_testing_recipe():
    assert TESTING_RECIPES == [
        "test_testing_django.py",
        "test_testing_flask.py",
        "test_testing_pyramid.py",
        "test_testing_starlette.py",
        "test_testing_wsgi.py",
    ]


@pytest.mark.parametrize("recipe", TESTING_RECIPES)
def test_testing_recipe_passes(recipe):
    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *plugin_args(),
        str(EXAMPLES / recipe),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_pytest_fixtures_example_passes():
    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        str(EXAMPLES / "test_mysite.py"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


@pytest.mark.parametrize(
    ("argv", "output", "status"),
    [
        (["routes", "docs/examples/route_migration.py"], "cli_routes.txt", 0),
        (["check", "docs/examples/route_migration.py"], "cli_check.txt", 0),
        (["check", "docs/examples/declined.py"], "cli_check_declined.txt", 1),
    ],
)
def test_command_output_shown_in_the_docs_is_current(argv, output, status):
    result = run(sys.executable, "-m", "wsgi_party", *argv)
    assert result.returncode == status, result.stderr
    assert result.stdout == (EXAMPLES / output).read_text()


# -- the deployment guide's servers ------------------------------------------------------


def assert_site_serves(server: Server, root: str = "") -> None:
    """The example site answers, its links under ``root`` (where the server mounts it)."""
    for path, body in [
        ("/", f"shop; read {root}/blog/post/1"),
        ("/blog/post/4", f"post 4; back to {root}/"),
    ]:
        for _ in range(4):  # reach more than one worker
            reply = server.get(path)
            assert (reply.status, reply.body.decode()) == (200, body), server.log()


@pytest.mark.server
@pytest.mark.parametrize("preload", [[], ["--preload"]], ids=["fork-then-load", "preload"])
def test_gunicorn_serves_the_wsgi_example(preload):
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(EXAMPLES / "gunicorn_conf.py"),
        "--bind",
        "{bind}",
        *preload,
        "wsgi:application",
    ]
    with Server(argv, env=EXAMPLES_ENV) as server:
        assert_site_serves(server)


UWSGI = find_command("uwsgi")
UWSGI_INI = EXAMPLES / "uwsgi.ini"
LAZY_APPS = "lazy-apps = true\n"


def test_the_uwsgi_example_keeps_comments_on_lines_of_their_own():
    """uWSGI does not strip a comment after a value: it would become part of it."""
    for line in UWSGI_INI.read_text().splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            _key, value = (part.strip() for part in line.split("=", 1))
            assert ";" not in value and "#" not in value, line
    assert LAZY_APPS in UWSGI_INI.read_text()


@pytest.mark.server
@pytest.mark.skipif(UWSGI is None, reason="uWSGI is not installed")
@pytest.mark.parametrize("lazy_apps", [True, False], ids=["lazy-apps", "master-loads"])
def test_uwsgi_serves_the_wsgi_example_from_the_documented_ini(lazy_apps, tmp_path):
    ini = UWSGI_INI.read_text()
    if not lazy_apps:  # the other mode the page describes: the line left out
        ini = ini.replace(LAZY_APPS, "")
    (tmp_path / "uwsgi.ini").write_text(ini)
    assert UWSGI is not None
    argv = [
        UWSGI,
        "--ini",
        str(tmp_path / "uwsgi.ini"),
        "--http-socket",
        "{bind}",
        "--chdir",
        str(EXAMPLES),
        "--processes",
        "2",
        "--die-on-term",
        "--disable-logging",
        "--reload-mercy",
        "2",
        "--worker-reload-mercy",
        "2",
    ]
    with Server(argv, env=EXAMPLES_ENV) as server:
        assert_site_serves(server)
    # The ini file was read as written: with lazy-apps the workers load the
    # app, without it the master loads it once and the workers inherit it.
    loaded_by = [int(pid) for pid in re.findall(r"WSGI app 0 .* ready .* pid: (\d+)", server.log())]
    if lazy_apps:
        assert loaded_by and server.pid not in loaded_by, server.log()
    else:
        assert loaded_by == [server.pid], server.log()


@pytest.mark.server
def test_waitress_serves_the_wsgi_example():
    argv = [sys.executable, "-m", "waitress", "--listen={bind}", "--threads=4", "wsgi:application"]
    with Server(argv, env=EXAMPLES_ENV) as server:
        assert_site_serves(server)


HAS_ASGI_SERVER = all(importlib.util.find_spec(m) for m in ("uvicorn", "a2wsgi"))


@pytest.mark.server
@pytest.mark.skipif(not HAS_ASGI_SERVER, reason="uvicorn and a2wsgi are not installed")
@pytest.mark.parametrize("root_path", ["", "/site"], ids=["root", "root-path"])
def test_uvicorn_workers_serve_the_asgi_example(root_path):
    options = ["--workers", "2", *(["--root-path", root_path] if root_path else [])]
    with Server(uvicorn("asgi:application", *options), env=EXAMPLES_ENV) as server:
        assert_site_serves(server, root_path)


# -- the build ----------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="Sphinx is not installed")
def test_docs_build_without_warnings(tmp_path):
    result = run(
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(tmp_path / "doctrees"),
        str(DOCS),
        str(tmp_path / "html"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "html" / "api.html").is_file()
