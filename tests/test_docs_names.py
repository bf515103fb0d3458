"""The names the docs give wsgi_party's objects, settings and arguments exist in the code.

Each check reads ``docs/*.rst``, ``docs/guides/*.rst`` and ``README.md`` and
looks every name up on the real object: a doc's variable name (``party``,
``member``, ...) maps to a class in :data:`OURS`; a prefix that is neither
ours nor listed in :data:`FOREIGN` fails the test, so a new kind of reference
is never passed over silently.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import wsgi_party
from wsgi_party import Member, PartylineOperator, RequestScope, RouteDispatcher, WSGIParty
from wsgi_party.pytest_plugin import StandInFactory
from wsgi_party.testing import StandIn

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    *sorted(ROOT.glob("docs/*.rst")),
    *sorted(ROOT.glob("docs/guides/*.rst")),
    ROOT / "README.md",
]

#: What a doc's variable or class name stands for.
OURS: dict[str, type] = {
    "party": WSGIParty,
    "application": WSGIParty,
    "WSGIParty": WSGIParty,
    "member": Member,
    "Member": Member,
    "operator": PartylineOperator,
    "partyline": PartylineOperator,  # wsgi_party.partyline proxies the operator
    "PartylineOperator": PartylineOperator,
    "RouteDispatcher": RouteDispatcher,
    "RequestScope": RequestScope,
    "StandIn": StandIn,
    "stand_in": StandInFactory,  # the pytest fixture
}
#: Prefixes that name another library's objects: not ours to check.
FOREIGN = frozenset(
    {
        "CommonMiddleware",  # Django's
        "app",
        "config",
        "django",
        "flask",
        "markupsafe",
        "pyramid",
        "registry",
        "werkzeug",
    }
)
#: Last parts that make a dotted word a file or host name, not an attribute.
FILE_OR_HOST = frozenset({"html", "ini", "json", "org", "example", "py", "txt", "typed"})

DOTTED = re.compile(r"``([A-Za-z_]\w*)((?:\.\w+)+)(\([^`]*\))?``")
PYRAMID_SETTING = re.compile(r"\bwsgi_party(?:\.\w+)+")
DJANGO_SETTING = re.compile(r"\bWSGI_PARTY_[A-Z_]+\b")
HAVE_LIST = re.compile(
    r"\b(Members|Each member|Every member|Parties|The party|Operators|Stand-ins)"
    r" (?:have|has) ([^.:]+):\s+``"
)
SUBJECT = {
    "Members": Member,
    "Each member": Member,
    "Every member": Member,
    "Parties": WSGIParty,
    "The party": WSGIParty,
    "Operators": PartylineOperator,
    "Stand-ins": StandIn,
}


def doc_texts() -> list[tuple[str, str]]:
    return [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in DOCS]


def import_all() -> list[object]:
    """Import every wsgi_party module (so their loggers exist); return them."""
    from tests.django_site import setup_django

    # wsgi_party.django.auth imports Django's auth models, as Django's own
    # backends do: Django must be set up first.
    setup_django()
    modules: list[object] = [wsgi_party]
    for info in pkgutil.walk_packages(wsgi_party.__path__, "wsgi_party."):
        modules.append(importlib.import_module(info.name))
    return modules


def pyramid_request_methods() -> set[str]:
    """The names ``config.include("wsgi_party.pyramid")`` adds to the request."""
    from pyramid.config import Configurator
    from pyramid.interfaces import IRequestExtensions

    with Configurator() as config:
        config.include("wsgi_party.pyramid")
    extensions = config.registry.getUtility(IRequestExtensions)
    return set(extensions.methods) | set(extensions.descriptors)


def instance_attributes(cls: type) -> set[str]:
    """Names the methods of ``cls`` and its bases assign as ``self.name``."""
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.startswith("wsgi_party"):
            for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(base)))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "self"
                ):
                    names.add(node.attr)
    return names


def has_name(cls: type, name: str) -> bool:
    return (
        hasattr(cls, name)
        or name in inspect.signature(cls).parameters
        or name in instance_attributes(cls)
    )


def test_dotted_references_name_attributes_of_their_objects() -> None:
    request_names = pyramid_request_methods()
    checked: list[str] = []
    faults: list[str] = []
    for where, text in doc_texts():
        for match in DOTTED.finditer(text):
            prefix, rest = match.group(1), match.group(2).lstrip(".")
            attribute = rest.split(".")[0]
            reference = f"{prefix}.{rest}"
            if prefix == "wsgi_party" or rest.split(".")[-1] in FILE_OR_HOST:
                continue  # names in the package: the settings test checks them
            if prefix in FOREIGN:
                continue
            if prefix == "request":
                if not attribute.startswith("party"):
                    continue  # the framework's own request attributes
                ok = attribute in request_names
            elif prefix in OURS:
                ok = has_name(OURS[prefix], attribute)
            else:
                faults.append(
                    f"{where}: ``{reference}``: prefix {prefix!r} is neither in OURS nor FOREIGN"
                )
                continue
            checked.append(reference)
            if not ok:
                owner = "the Pyramid request" if prefix == "request" else OURS[prefix].__name__
                faults.append(f"{where}: ``{reference}``: {owner} has no {attribute!r}")
    assert not faults, "\n".join(faults)
    assert len(set(checked)) >= 15, sorted(set(checked))


def wsgi_party_name_exists(dotted: str, loggers: set[str], settings: set[str]) -> bool:
    if dotted in loggers or dotted in settings:
        return True
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            if target is wsgi_party.partyline:
                return has_name(OURS["partyline"], part)
            try:  # static: wsgi_party.partyline is a proxy that raises outside a request
                target = inspect.getattr_static(target, part)
            except AttributeError:
                return False
        return True
    return False


def names_the_code_reads() -> set[str]:
    """``WSGI_PARTY_*`` strings passed to a call or bound to a name in wsgi_party.

    Docstrings and comments are left out: a name only there is not read.
    """
    read: set[str] = set()
    for path in (ROOT / "wsgi_party").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [*node.args, *(keyword.value for keyword in node.keywords)]
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                values = [node.value]
            for value in values:
                if (
                    isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and DJANGO_SETTING.fullmatch(value.value)
                ):
                    read.add(value.value)
    return read


def test_setting_and_logger_names_are_ones_the_code_uses() -> None:
    import wsgi_party.django.testing
    import wsgi_party.pyramid

    import_all()
    loggers = {name for name in logging.root.manager.loggerDict if name.startswith("wsgi_party")}
    pyramid_settings = {
        getattr(wsgi_party.pyramid, name)
        for name in dir(wsgi_party.pyramid)
        if name.endswith(("_SETTING", "_ROUTE"))
    }
    django_settings = names_the_code_reads()
    assert wsgi_party.django.testing.SETTING in django_settings
    assert {"WSGI_PARTY_NAME", "WSGI_PARTY_FRAGMENTS", "WSGI_PARTY_IDENTITY"} <= django_settings

    checked: set[str] = set()
    faults: list[str] = []
    for where, text in doc_texts():
        for match in PYRAMID_SETTING.finditer(text):
            dotted = match.group(0).rstrip(".")
            checked.add(dotted)
            if not wsgi_party_name_exists(dotted, loggers, pyramid_settings):
                faults.append(f"{where}: {dotted}: no module, attribute, logger or Pyramid setting")
        for match in DJANGO_SETTING.finditer(text):
            checked.add(match.group(0))
            if match.group(0) not in django_settings:
                faults.append(f"{where}: {match.group(0)}: no code reads this setting")
    assert not faults, "\n".join(faults)
    assert pyramid_settings <= checked | {wsgi_party.pyramid.INVITE_ROUTE}, "a setting undocumented"
    assert len(checked) >= 20, sorted(checked)


def call_keywords(text: str, callee: str) -> list[str]:
    """The top-level ``name=`` keywords of every ``callee(...)`` in ``text``."""
    keywords: list[str] = []
    for start in (m.end() for m in re.finditer(rf"\b{callee}\(", text)):
        depth, end = 1, start
        while depth and end < len(text):
            depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(text[end], 0)
            end += 1
        arguments = text[start : end - 1]
        flat, depth = [], 0
        for char in arguments:
            depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
            flat.append(char if depth == 0 or char in "([{" else " ")
        keywords += re.findall(r"(?:^|,)\s*(\w+)\s*=(?!=)", "".join(flat))
    return keywords


def test_wsgiparty_keywords_in_the_docs_are_parameters() -> None:
    parameters = set(inspect.signature(WSGIParty.__init__).parameters) - {"self"}
    checked: list[str] = []
    faults: list[str] = []
    for where, text in doc_texts():
        for keyword in call_keywords(text, "WSGIParty"):
            checked.append(keyword)
            if keyword not in parameters:
                faults.append(f"{where}: WSGIParty(..., {keyword}=...): not a parameter")
    assert not faults, "\n".join(faults)
    assert len(checked) >= 5, checked


def test_sentences_that_list_what_an_object_has_name_its_attributes() -> None:
    checked: list[str] = []
    faults: list[str] = []
    for where, text in doc_texts():
        for match in HAVE_LIST.finditer(text):
            cls = SUBJECT[match.group(1)]
            items = re.sub(r"\([^)]*\)", "", match.group(2)).replace("``", "")
            for item in re.split(r",|\band\b", items):
                words = re.sub(r"^\s*(?:an?|the|some)\s+(?:list\s+of\s+)?", "", item).split()
                name = "_".join(words)
                checked.append(name)
                if not (hasattr(cls, name) or hasattr(cls, name.removesuffix("s"))):
                    faults.append(
                        f"{where}: {match.group(1)} have {item.strip()!r}:"
                        f" {cls.__name__} has no attribute {name!r}"
                    )
    assert not faults, "\n".join(faults)
    assert checked, "no sentence lists what an object has; the check reads nothing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WSGIParty(app, lazy=True, base_url=f(a=1))", ["lazy", "base_url"]),
        ("WSGIParty(\n    site,\n    trusted_hosts=[...],\n)", ["trusted_hosts"]),
        ("WSGIParty(DispatcherMiddleware(shop, {'/b': b}))", []),
    ],
)
def test_call_keywords_reads_only_top_level_keywords(text: str, expected: list[str]) -> None:
    assert call_keywords(text, "WSGIParty") == expected
