"""Each integration says which extra installs its framework when it is missing.

The framework is hidden from a fresh interpreter by a meta path finder that
answers as a missing distribution would, with ``ModuleNotFoundError``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

HIDE_AND_IMPORT = textwrap.dedent(
    """
    import importlib, sys

    hidden, module = set(sys.argv[1].split(",")), sys.argv[2]

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in hidden:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    try:
        importlib.import_module(module)
    except ImportError as error:
        cause = error.__cause__
        print(type(error).__name__)
        print(error)
        print(error.name)
        print(type(cause).__name__, cause)
    else:
        print("imported")
    """
)


@pytest.mark.parametrize(
    ("framework", "module", "extra"),
    [
        ("flask", "wsgi_party.flask", "flask"),
        ("pyramid", "wsgi_party.pyramid", "pyramid"),
        ("django", "wsgi_party.django", "django"),
        ("django", "wsgi_party.django.templatetags.wsgi_party", "django"),
        ("starlette", "wsgi_party.starlette", "starlette"),
        ("a2wsgi", "wsgi_party.starlette", "starlette"),
    ],
)
def test_an_integration_without_its_framework_names_the_extra(framework, module, extra):
    result = subprocess.run(
        [sys.executable, "-c", HIDE_AND_IMPORT, framework, module],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    kind, message, name, cause = result.stdout.splitlines()
    assert kind == "ModuleNotFoundError"  # an ImportError, as the bare one was
    assert f'pip install "wsgi_party[{extra}]"' in message
    assert name == framework
    assert cause == f"ModuleNotFoundError No module named '{framework}'"


def test_the_core_imports_without_any_framework():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            HIDE_AND_IMPORT,
            "flask,pyramid,django,webob,starlette,fastapi,a2wsgi",
            "wsgi_party",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "imported", result.stdout + result.stderr


def test_the_starlette_integration_needs_neither_fastapi_nor_jinja2():
    result = subprocess.run(
        [sys.executable, "-c", HIDE_AND_IMPORT, "fastapi,jinja2", "wsgi_party.starlette"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "imported", result.stdout + result.stderr
