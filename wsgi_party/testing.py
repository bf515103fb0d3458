"""Test one app of a site without the rest of it: stand-ins for the other members.

Once a template links across apps (``party_url("docs:index")``), the app's
own tests cannot render it alone: no member builds ``docs:index``. Put the
app in a small party with a :class:`StandIn` for each member it talks to,
and its own test client works unchanged::

    from wsgi_party import Identity
    from wsgi_party.testing import StandIn, party_for

    docs = StandIn("docs", routes={"index": "/", "page": "/<path:name>.html"}, mount="/docs")
    accounts = StandIn("accounts", identity=Identity("7", "ann"), fragments={"header": "<nav/>"})

    with party_for(app, "/blog", docs, accounts):
        client = app.test_client()          # Flask's own client, unchanged
        assert b'href="/docs/"' in client.get("/").data

Stand-ins can follow the real site's route table: save ``wsgi-party routes
site.py:application --json`` next to the tests and build them with
:meth:`StandIn.from_routes`; a link to an endpoint the real site no longer
has then fails loudly, naming the stand-in and the file. The pytest plugin
(:mod:`wsgi_party.pytest_plugin`) offers both as fixtures.

This module needs only the standard library and Werkzeug.
"""

from __future__ import annotations

import json
import os
import re
import typing as t
from collections import Counter

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import BuildError, Map, Rule

from . import (
    INVITE_PATH,
    HighAndDry,
    Identity,
    Invitation,
    PartylineException,
    PartylineOperator,
    UrlHandler,
    UrlRequest,
    WSGIParty,
    current_scope,
    map_matcher,
    standard_handlers,
    url_handler,
)
from .integration import map_build_failed

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["StandIn", "party_for"]

#: What a stand-in's ``identity`` can be: a fixed answer, or a callable
#: taking the current request's environ (an empty dict outside a request).
IdentitySource = t.Union[Identity, None, "Callable[[WSGIEnvironment], Identity | None]"]
#: A layout fragment: fixed HTML, or a callable taking the environ.
FragmentSource = t.Union[str, "Callable[[WSGIEnvironment], str]"]


class _NotGiven:
    """The default of ``identity``: the stand-in does not answer ``identity``."""

    def __repr__(self) -> str:
        return "(not given)"


_UNSET: t.Any = _NotGiven()
_PARTYLINE_KEY = WSGIParty.partyline_key
_INVITE = INVITE_PATH.rstrip("/")


class StandIn:
    """A WSGI party member that stands in for another app of the site.

    ``routes`` maps endpoints to Werkzeug rules (``"/book/<int:pk>/"``,
    converters and all) relative to ``mount``; the stand-in answers ``url``,
    ``routes`` and ``match`` from them, and ``ping``. ``identity`` makes it
    answer ``identity``: an :class:`~wsgi_party.Identity`, ``None``
    (nobody logged in), or a callable taking the current request's environ;
    leave it out and the stand-in does not answer ``identity`` at all.
    ``fragments`` maps layout fragment names to HTML (or callables taking
    the environ) and makes it answer ``layout``. ``login`` names the
    endpoint of its routes that is the login page and makes it answer
    ``login`` (the URL of that route with ``next=``), so an app that
    requires login from the owner can be tested without it. ``aliases``
    maps legacy endpoint names (``"legacy:main.explore"``) to its own
    endpoints, as a real member that took over those routes declares them. ``source`` says
    where the routes came from (:meth:`from_routes` sets it), for error
    messages.

    ``identity`` and ``fragments`` are read at every ask, so a test may
    change them on a live party (``accounts.identity = None``); whether it
    answers ``identity`` and ``layout`` at all is settled when it joins
    (setting ``identity`` before then counts as giving it). A request
    for one of its routes gets a small ``200`` page naming the stand-in, any
    other a ``404``.
    """

    def __init__(
        self,
        name: str,
        *,
        routes: Mapping[str, str | Iterable[str]] | None = None,
        identity: IdentitySource = _UNSET,
        fragments: Mapping[str, FragmentSource] | None = None,
        mount: str = "/",
        source: str | None = None,
        login: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name or ":" in name:
            raise PartylineException(f"a stand-in needs a member name without ':', got {name!r}")
        #: The member name it joins with.
        self.name = name
        #: Where :func:`party_for` mounts it ("/" is the root).
        self.mount = _normal_mount(mount, f"stand-in {name!r}") or "/"
        #: Where its routes came from (a file, for :meth:`from_routes`), for messages.
        self.source = source
        #: Endpoint -> the rules given for it.
        self.routes: dict[str, tuple[str, ...]] = {}
        #: The Werkzeug map its answers come from.
        self.url_map = Map(strict_slashes=False)
        # Re-sorts itself when rules are added later (from_routes adds them).
        self._match = map_matcher(self.url_map)
        for endpoint, given in (routes or {}).items():
            for rule in (given,) if isinstance(given, str) else given:
                self._add_rule(endpoint, rule)
        self._answers_identity = identity is not _UNSET
        self._identity: IdentitySource = None if identity is _UNSET else identity
        #: Fragment name -> HTML (or a callable taking the environ).
        self.fragments: dict[str, FragmentSource] = dict(fragments or {})
        #: The endpoint of the login page it answers ``login`` with, if any.
        self.login = login
        self._url: UrlHandler | None = None
        #: The operator of the live party it is in, else ``None``.
        self.operator: PartylineOperator | None = None
        #: Endpoints whose real rules cannot be written as Werkzeug rules.
        self.unbuildable: dict[str, str] = {}
        #: Legacy names it answers for, each to one of its endpoints (``aliases``).
        self.aliases: dict[str, str] = dict(aliases or {})
        # Its own endpoints that the real site builds as another member's alias.
        self._moved_away: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<StandIn {self.name!r} at {self.mount!r}>"

    @property
    def identity(self) -> IdentitySource:
        """Who it says is logged in: read at every ask.

        Set before it joins, it makes the stand-in answer ``identity`` as
        ``identity=`` does. Set on a live party it changes the answer; a
        stand-in that joined without answering ``identity`` refuses with a
        :class:`~wsgi_party.PartylineException`, as it cannot start now.

        .. versionchanged:: 0.3
            Setting it before joining makes the stand-in answer ``identity``.
        """
        return self._identity

    @identity.setter
    def identity(self, identity: IdentitySource) -> None:
        if self.operator is not None and not self._answers_identity:
            raise PartylineException(
                f"{self._label} joined its party without answering 'identity' (it was"
                " made without identity=), so setting its identity changes nothing;"
                f" make it with StandIn({self.name!r}, identity=...) instead"
            )
        self._answers_identity = True
        self._identity = identity

    def _add_rule(self, endpoint: str, rule: str, methods: Iterable[str] | None = None) -> None:
        self.url_map.add(_rule(rule, endpoint, self, methods))
        self.routes[endpoint] = (*self.routes.get(endpoint, ()), rule)

    @property
    def _label(self) -> str:
        if self.source is None:
            return f"stand-in {self.name!r}"
        return f"stand-in {self.name!r} (routes from {self.source})"

    # -- building from the real site -----------------------------------------

    @classmethod
    def from_routes(
        cls,
        routes: str | os.PathLike[str] | Iterable[Mapping[str, t.Any]],
        name: str,
        *,
        mount: str | None = None,
        identity: IdentitySource = _UNSET,
        fragments: Mapping[str, FragmentSource] | None = None,
        login: str | None = None,
    ) -> StandIn:
        """A stand-in for member ``name`` with the routes the real site has.

        ``routes`` is the output of ``wsgi-party routes TARGET --json``: a
        path to a file holding it, the JSON text itself, or the parsed list.
        Rules are written as each framework wrote them (Werkzeug
        ``<int:id>``, Pyramid ``{slug}``, Django ``<slug:slug>`` and
        ``(?P<pk>\\d+)``) and are turned into Werkzeug rules. ``mount`` is
        where the member was mounted in the real site; by default it is the
        longest directory all its rules share (``/blog`` for ``/blog/`` and
        ``/blog/post/<int:id>``), which builds the same URLs.

        Raises :class:`~wsgi_party.PartylineException` naming the source when
        it is not such output or has no member ``name``.
        """
        rows, source = _load_rows(routes)
        members: list[str] = []
        table: dict[str, list[tuple[str, list[str]]]] = {}
        aliases: dict[str, str] = {}
        moved_away: dict[str, str] = {}
        for row in rows:
            member = row.get("member")
            if isinstance(member, str) and member not in members:
                members.append(member)
            endpoint, rule = row.get("endpoint"), row.get("rule")
            if not isinstance(endpoint, str) or not isinstance(rule, str):
                continue
            alias_of = row.get("alias_of")
            if isinstance(alias_of, str):
                # A legacy name that member answers for: an alias, not a route.
                if member == name:
                    aliases[endpoint] = alias_of
                elif endpoint.startswith(f"{name}:") and isinstance(member, str):
                    moved_away[endpoint[len(name) + 1 :]] = f"{member}:{alias_of}"
                continue
            if member != name:
                continue
            methods = row.get("methods")
            methods = [str(m) for m in methods] if isinstance(methods, list) else []
            table.setdefault(endpoint, []).append((rule, methods))
        if name not in members:
            raise PartylineException(
                f"the routes in {source} have no member {name!r} (members:"
                f" {', '.join(repr(m) for m in members) or 'none'}); regenerate them"
                " with 'wsgi-party routes TARGET --json'"
            )
        if mount is None:
            mount = _shared_directory(r for rules in table.values() for r, _m in rules)
        mount = _normal_mount(mount, f"stand-in {name!r}")
        stand_in = cls(
            name,
            identity=identity,
            fragments=fragments,
            mount=mount or "/",
            source=source,
            login=login,
            aliases=aliases,
        )
        stand_in._moved_away = moved_away
        for endpoint, rules in table.items():
            for full, methods in rules:
                if not full.startswith(mount + "/") and full != mount:
                    raise PartylineException(
                        f"route {endpoint!r} ({full!r}) of member {name!r} in {source}"
                        f" is not under the mount {mount!r} given for its stand-in"
                    )
                converted = _werkzeug_rule(full[len(mount) :] or "/")
                if converted is None:
                    stand_in.unbuildable.setdefault(endpoint, full)
                else:
                    stand_in._add_rule(endpoint, converted, methods)
        for endpoint in stand_in.routes:
            stand_in.unbuildable.pop(endpoint, None)
        return stand_in

    # -- WSGI ----------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Join on an invitation; otherwise a small page for its own routes, else 404."""
        operator = environ.get(_PARTYLINE_KEY)
        path = environ.get("PATH_INFO", "") or "/"
        if isinstance(operator, PartylineOperator) and path.rstrip("/") == _INVITE:
            return self._accept(operator, start_response)
        claim = self._match(environ.get("REQUEST_METHOD", "GET").upper(), path)
        if claim is None:
            status, body = "404 Not Found", f"{self._label} has no page at {path}\n"
        elif not claim[1]:
            status, body = "405 Method Not Allowed", f"{self._label}: {', '.join(claim[2])}\n"
        else:
            status, body = "200 OK", f"{self._label}: {claim[0] or path}\n"
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [body.encode()]

    def _accept(self, operator: PartylineOperator, start_response: StartResponse) -> list[bytes]:
        if not operator.join(self, name=self.name):
            start_response("409 Conflict", [("Content-Type", "text/plain; charset=utf-8")])
            return [(operator.declined or "declined").encode()]
        self._connect(operator)
        self.operator = operator
        operator.on_close(lambda: self._left(operator))
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"joined\n"]

    def _left(self, operator: PartylineOperator) -> None:
        if self.operator is operator:
            self.operator = None

    def _connect(self, operator: PartylineOperator) -> None:
        adapter = self.url_map.bind("localhost", script_name="/")

        def build_path(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
            if endpoint not in self.routes:
                raise HighAndDry(self._no_endpoint(endpoint))
            try:
                path = adapter.build(endpoint, values, method=method, append_unknown=True)
            except (BuildError, ValueError) as exc:
                # Values missing, or a converter refused one: as a real member says it.
                map_build_failed(self.name, self.url_map, endpoint, values, exc, method=method)
            values.clear()  # the ones no rule takes are in the query already
            return path

        def list_routes() -> Iterator[tuple[str, str, Iterable[str]]]:
            for rule in self.url_map.iter_rules():
                yield str(rule.endpoint), rule.rule, rule.methods or ()

        self._url = url_handler(operator, build_path)
        operator.connect("url", self._url)
        standard_handlers(operator, list_routes, self._match)
        if self.login is not None:
            operator.connect("login", self._answer_login)
        if self._answers_identity:
            operator.connect("identity", self._answer_identity)
        if self.fragments:
            operator.connect("layout", self._answer_layout)
        if self.aliases:
            operator.connect("aliases", lambda payload: self.aliases)

    def _no_endpoint(self, endpoint: str) -> str:
        rule = self.unbuildable.get(endpoint)
        if rule is not None:
            return (
                f"{self._label} cannot build {endpoint!r}: its rule {rule!r} cannot be"
                " written as a Werkzeug rule; give the stand-in that route by hand"
            )
        known = ", ".join(repr(e) for e in self.routes) or "none"
        moved_to = self._moved_away.get(endpoint)
        if moved_to is not None:
            member = moved_to.partition(":")[0]
            return (
                f"{self._label} has no endpoint {endpoint!r}: the real site builds"
                f" '{self.name}:{endpoint}' as {moved_to}, an alias member {member!r}"
                f" declares; add a stand-in for {member!r} (StandIn.from_routes(...,"
                f" {member!r}))"
            )
        if self.source is not None:
            return (
                f"{self._label} has no endpoint {endpoint!r}: the real site no longer"
                f" has it (endpoints: {known}); fix the link, or regenerate the file"
                " with 'wsgi-party routes TARGET --json'"
            )
        return f"{self._label} has no endpoint {endpoint!r} (endpoints: {known})"

    def _environ(self) -> WSGIEnvironment:
        scope = current_scope()
        return scope.environ if scope is not None else {}

    def _answer_identity(self, payload: object) -> Identity | None:
        identity = self._identity
        if callable(identity):
            return identity(self._environ())
        return identity

    def _answer_login(self, payload: object) -> str:
        assert self._url is not None and self.login is not None  # connected with them
        if self.login not in self.routes:
            raise PartylineException(
                f"{self._label} answers 'login' with its endpoint {self.login!r}, but has"
                " no such route: give it in routes="
            )
        next_url = {"next": payload} if isinstance(payload, str) else {}
        return self._url(UrlRequest(self.login, next_url))

    def _answer_layout(self, payload: object) -> str:
        fragment = self.fragments.get(payload) if isinstance(payload, str) else None
        if fragment is None:
            known = ", ".join(repr(f) for f in self.fragments)
            raise HighAndDry(f"{self._label} has no layout fragment {payload!r} (it has {known})")
        return fragment(self._environ()) if callable(fragment) else fragment


def party_for(
    app: WSGIApplication, mount: str, *stand_ins: StandIn, **party_kwargs: t.Any
) -> WSGIParty:
    """A live :class:`~wsgi_party.WSGIParty` of ``app`` at ``mount`` and the stand-ins.

    ``app`` is the app under test as it joins a party (a Flask app with
    :class:`~wsgi_party.flask.FlaskParty`, a Pyramid app including
    ``wsgi_party.pyramid``, Django's WSGI handler with ``PartyMiddleware``,
    a :class:`~wsgi_party.PartyMember`), mounted at ``mount`` (``"/"`` is the
    root); each stand-in is mounted at its own ``mount``. ``party_kwargs``
    go to :class:`~wsgi_party.WSGIParty`; ``base_url`` defaults to
    ``"http://localhost"``, the host of Flask's and Werkzeug's test clients,
    for external URLs built outside a request.

    The party is bootstrapped before it is returned; while it is live the
    app's own test client (Flask's ``test_client()``, Django's ``Client``,
    WebTest's ``TestApp(app)``) links through it. Use it as a context
    manager, or call ``close()``, so the same app can join the next test's
    party. Stand-ins that share a mount (with each other or with ``app``)
    share it as in a :class:`~wsgi_party.RouteDispatcher`: each serves its
    own routes, ``app`` the rest, as when a route moved to a new member at
    the same URL. Raises :class:`~wsgi_party.PartylineException` when one of
    them does not join (and then leaves no party open).

    .. versionchanged:: 0.3
        Stand-ins may share a mount.
    """
    placed: dict[str, list[tuple[str, str, WSGIApplication]]] = {}

    def place(label: str, name: str, where: str, member: WSGIApplication) -> None:
        placed.setdefault(_normal_mount(where, label), []).append((label, name, member))

    place("the app under test", "", mount, app)
    for stand_in in stand_ins:
        if not isinstance(stand_in, StandIn):
            raise PartylineException(
                f"party_for takes StandIn objects after the mount, got {stand_in!r}"
            )
        place(repr(stand_in), stand_in.name, stand_in.mount, stand_in)
    invites: list[str | Invitation] = []
    mounts: dict[str, WSGIApplication] = {}
    for where in sorted(placed):
        group = placed[where]
        names = [name for _label, name, _member in group if name]
        if len(set(names)) < len(names):
            labels = " and ".join(label for label, _n, _m in group)
            raise PartylineException(
                f"party_for: {labels} at {where or '/'!r} have the same member name;"
                " give each stand-in its own name"
            )
        shared = [member for _l, name, member in group if name]
        under_test = [member for _l, name, member in group if not name]
        if len(group) == 1:
            mounts[where] = group[0][2]
        else:
            # Apps sharing a mount, as a route dispatcher shares one in the
            # real site: the stand-ins serve their routes, the app the rest.
            mounts[where] = _SharedMount(
                t.cast("list[StandIn]", shared), under_test[0] if under_test else _nobody_at_root
            )
        if under_test or len(group) == 1:
            invites.append(where + INVITE_PATH)
        if len(group) > 1:
            invites.extend(
                Invitation(where + INVITE_PATH, member, where, member.name)
                for member in t.cast("list[StandIn]", shared)
            )
    root = mounts.pop("", _nobody_at_root)
    options = {"invites": invites, "base_url": "http://localhost", **party_kwargs}
    party = WSGIParty(DispatcherMiddleware(root, mounts), **options)
    try:
        joined = Counter(member.script_name for member in party.members)
        reasons = {declined.path: declined.reason for declined in party.declined}
        absent = [
            f"{' and '.join(label for label, _n, _m in group)} at {where or '/'!r}"
            f" did not join ({reasons.get(where + INVITE_PATH, 'it was not invited')})"
            for where, group in placed.items()
            if joined[where] < len(group)
        ]
        if absent:
            raise PartylineException(f"party_for: {'; '.join(absent)}. {_JOIN_HINT}")
    except BaseException:
        party.close()
        raise
    return party


class _SharedMount:
    """Stand-ins and the app under test at one mount: each stand-in serves its routes."""

    def __init__(self, stand_ins: list[StandIn], rest: WSGIApplication) -> None:
        self.stand_ins = stand_ins
        self.rest = rest

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        for stand_in in self.stand_ins:
            adapter = stand_in.url_map.bind_to_environ(environ)
            if adapter.test(environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD")):
                return stand_in(environ, start_response)
        return self.rest(environ, start_response)


_JOIN_HINT = (
    "An app joins through its integration: FlaskParty(app), config.include("
    "'wsgi_party.pyramid'), 'wsgi_party.django.PartyMiddleware' in MIDDLEWARE, or"
    " PartyMember(app); an app still in another live party must be closed out first."
)


def _nobody_at_root(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"404 Not Found: party_for mounted nothing at the root\n"]


# -- rules --------------------------------------------------------------------------


def _normal_mount(mount: str, label: str) -> str:
    """``"/blog/"`` -> ``"/blog"``, ``"/"`` -> ``""`` (the root)."""
    if not isinstance(mount, str) or not mount.startswith("/"):
        raise PartylineException(f"the mount of {label} must start with '/', got {mount!r}")
    return mount.rstrip("/")


def _rule(
    rule: str, endpoint: str, stand_in: StandIn, methods: Iterable[str] | None = None
) -> Rule:
    if not isinstance(rule, str) or not rule.startswith("/"):
        raise PartylineException(
            f"{stand_in._label}: the rule of {endpoint!r} must be a Werkzeug rule"
            f" starting with '/', got {rule!r}"
        )
    try:
        Map([Rule(rule, endpoint=endpoint)])  # compiles it: a bad converter is reported here
    except (ValueError, LookupError) as exc:
        raise PartylineException(
            f"{stand_in._label}: the rule {rule!r} of {endpoint!r} is not a Werkzeug rule: {exc}"
        ) from exc
    return Rule(rule, endpoint=endpoint, methods=list(methods) if methods else None)


#: Django's path converters as Werkzeug converters (any other becomes a string).
_CONVERTERS = {"str": "string", "slug": "string", "int": "int", "path": "path", "uuid": "uuid"}
_WERKZEUG_CONVERTERS = frozenset(("default", "string", "any", "path", "int", "float", "uuid"))
_REGEX_META = frozenset("()[]{}|+?*^$\\")


def _werkzeug_rule(rule: str) -> str | None:
    """A Werkzeug rule for a rule as a framework wrote it, or ``None`` if there is none.

    Werkzeug and Django ``<converter:name>``, Pyramid ``{name}``,
    ``{name:regex}`` and ``*remainder``, and Django's regex ``(?P<name>...)``
    become Werkzeug placeholders; any other regular expression syntax has no
    Werkzeug spelling.
    """
    if rule.startswith("^"):
        rule = rule[1:]
    for end in ("\\Z", "$"):
        if rule.endswith(end):
            rule = rule[: -len(end)]
    out: list[str] = []
    i, n = 0, len(rule)
    while i < n:
        char = rule[i]
        if rule.startswith("(?P<", i):
            close = _closing(rule, i, "(", ")")
            name, _, pattern = rule[i + 4 : close].partition(">")
            out.append(f"<{_by_pattern(pattern)}:{name}>")
            i = close + 1
        elif char == "<":
            close = rule.find(">", i)
            if close == -1:
                return None
            out.append(_angle(rule[i + 1 : close]))
            i = close + 1
        elif char == "{":
            close = _closing(rule, i, "{", "}")
            name, colon, pattern = rule[i + 1 : close].partition(":")
            if not name.strip().isidentifier():
                return None  # a regex quantifier such as {4}
            out.append(f"<{_by_pattern(pattern) if colon else 'string'}:{name.strip()}>")
            i = close + 1
        elif char == "*" and re.fullmatch(r"\*\w+", rule[i:]):
            out.append(f"<path:{rule[i + 1 :]}>")
            break
        elif char == "\\" and i + 1 < n and not rule[i + 1].isalnum():
            out.append(rule[i + 1])
            i += 2
        elif char in _REGEX_META:
            return None
        else:
            out.append(char)
            i += 1
    text = "".join(out)
    return text if text.startswith("/") else "/" + text


def _angle(inside: str) -> str:
    converter, colon, name = inside.rpartition(":")
    if not colon:
        return f"<{inside}>"
    converter_name = converter.split("(", 1)[0].strip()
    if converter_name in _WERKZEUG_CONVERTERS:
        return f"<{converter}:{name}>"
    return f"<{_CONVERTERS.get(converter_name, 'string')}:{name}>"


def _closing(rule: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    i = start
    while i < len(rule):
        char = rule[i]
        if char == "\\":
            i += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(rule)


def _by_pattern(pattern: str) -> str:
    """``path`` for a placeholder whose pattern takes ``/``, ``int`` for digits only."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return "string"
    if compiled.fullmatch("a/b"):
        return "path"
    if any(compiled.fullmatch(d) for d in ("1", "12", "2024")) and not compiled.fullmatch("x"):
        return "int"
    return "string"


def _shared_directory(rules: Iterable[str]) -> str:
    """The longest directory every rule sits in, up to its first placeholder."""
    shared: list[str] | None = None
    for rule in rules:
        parts = rule.split("/")[1:-1]
        fixed: list[str] = []
        for part in parts:
            if not _REGEX_META.isdisjoint(part) or "<" in part:
                break
            fixed.append(part)
        if shared is None:
            shared = fixed
        else:
            n = 0
            while n < min(len(shared), len(fixed)) and shared[n] == fixed[n]:
                n += 1
            shared = shared[:n]
    return "/" + "/".join(shared or [])


def _load_rows(
    routes: str | os.PathLike[str] | Iterable[Mapping[str, t.Any]],
) -> tuple[list[Mapping[str, t.Any]], str]:
    """The rows of ``wsgi-party routes --json`` output, and how to name their source."""
    parsed: object
    if isinstance(routes, os.PathLike) or (
        isinstance(routes, str) and not routes.lstrip().startswith("[")
    ):
        path = os.fspath(routes)
        source = repr(path)
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except OSError as exc:
            raise PartylineException(
                f"cannot read the routes file {source}: {exc}; make it with"
                " 'wsgi-party routes TARGET --json > routes.json'"
            ) from exc
    elif isinstance(routes, str):
        source, text = "the routes JSON given", routes
    else:
        source, parsed, text = "the routes given", routes, ""
    if text:
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise PartylineException(
                f"{source} is not the JSON of 'wsgi-party routes --json': {exc}"
            ) from exc
    if not isinstance(parsed, list) or not all(isinstance(row, dict) for row in parsed):
        raise PartylineException(
            f"{source} is not the output of 'wsgi-party routes --json' (a list of"
            " objects with 'member', 'endpoint' and 'rule')"
        )
    return parsed, source
