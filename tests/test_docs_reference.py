"""The API reference documents every public name.

Each name in ``wsgi_party.__all__`` and ``wsgi_party.integration.__all__``
must appear in the built reference (docs/api*.rst) as a documented object,
so that a name added to the public API without a line in the reference
fails here rather than going unnoticed by users.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wsgi_party
from wsgi_party import integration

DOCS = Path(__file__).resolve().parent.parent / "docs"
DIRECTIVE = re.compile(
    r"^\.\. (?:auto)?(?:class|function|data|exception|attribute)::\s+([\w.]+)", re.MULTILINE
)


def _documented() -> set[str]:
    names: set[str] = set()
    for page in DOCS.glob("api*.rst"):
        text = page.read_text(encoding="utf-8")
        names |= {name.rsplit(".", 1)[-1] for name in DIRECTIVE.findall(text)}
        for members in re.findall(r":members: ([\w, \n]+?)\n\n", text):
            names |= {name.strip() for name in members.replace("\n", " ").split(",")}
    return names


@pytest.mark.parametrize(
    ("module", "name"),
    [("wsgi_party", n) for n in wsgi_party.__all__]
    + [
        ("wsgi_party.integration", n)
        for n in integration.__all__
        if n not in wsgi_party.__all__  # documented with the core
    ],
)
def test_every_public_name_is_in_the_api_reference(module: str, name: str) -> None:
    assert name in _documented(), f"{module}.{name} is not documented in docs/api*.rst"
