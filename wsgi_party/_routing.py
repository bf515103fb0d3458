"""Answering ``url``, ``routes`` and ``match`` from a werkzeug ``Map``.

Plain Werkzeug apps keep their routes in a :class:`werkzeug.routing.Map`;
these adapters let a member answer the standard services straight from it::

    url_map = Map([Rule("/post/<int:id>", endpoint="post")])
    connect_map_services(operator, url_map)
    # operator now answers url, ping, routes and match for that map

A build that fails says why in the party's words (:func:`map_build_failed`):
the endpoint is not in the map, or values are missing, or a converter
refused one.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BuildError, Map, RequestRedirect
from werkzeug.routing.exceptions import NoMatch, RequestAliasRedirect, RequestPath

from ._services import Matcher, standard_handlers
from ._url import cannot_build, no_such_endpoint, url_handler

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule
    from werkzeug.routing.converters import BaseConverter

    from ._exceptions import HighAndDry
    from ._operator import PartylineOperator

__all__ = ["connect_map_services", "map_build_failed", "map_matcher"]


def connect_map_services(
    operator: PartylineOperator, url_map: Map, *, skip: t.Container[str] = ()
) -> None:
    """Connect ``url``, ``ping``, ``routes`` and ``match`` answered from ``url_map``.

    Services named in ``skip`` are left out: the member answers them with
    handlers of its own.

    .. versionchanged:: 0.3
       Added ``skip``.
    """
    # Bound once; the adapter re-reads the map when rules are added later,
    # so routes added after the invitation still count.
    adapter = url_map.bind("localhost", script_name="/")

    def build_path(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            path = adapter.build(endpoint, values, method=method, append_unknown=True)
        except (BuildError, ValueError) as exc:
            map_build_failed(operator.name, url_map, endpoint, values, exc, method=method)
        values.clear()
        return path

    def list_routes() -> t.Iterator[tuple[str, str, t.Iterable[str]]]:
        for rule in url_map.iter_rules():
            yield str(rule.endpoint), rule.rule, rule.methods or ()

    match = map_matcher(url_map)

    def pure(endpoint: str) -> bool:
        return True  # a Map builds from the rule and its values alone

    if "url" not in skip:
        operator.connect("url", url_handler(operator, build_path, pure=pure))
    standard_handlers(operator, list_routes, match, skip=skip)


def map_build_failed(
    member: str | None,
    url_map: Map,
    endpoint: str,
    values: t.Mapping[str, t.Any],
    error: Exception,
    *,
    method: str | None = None,
) -> t.NoReturn:
    """Raise why ``url_map`` could not build ``endpoint`` from ``values``, for the party.

    Call it where the map's ``build`` raised ``error``. A
    :class:`~werkzeug.routing.BuildError` becomes
    :func:`~wsgi_party.integration.no_such_endpoint` for an endpoint the map
    does not have, else a :class:`~wsgi_party.CannotBuild` naming the values
    missing or the method; the ``ValueError`` of a converter that refused a
    value becomes a :class:`~wsgi_party.CannotBuild` naming that value. The
    error is the cause. Any other error (a value whose ``str()`` fails, a
    value that is not UTF-8) is raised again as it is.
    Only called when a build failed, so it may take its time::

        try:
            path = adapter.build(endpoint, values, method=method)
        except (BuildError, ValueError) as exc:
            map_build_failed("blog", url_map, endpoint, values, exc, method=method)
    """
    refusal = _map_refusal(member, url_map, endpoint, values, error, method=method)
    if refusal is None:
        raise error
    raise refusal from error


def _map_refusal(
    member: str | None,
    url_map: Map,
    endpoint: str,
    values: t.Mapping[str, t.Any],
    error: Exception,
    *,
    method: str | None = None,
) -> HighAndDry | None:
    if not isinstance(error, (BuildError, ValueError)) or isinstance(error, UnicodeError):
        return None
    try:
        rules = list(url_map.iter_rules(endpoint))
    except KeyError:
        return no_such_endpoint(member, endpoint)
    given = {key: value for key, value in values.items() if value is not None}
    if method is not None:
        wanted = method.upper()
        serving = [rule for rule in rules if rule.methods is None or wanted in rule.methods]
        if not serving:
            methods = sorted({m for rule in rules for m in rule.methods or ()})
            return cannot_build(
                member, endpoint, reason=f"it serves {', '.join(methods)}, not {wanted}"
            )
        rules = serving
    if isinstance(error, BuildError):
        missing = min(
            (
                sorted(rule.arguments - given.keys() - (rule.defaults or {}).keys())
                for rule in rules
            ),
            key=len,
        )
        if missing:
            return cannot_build(member, endpoint, missing=missing)
        return cannot_build(member, endpoint, reason=str(error))
    # A ValueError: a converter refused a value, or something else did.
    for rule in rules:
        if not rule.suitable_for(given, method):
            continue
        converters = _rule_converters(rule)
        for name in sorted(rule.arguments & given.keys()):
            converter = converters.get(name)
            if converter is None:
                continue
            try:
                converter.to_url(given[name])
            except (ValueError, TypeError):
                reason = f"{type(error).__name__}: {error}"
                return cannot_build(
                    member, endpoint, refused=name, given=given[name], reason=reason
                )
    return None


def _rule_converters(rule: Rule) -> t.Mapping[str, BaseConverter]:
    """The converter of each of ``rule``'s arguments, by name."""
    # Checked on Werkzeug 3.0.0 and 3.1.8: Rule.compile fills Rule._converters,
    # a dict of argument name -> converter instance. Read only to say which
    # value a converter refused, after a build failed.
    converters: t.Mapping[str, BaseConverter] = getattr(rule, "_converters", {})
    return converters


def map_matcher(url_map: Map, *, exclude: t.Container[str] = ()) -> Matcher:
    """A ``match`` matcher for a werkzeug ``Map``, cheap enough for every request.

    Claims a path the map routes for the method; a path it routes for other
    methods only is answered ``(None, False, methods)``; a path the map would
    redirect (a missing trailing slash) counts as claimed. Endpoints in
    ``exclude`` (an invite route) are never claimed. Matching only: no view
    runs. It uses the map's state machine directly, skipping the HTTP
    exceptions ``MapAdapter.match`` raises, since the
    :class:`~wsgi_party.RouteDispatcher` asks on every request. ``path`` is
    a ``PATH_INFO`` as WSGI gives it (UTF-8 bytes as a latin-1 string),
    decoded as ``bind_to_environ`` decodes it.
    """
    engine = getattr(url_map, "_matcher", None)
    if engine is None or url_map.host_matching:
        return _adapter_matcher(url_map, exclude)

    def match(method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
        if url_map._remap:  # rules were added since the last match: re-sort them
            url_map.update()
        if not path.isascii():
            path = _path_text(path)
        try:
            rule, _values = engine.match("", f"/{path.lstrip('/')}" if path else "", method, False)
        except NoMatch as exc:
            if exc.have_match_for:
                return None, False, tuple(exc.have_match_for)
            return None
        except (RequestPath, RequestAliasRedirect):
            return None, True, ()
        if rule.endpoint in exclude:
            return None
        return str(rule.endpoint), True, rule.methods or ()

    return match


def _adapter_matcher(url_map: Map, exclude: t.Container[str]) -> Matcher:
    adapter = url_map.bind("localhost")

    def match(method: str, path: str) -> tuple[str | None, bool, t.Iterable[str]] | None:
        try:
            rule, _args = adapter.match(_path_text(path), method, return_rule=True)
        except MethodNotAllowed as exc:
            return None, False, exc.valid_methods or ()
        except RequestRedirect:
            return None, True, ()
        except HTTPException:
            return None
        if rule.endpoint in exclude:
            return None
        return str(rule.endpoint), True, rule.methods or ()

    return match


def _path_text(path: str) -> str:
    """A WSGI ``PATH_INFO`` (UTF-8 bytes as a latin-1 string) as text.

    A path that is not such a string (it holds characters beyond latin-1, or
    its bytes are not UTF-8) is taken as text already.
    """
    if path.isascii():
        return path
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path
