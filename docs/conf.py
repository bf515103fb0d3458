"""Sphinx configuration of the wsgi_party documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
No extension fetches anything over the network (intersphinx is off).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import wsgi_party  # noqa: E402

project = "wsgi_party"
author = "wsgi_party developers"
copyright = "wsgi_party developers"
version = release = wsgi_party.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]

root_doc = "index"
exclude_patterns = ["_build", "examples/*.txt"]
templates_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"show-inheritance": True}
autoclass_content = "both"

pygments_style = "sphinx"
html_theme = "alabaster"
html_theme_options = {
    "description": "A partyline between the WSGI applications of one process.",
    "fixed_sidebar": True,
}
html_static_path: list[str] = []
