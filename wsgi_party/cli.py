"""The ``wsgi-party`` command: serve a party, list its routes, check who joined.

Point it at the object your WSGI server would serve, as gunicorn and
``flask --app`` take it (``module:attribute`` or ``path/to/file.py:attribute``)::

    wsgi-party check mysite.wsgi:application      # who joined, who declined
    wsgi-party routes mysite.wsgi:application     # every route of every member
    wsgi-party routes site.py:application --json
    wsgi-party serve mysite.wsgi:application --port 8000 --reload

The attribute may hold a :class:`~wsgi_party.WSGIParty` (also one wrapped in
middleware) or any WSGI application, which is then wrapped in a
``WSGIParty`` that discovers its members. ``python -m wsgi_party`` is the same
command. From Python, :func:`main` takes the arguments as a list and returns
the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import re
import sys
import traceback
import typing as t
from dataclasses import dataclass, field

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import (
    Alias,
    ClaimedPrefix,
    ConfigurationError,
    Declined,
    InvitationError,
    Member,
    PartylineException,
    Route,
    RouteDispatcher,
    RouteExplanation,
    WSGIParty,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from _typeshed.wsgi import WSGIApplication

__all__ = ["TargetError", "load_target", "main"]

PROG = "wsgi-party"

#: Attributes tried, in order, when a target names no attribute.
DEFAULT_ATTRIBUTES = ("application", "app")

#: How deep to look through middleware (``.app``/``.application``) and
#: dispatchers for a party or a route dispatcher.
_MAX_DEPTH = 8


class TargetError(Exception):
    """A target that cannot be loaded or bootstrapped; the message is one line."""


# -- loading the target ---------------------------------------------------------


def load_target(spec: str) -> object:
    """Import ``spec`` (``module:attribute`` or ``path/to/file.py:attribute``).

    Without ``:attribute`` the module's ``application``, else its ``app``, is
    used. The attribute may be dotted (``module:site.application``). The
    current directory (for a module) or the file's package root (for a file)
    is put on ``sys.path`` first, as gunicorn and ``flask --app`` do. Raises
    :class:`TargetError` with a one-line message naming what was wrong.
    """
    where, attribute = _split_target(spec)
    module_name = _import_target_module(spec, where)
    module = sys.modules[module_name]
    if attribute is None:
        for name in DEFAULT_ATTRIBUTES:
            if hasattr(module, name):
                return getattr(module, name)
        raise TargetError(
            f"module {module_name!r} has no attribute 'application' or 'app'"
            f" (target {spec!r}); name one: {where}:ATTRIBUTE"
        )
    obj: object = module
    for depth, part in enumerate(attribute.split(".")):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            owner = module_name if depth == 0 else f"{module_name}:{attribute.rsplit('.', 1)[0]}"
            raise TargetError(f"{owner!r} has no attribute {part!r} (target {spec!r})") from None
    return obj


_ATTRIBUTE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _split_target(spec: str) -> tuple[str, str | None]:
    """Split a target into (module or file, attribute or ``None``)."""
    where, colon, attribute = spec.strip().rpartition(":")
    if not colon or _is_path(attribute):
        where, attribute = spec.strip(), ""
    if not where or (colon and not attribute and not _is_path(spec)):
        raise TargetError(
            f"bad target {spec!r}: expected module:attribute or path/to/file.py:attribute"
        )
    if attribute and not _ATTRIBUTE.fullmatch(attribute):
        raise TargetError(
            f"bad target {spec!r}: {attribute!r} is not an attribute name"
            " (objects only; factories are not called)"
        )
    if not _is_path(where) and not _MODULE.fullmatch(where):
        raise TargetError(f"bad target {spec!r}: {where!r} is neither a module name nor a .py file")
    return where, attribute or None


def _is_path(text: str) -> bool:
    return text.endswith(".py") or "/" in text or os.sep in text


def _import_target_module(spec: str, where: str) -> str:
    """Import the module of a target; return its name in ``sys.modules``."""
    if _is_path(where):
        path = os.path.abspath(where)
        if not os.path.isfile(path):
            raise TargetError(f"no such file: {where!r} (target {spec!r})")
        module_name, root = _module_for_file(path)
        if not _MODULE.fullmatch(module_name):
            raise TargetError(
                f"cannot import {where!r} (target {spec!r}): {module_name!r} is not a"
                " valid module name"
            )
    else:
        module_name, root = where, os.getcwd()
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            raise TargetError(f"no module named {module_name!r} (target {spec!r})") from None
        raise TargetError(f"importing {module_name!r} failed (target {spec!r}): {exc}") from exc
    except SyntaxError as exc:
        raise TargetError(
            f"syntax error in {exc.filename}, line {exc.lineno} (target {spec!r}): {exc.msg}"
        ) from exc
    except InvitationError as exc:
        raise TargetError(
            f"bootstrapping the party failed while importing {module_name!r}: {_one_line(exc)}"
        ) from exc
    except Exception as exc:
        raise TargetError(
            f"importing {module_name!r} raised {type(exc).__name__} (target {spec!r}):"
            f" {_one_line(exc)}"
        ) from exc
    if _is_path(where):
        _check_imported_file(spec, where, module_name)
    return module_name


def _check_imported_file(spec: str, where: str, module_name: str) -> None:
    """Refuse a file target whose module name found another module.

    ``site.py`` imports as ``site``, which is the standard library's module,
    already imported: the target's file was never run.
    """
    found = getattr(sys.modules[module_name], "__file__", None)
    wanted = os.path.realpath(os.path.abspath(where))
    if found is None or os.path.realpath(found) != wanted:
        other = f"the module from {found!r}" if found else "a built-in module"
        raise TargetError(
            f"cannot load {where!r} (target {spec!r}): its module name {module_name!r}"
            f" is {other}, so the file is not run; rename the file"
        )


def _module_for_file(path: str) -> tuple[str, str]:
    """The dotted module name of a file and the directory to import it from.

    Walks up through packages (directories with ``__init__.py``), as
    ``flask --app`` does, so that the file can use relative imports.
    """
    stem = os.path.splitext(path)[0]
    if os.path.basename(stem) == "__init__":
        stem = os.path.dirname(stem)
    parts: list[str] = []
    while True:
        stem, name = os.path.split(stem)
        parts.append(name)
        if not os.path.isfile(os.path.join(stem, "__init__.py")):
            break
    return ".".join(reversed(parts)), stem


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# -- finding the party -----------------------------------------------------------


@dataclass
class _Site:
    """What a target resolves to."""

    spec: str
    #: What to hand to a WSGI server.
    app: WSGIApplication
    #: The party in (or made around) the target.
    party: WSGIParty
    #: Whether the command made the party itself (and closes it).
    owned: bool


def _open_site(spec: str) -> _Site:
    obj = load_target(spec)
    party = _find_party(obj)
    if party is not None:
        if party.closed:
            raise TargetError(f"the party at {spec!r} is closed")
        return _Site(spec, t.cast("WSGIApplication", obj), party, owned=False)
    if not callable(obj):
        raise TargetError(f"{spec!r} is {type(obj).__name__}, not a WSGI application or WSGIParty")
    app = t.cast("WSGIApplication", obj)
    try:
        party = WSGIParty(app)
    except PartylineException as exc:
        raise TargetError(f"bootstrapping the party of {spec!r} failed: {_one_line(exc)}") from exc
    return _Site(spec, party, party, owned=True)


def _find_party(obj: object) -> WSGIParty | None:
    """A party that ``obj`` is or wraps (through middleware or a dispatcher)."""
    for found, _prefix in _walk(obj):
        if isinstance(found, WSGIParty):
            return found
    return None


def _walk(obj: object, prefix: str = "", depth: int = 0) -> Iterator[tuple[object, str]]:
    """``obj`` and the WSGI apps it wraps, with the prefix each is mounted at.

    Follows werkzeug ``DispatcherMiddleware`` mounts and the ``app`` /
    ``application`` instance attributes that middleware keeps the wrapped app
    in; stops at parties and route dispatchers.
    """
    yield obj, prefix
    if depth >= _MAX_DEPTH or isinstance(obj, (WSGIParty, RouteDispatcher)):
        return
    if isinstance(obj, DispatcherMiddleware):
        yield from _walk(obj.app, prefix, depth + 1)
        for mount, app in sorted(obj.mounts.items()):
            yield from _walk(app, prefix + mount, depth + 1)
        return
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        for name in ("application", "app"):
            inner = attributes.get(name)
            if inner is not None and callable(inner):
                yield from _walk(inner, prefix, depth + 1)
                return


def _bootstrap(site: _Site) -> tuple[tuple[Member, ...], tuple[Declined, ...]]:
    """Bootstrap the party (if it is lazy); its members and declined invitations."""
    try:
        return site.party.members, site.party.declined
    except (InvitationError, ConfigurationError) as exc:
        raise TargetError(
            f"bootstrapping the party of {site.spec!r} failed: {_one_line(exc)}"
        ) from exc
    except PartylineException as exc:
        raise TargetError(f"the party of {site.spec!r}: {_one_line(exc)}") from exc


# -- routes ------------------------------------------------------------------------


@dataclass
class _Row:
    """One line of the routes table."""

    member: str
    endpoint: str | None
    methods: tuple[str, ...]
    rule: str | None
    served_by: str | None
    dispatcher: str | None = None
    #: The probe path, from the party's root (routes of a route dispatcher).
    probe: str | None = None
    shadowed_by: list[dict[str, t.Any]] = field(default_factory=list)
    note: str | None = None
    #: For a legacy name the member answers for: its own endpoint.
    alias_of: str | None = None
    #: For a prefix the member serves outside its router: the prefix.
    claim: str | None = None

    def as_json(self) -> dict[str, t.Any]:
        row = {
            "member": self.member,
            "endpoint": self.endpoint,
            "methods": list(self.methods),
            "rule": self.rule,
            "served_by": self.served_by,
            "dispatcher": self.dispatcher,
            "probe": self.probe,
            "shadowed_by": self.shadowed_by,
            "note": self.note,
        }
        if self.alias_of is not None:  # only legacy names have it
            row["alias_of"] = self.alias_of
        if self.claim is not None:  # only claimed prefixes have it
            row["claim"] = self.claim
        return row


def _route_rows(party: WSGIParty, members: Sequence[Member]) -> tuple[list[_Row], bool]:
    """Every member's routes, and whether some member failed to answer."""
    rows: dict[str, list[_Row]] = {}
    failed = False
    for member in members:
        if "routes" not in member.services:
            rows[member.name] = [
                _Row(member.name, None, (), None, None, note="offers no 'routes' service")
            ]
            continue
        try:
            answer = party.ask(member.name, "routes", None)
            routes = [r for r in answer if isinstance(r, Route)]
        except Exception as exc:  # noqa: BLE001 - reported, the table goes on
            failed = True
            note = f"answering 'routes' raised {type(exc).__name__}: {_one_line(exc)}"
            rows[member.name] = [_Row(member.name, None, (), None, None, note=note)]
            continue
        own = rows[member.name] = []
        if not routes:
            own.append(_Row(member.name, None, (), None, None, note="has no routes"))
        own.extend(
            _Row(member.name, r.endpoint, tuple(r.methods), r.rule, member.name) for r in routes
        )
    for prefix, dispatcher in _dispatchers(party.application):
        mount = prefix.rstrip("/")
        explained: dict[str, list[_Row]] = {}
        for route in dispatcher.explain(party):
            explained.setdefault(route.member, []).append(_explained_row(route, mount))
        for name, own in explained.items():
            if name in rows and len(own) == len(rows[name]):
                rows[name] = own
        for name in dispatcher.members:
            if name in rows:
                rows[name].extend(_claim_row(claim, mount) for claim in dispatcher.claims_of(name))
    aliases: t.Mapping[str, Alias]
    try:
        aliases = party.aliases
    except ConfigurationError as exc:
        failed = True
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        aliases = {}
    for alias in aliases.values():
        if alias.member in rows:
            rows[alias.member].extend(_alias_rows(alias, rows[alias.member]))
    return [row for member in members for row in rows[member.name]], failed


def _claim_row(claim: ClaimedPrefix, mount: str) -> _Row:
    """A row for a prefix a member serves outside its router."""
    return _Row(
        claim.member,
        None,
        (),
        f"{mount}{claim.prefix}/*",
        claim.served_by,
        dispatcher=mount or "/",
        probe=mount + claim.probe,
        shadowed_by=[
            {
                "member": s.member,
                "methods": list(s.methods),
                "evidence": s.evidence,
                "probe": mount + s.probe,
            }
            for s in claim.shadowed_by
        ],
        note=f"claimed prefix, served outside its router (by {claim.declared_by})",
        claim=mount + claim.prefix,
    )


def _alias_rows(alias: Alias, own: Sequence[_Row]) -> list[_Row]:
    """Rows for a legacy name: each route of the endpoint it stands for."""
    note = f"alias of {alias.endpoint!r} (declared by {alias.declared_by})"
    rows = [
        _Row(
            alias.member,
            alias.name,
            row.methods,
            row.rule,
            row.served_by,
            dispatcher=row.dispatcher,
            probe=row.probe,
            note=note,
            alias_of=alias.endpoint,
        )
        for row in own
        if row.endpoint == alias.endpoint and row.alias_of is None
    ]
    if not rows:
        note = f"alias of {alias.endpoint!r}, which is not one of its routes (declared by"
        note += f" {alias.declared_by})"
        rows.append(
            _Row(alias.member, alias.name, (), None, None, note=note, alias_of=alias.endpoint)
        )
    return rows


def _explained_row(route: RouteExplanation, mount: str) -> _Row:
    """A row for a route of a route dispatcher at ``mount``: probes from the party's root."""
    return _Row(
        route.member,
        route.endpoint,
        route.methods,
        route.rule,
        route.served_by,
        dispatcher=mount or "/",
        probe=None if route.probe is None else mount + route.probe,
        shadowed_by=[
            {
                "member": s.member,
                "methods": list(s.methods),
                "evidence": s.evidence,
                "probe": mount + s.probe,
            }
            for s in route.shadowed_by
        ],
        note=route.note,
    )


def _dispatchers(application: object) -> Iterator[tuple[str, RouteDispatcher]]:
    for found, prefix in _walk(application):
        if isinstance(found, RouteDispatcher):
            yield prefix, found


# -- output ------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def _print_routes(rows: Sequence[_Row]) -> None:
    header = ("MEMBER", "ENDPOINT", "METHODS", "RULE", "SERVED BY", "NOTE")
    cells = []
    for row in rows:
        notes = [
            f"shadowed by {s['member']} for {','.join(s['methods'])} (it claims {s['probe']})"
            for s in row.shadowed_by
        ]
        if row.note:
            notes.append(row.note)
        cells.append(
            (
                row.member,
                row.endpoint or "-",
                ",".join(row.methods) or ("ANY" if row.rule is not None else "-"),
                row.rule or "-",
                row.served_by or "-",
                "; ".join(notes),
            )
        )
    print(_table(header, cells))


# -- commands ----------------------------------------------------------------------


def _cmd_routes(args: argparse.Namespace) -> int:
    site = _open_site(args.target)
    try:
        members, _declined = _bootstrap(site)
        rows, failed = _route_rows(site.party, members)
    finally:
        if site.owned:
            site.party.close()
    if args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2))
    elif rows:
        _print_routes(rows)
    if not members:
        print(
            f"nobody joined the party of {site.spec}", file=sys.stderr if args.json else sys.stdout
        )
        return 1
    return 1 if failed else 0


def _cmd_check(args: argparse.Namespace) -> int:
    # check prints every decline and unowned service itself; failures still
    # log their traceback.
    logger = logging.getLogger("wsgi_party.invitations")
    level = logger.level
    logger.setLevel(logging.ERROR)
    quiet = _Quiet()
    package_log = logging.getLogger("wsgi_party")
    package_log.addFilter(quiet)
    try:
        site = _open_site(args.target)
        try:
            members, declined = _bootstrap(site)
            owners = dict(site.party.owners)
            unowned = site.party.unowned_services()
            aliases_problem = _aliases_problem(site.party) if members else None
        finally:
            if site.owned:
                site.party.close()
    finally:
        logger.setLevel(level)
        package_log.removeFilter(quiet)
    print(f"party of {site.spec}")
    print(f"members: {len(members)}")
    if members:
        print(
            _table(
                ("  NAME", "MOUNT", "SERVICES"),
                [(f"  {m.name}", m.script_name or "/", ", ".join(m.services)) for m in members],
            )
        )
    print(f"declined: {len(declined)}")
    if declined:
        print(_table(("  INVITE PATH", "REASON"), [(f"  {d.path}", d.reason) for d in declined]))
    if owners:
        print(f"owners: {len(owners)}")
        print(_table(("  SERVICE", "OWNER"), [(f"  {s}", m) for s, m in owners.items()]))
    for service, answering in unowned.items():
        names = ", ".join(answering)
        print(
            f"WARNING: {len(answering)} members answer {service!r} ({names}) and no owner"
            f" is named; name the one that answers for the site with"
            f" WSGIParty(..., owners={{{service!r}: {answering[0]!r}}})"
        )
    problems = []
    if not members:
        problems.append("nobody joined")
    if declined:
        problems.append(f"{len(declined)} invitation(s) declined")
    if unowned:
        names = ", ".join(repr(s) for s in unowned)
        problems.append(f"no owner named for {names}, which several members answer")
    if aliases_problem:
        print(f"aliases: {aliases_problem}")
        problems.append("the legacy names (aliases) cannot be used")
    if problems:
        print(f"FAILED: {'; '.join(problems)}")
        return 1
    print("OK")
    return 0


def _aliases_problem(party: WSGIParty) -> str | None:
    """Why the party's legacy names cannot be used (declared twice, moved to
    no member), else ``None``."""
    try:
        party.aliases  # noqa: B018 - made and checked when first read
    except ConfigurationError as exc:
        return _one_line(exc)
    return None


def _cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import is_running_from_reloader, run_simple

    site = _open_site(args.target)
    _bootstrap(site)
    # Werkzeug colours its log (on stderr); a filter on its logger reaches every handler.
    server_log = logging.getLogger("werkzeug")
    plain = None if _colour_wanted(sys.stderr) else _NoColour()
    if plain is not None:
        server_log.addFilter(plain)
    if not is_running_from_reloader():
        # Werkzeug's own startup lines follow, "Press CTRL+C to quit" among them.
        reload = " with reloader" if args.reload else ""
        print(
            f"serving {site.spec} on http://{_url_host(args.host)}:{args.port}/{reload}",
            flush=True,
        )
    try:
        run_simple(args.host, args.port, site.app, use_reloader=args.reload, threaded=True)
    finally:
        if plain is not None:
            server_log.removeFilter(plain)
        if site.owned:
            site.party.close()
    return 0


#: An ANSI SGR sequence, as Werkzeug's server log colours status codes.
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def _colour_wanted(stream: t.TextIO) -> bool:
    """Whether output to ``stream`` may carry colour codes.

    Only a terminal gets colour, and never when the ``NO_COLOR`` environment
    variable is set to a non-empty value (https://no-color.org/).
    """
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


class _Quiet(logging.Filter):
    """Drops the party's own warnings (``wsgi_party`` logger): check prints them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


class _NoColour(logging.Filter):
    """Takes the colour codes out of the messages of Werkzeug's server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _ANSI_STYLE.sub("", record.getMessage())
        record.args = None
        return True


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not between 1 and 65535")
    return port


_TARGET_HELP = (
    "the party to load: module:attribute or path/to/file.py:attribute"
    " (a WSGIParty, or any WSGI app, which is then wrapped in one);"
    " without :attribute, 'application' then 'app'"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Serve, inspect and check a wsgi_party party.",
        epilog="Exit status: 0 success, 1 a problem found (check, routes), 2 bad usage or target.",
    )
    from wsgi_party import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("target", metavar="TARGET", help=_TARGET_HELP)
    common.add_argument(
        "--traceback",
        action="store_true",
        help="on errors raised by the target's own code, show the full traceback",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="run a development server",
        description="Run Werkzeug's development server for the party (not for production).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    serve.add_argument("--reload", action="store_true", help="restart when a Python file changes")
    serve.set_defaults(run=_cmd_serve)

    routes = commands.add_parser(
        "routes",
        parents=[common],
        help="list every member's routes",
        description=(
            "List every member's routes with their full mounted rule. For a"
            " RouteDispatcher, say which member serves each route and which routes"
            " an earlier member shadows."
        ),
    )
    routes.add_argument("--json", action="store_true", help="print a JSON list instead")
    routes.set_defaults(run=_cmd_routes)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="list members and declined invitations",
        description=(
            "Bootstrap the party, list its members (name, mount, services) and"
            " every declined invitation. Exits 1 when an invitation was declined"
            " or nobody joined."
        ),
    )
    check.set_defaults(run=_cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wsgi-party`` command with ``argv`` (default ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 1 when ``check`` or ``routes``
    found a problem, 2 for bad usage or a target that cannot be loaded.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    run: t.Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except TargetError as exc:
        if args.traceback and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``wsgi-party routes ... | head``): stop quietly.
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
