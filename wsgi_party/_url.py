"""The ``url`` service: one protocol for building links across applications.

An asker sends a :class:`UrlRequest`; each member's ``url`` handler either
answers with a finished URL string or raises :class:`~wsgi_party.HighAndDry`
when it has no such endpoint::

    from wsgi_party import UrlRequest

    url = party.ask_first("url", UrlRequest("post", {"id": 3}, anchor="top"))
    url = party.url_for("blog:post", id=3, _anchor="top")   # the same

A member's framework only has to turn an endpoint and values into a path
within the member; :func:`url_handler` does the rest the same way for every
framework: the party's own ``SCRIPT_NAME`` + the member's mount + the path,
unused values as the query string, then the anchor, and scheme and host for
external URLs (from the current request, else from the party's ``base_url``).
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from ._context import _get_scope
from ._exceptions import CannotBuild, HighAndDry, PartylineException, UrlOptionError
from ._hosts import request_host

if t.TYPE_CHECKING:
    from ._operator import PartylineOperator

__all__ = [
    "PathBuilder",
    "UrlHandler",
    "UrlRequest",
    "encode_query",
    "url_handler",
]

#: Characters left unquoted in query strings, as Werkzeug leaves them, so
#: every framework's links read the same; except ";", which WebOb (so
#: Pyramid) reads as a separator between values.
_QUERY_SAFE = "!$'()*,/:?@"
#: Characters left unquoted in an anchor, as Flask's ``url_for`` leaves them.
_FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"


@dataclass(frozen=True, slots=True, init=False, repr=False)
class UrlRequest:
    """The payload of the ``url`` service (immutable).

    ``endpoint`` names the route (Flask endpoint, Pyramid route name, Django
    URL name; ``"member:endpoint"`` targets one member). ``values`` fill the
    route; those it does not use become the query string. ``external`` asks
    for scheme and host, ``anchor`` for a ``#fragment``, ``method`` picks
    between routes that differ by HTTP method.

    ``script_root``, ``scheme`` and ``host`` say where the URL is served from;
    the party fills them from the current request (or ``base_url``) before it
    asks, so handlers never have to guess. The same request is handed to
    every member asked, so it cannot be changed: :func:`dataclasses.replace`
    and :meth:`located` make changed copies.

    .. versionchanged:: 0.3
       A frozen dataclass; it was a mutable class.
    """

    endpoint: str
    values: t.Mapping[str, t.Any]
    external: bool
    anchor: str | None
    method: str | None
    script_root: str | None
    scheme: str | None
    host: str | None

    def __init__(
        self,
        endpoint: str,
        values: t.Mapping[str, t.Any] | None = None,
        external: bool = False,
        anchor: str | None = None,
        method: str | None = None,
        *,
        script_root: str | None = None,
        scheme: str | None = None,
        host: str | None = None,
    ) -> None:
        if type(endpoint) is not str or not endpoint:
            if not isinstance(endpoint, str) or not endpoint:
                raise PartylineException(
                    f"UrlRequest endpoint must be a non-empty string, got {endpoint!r}"
                )
            # A str subclass, such as Django's SafeString from a template tag.
            endpoint = str(endpoint)
        if values is None:
            values = {}
        elif type(values) is not dict and not isinstance(values, Mapping):
            raise PartylineException(
                f"UrlRequest values for endpoint {endpoint!r} must be a"
                f" mapping, got {type(values).__name__}"
            )
        init = object.__setattr__
        init(self, "endpoint", endpoint)
        init(self, "values", values)
        init(self, "external", external)
        init(self, "anchor", anchor)
        init(self, "method", method)
        init(self, "script_root", script_root)
        init(self, "scheme", scheme)
        init(self, "host", host)

    __hash__ = None  # type: ignore[assignment]  # its values are a dict

    def __iter__(self) -> t.Iterator[t.Any]:
        """Unpack as ``endpoint, values``, like the 0.1 tuple payload.

        So a ``url`` handler written for wsgi_party 0.1
        (``endpoint, values = payload``) keeps working.
        """
        yield self.endpoint
        yield self.values

    def __repr__(self) -> str:
        fields = [(name, getattr(self, name)) for name in _URL_FIELDS]
        shown = ", ".join(
            f"{name}={value!r}"
            for name, value in fields
            if name in ("endpoint", "values") or value not in (None, False)
        )
        return f"UrlRequest({shown})"

    @classmethod
    def coerce(cls, payload: object) -> UrlRequest:
        """Accept a :class:`UrlRequest` or one of the two 0.1-era forms.

        The 0.1 forms are an ``(endpoint, values)`` tuple and a
        ``{"name": endpoint, "kwargs": values, "query": extra}`` dict.
        Anything else raises :class:`~wsgi_party.PartylineException`.
        """
        if isinstance(payload, UrlRequest):
            return payload
        if isinstance(payload, tuple) and len(payload) == 2:
            endpoint, values = payload
            return cls(endpoint, {} if values is None else values)
        if isinstance(payload, Mapping) and "name" in payload:
            kwargs, query = payload.get("kwargs") or {}, payload.get("query") or {}
            if not isinstance(kwargs, Mapping) or not isinstance(query, Mapping):
                raise PartylineException(
                    f"the 'kwargs' and 'query' values of a 'url' payload for endpoint"
                    f" {payload['name']!r} must be mappings, got {kwargs!r} and {query!r}"
                )
            return cls(payload["name"], {**kwargs, **query})
        raise PartylineException(
            "a 'url' payload must be a UrlRequest, an (endpoint, values) tuple or"
            f" a {{'name', 'kwargs', 'query'}} dict, got {payload!r}"
        )

    @classmethod
    def from_url_for(cls, endpoint: str, values: dict[str, t.Any]) -> UrlRequest:
        """Make a request from ``url_for``-style arguments, with Flask's conventions.

        ``_external``, ``_anchor``, ``_method`` and ``_scheme`` are taken out
        of ``values`` (a dict the caller hands over); ``_scheme`` implies
        ``_external`` unless ``_external=False`` is given, which raises
        :class:`~wsgi_party.UrlOptionError` (a ``ValueError``, as in Flask).
        """
        external = anchor = method = scheme = None
        if values and ("_external" in values or not _OPTIONS.isdisjoint(values)):
            external = values.pop("_external", None)
            anchor = values.pop("_anchor", None)
            method = values.pop("_method", None)
            scheme = values.pop("_scheme", None)
            if scheme is not None:
                if external is None:
                    external = True
                elif not external:
                    raise UrlOptionError(
                        "When specifying '_scheme', '_external' must be True (endpoint"
                        f" {endpoint!r}, _scheme={scheme!r}, _external={external!r})."
                    )
        return cls(endpoint, values, bool(external), anchor, method, scheme=scheme)

    def located(self, base_url: str | None = None) -> UrlRequest:
        """This request with ``script_root``, ``scheme`` and ``host`` filled in.

        They come from the current request when there is one (the member's
        mount is taken off its ``SCRIPT_NAME`` to find the party's own), else
        from ``base_url``. Returns ``self`` when nothing was missing, else a
        located copy.

        The host of an external URL is taken from the request only when it
        is valid (and trusted, by the request's party's ``trusted_hosts``);
        otherwise :class:`~wsgi_party.UntrustedHost` is raised (see
        :func:`~wsgi_party.request_host`).
        """
        script_root, scheme, host = self.script_root, self.scheme, self.host
        if script_root is not None and (not self.external or (scheme and host)):
            return self
        scope = _get_scope()
        if scope is not None:
            environ = scope.environ
            if script_root is None:
                script_root = scope.party_root
            if self.external:
                scheme = scheme or environ.get("wsgi.url_scheme", "http")
                if not host:
                    party = scope.operator.partyline
                    host = request_host(environ, getattr(party, "trusted_hosts", None))
        elif base_url:
            parts = urlsplit(base_url)
            if script_root is None:
                script_root = parts.path.rstrip("/")
            scheme = scheme or parts.scheme or "http"
            host = host or parts.netloc
        elif script_root is None:
            script_root = ""
        return UrlRequest(
            self.endpoint,
            self.values,
            self.external,
            self.anchor,
            self.method,
            script_root=script_root,
            scheme=scheme,
            host=host,
        )


class AddressedRequest(UrlRequest):
    """A :class:`UrlRequest` the party addressed to one member: its endpoint
    is already that member's own name (``"polls:index"`` asked of member
    ``polls`` as ``"polls:polls:index"``), so handlers read it as it is."""

    __slots__ = ()


_OPTIONS = frozenset(("_external", "_anchor", "_method", "_scheme"))

_URL_FIELDS = (
    "endpoint",
    "values",
    "external",
    "anchor",
    "method",
    "script_root",
    "scheme",
    "host",
)


def encode_query(values: t.Mapping[str, t.Any]) -> str:
    """Encode unused route values as a query string, as Werkzeug does.

    ``None`` values are dropped, lists and tuples repeat their key, and the
    same characters stay unquoted (but for ``;``, written ``%3B`` so that
    WebOb and Pyramid read it back), so Flask, Pyramid, Django and plain
    WSGI members all produce identical query strings.
    """
    items: list[tuple[str, str | bytes]] = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items.extend((key, _text(key, v)) for v in value if v is not None)
        else:
            items.append((key, _text(key, value)))
    return urlencode(items, safe=_QUERY_SAFE)


def _text(key: str, value: object) -> str | bytes:
    # Bytes are percent-encoded as they are, exactly as Werkzeug does.
    return value if isinstance(value, bytes) else str(value)


class PathBuilder(t.Protocol):
    """Turns an endpoint into a path within one member.

    Called with the endpoint, the route values (a fresh dict the builder may
    consume) and the HTTP method or ``None``. Returns the path relative to the
    member's mount, optionally already carrying a query string; raises
    :class:`~wsgi_party.HighAndDry` when the member has no such endpoint.
    Values left in the dict are appended as the query string.
    """

    def __call__(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str: ...


class UrlHandler:
    """A member's ``url`` handler made from a framework-specific path builder.

    Called with any payload form :meth:`UrlRequest.coerce` accepts, it
    answers with the finished URL: prefix, member mount, path, query, anchor,
    and scheme and host when external. :meth:`builds_purely` tells the party
    which of its links it may remember. Make one with :func:`url_handler`.
    """

    __slots__ = ("build_path", "operator", "pure")

    def __init__(
        self,
        operator: PartylineOperator,
        build_path: PathBuilder,
        pure: t.Callable[[str], bool] | None = None,
    ) -> None:
        #: The member's operator.
        self.operator = operator
        #: Turns an endpoint and values into a path within the member.
        self.build_path = build_path
        #: Says which endpoints build from their values alone (``None``: none).
        self.pure = pure

    def __repr__(self) -> str:
        return f"<UrlHandler of member {self.operator.name!r}>"

    def builds_purely(self, endpoint: str) -> bool:
        """Whether ``endpoint`` builds from its values alone (see :ref:`url-memory`)."""
        pure = self.pure
        return pure is not None and pure(endpoint)

    def cache_clear(self) -> None:
        """Nothing to clear: kept for code written for 0.2.

        The party's memory of links is the only one
        (:meth:`WSGIParty.clear_url_cache`).
        """

    def __call__(self, payload: object) -> str:
        kind = type(payload)
        if kind is UrlRequest or kind is AddressedRequest:
            request = t.cast("UrlRequest", payload)
        else:
            request = UrlRequest.coerce(payload)
        operator = self.operator
        endpoint = request.endpoint
        given = request.values
        values = dict(given)
        try:
            if (
                ":" in endpoint
                and endpoint.partition(":")[0] == operator.name
                and kind is not AddressedRequest
            ):
                endpoint, path = self._build_own(endpoint, values, request.method)
            else:
                path = self.build_path(endpoint, values, request.method)
            if type(path) is not str:
                raise PartylineException(
                    f"the url builder of member {operator.name!r} returned"
                    f" {type(path).__name__} for endpoint {endpoint!r}; it must"
                    " return a path string or raise HighAndDry"
                )
            if ";" in path:
                path = _quote_query_semicolons(path)
            if values:
                query = encode_query(values)
                if query:
                    path = f"{path}{'&' if '?' in path else '?'}{query}"
        except (TypeError, UnicodeError) as exc:
            problem = _bad_value(given)
            if problem is None:
                raise
            raise PartylineException(
                f"member {operator.name!r} cannot build a URL for endpoint {endpoint!r}: {problem}"
            ) from exc
        # Asked directly (ask_first("url", ...)) outside a request, the
        # party's base_url still locates the URL; a 0.1-style partyline has none.
        base_url = getattr(operator.partyline, "base_url", None)
        return finish_url(request, operator.script_name, path, base_url)

    def _build_own(
        self, endpoint: str, values: dict[str, t.Any], method: str | None
    ) -> tuple[str, str]:
        """Build ``"<this member>:rest"``: ``rest`` first, else the whole name.

        A member may have a name of its own that starts with its member name
        (a Django member ``polls`` with the URL namespace ``polls``): when it
        cannot build ``rest``, it builds the whole name if it has it. When
        neither builds, the reason given for ``rest`` is raised. Returns the
        name that was built and its path.
        """
        rest = endpoint.partition(":")[2]
        attempt = dict(values)
        try:
            path = self.build_path(rest, attempt, method)
        except HighAndDry as refusal:
            try:
                path = self.build_path(endpoint, values, method)
            except HighAndDry as other:
                reason = refusal_of_own(self.operator, rest, refusal, endpoint, other)
                raise reason from reason.__cause__
            return endpoint, path
        values.clear()
        values.update(attempt)
        return rest, path


def refusal_of_own(
    operator: PartylineOperator,
    rest: str,
    refusal: HighAndDry,
    whole: str,
    other: HighAndDry,
) -> HighAndDry:
    """Why a member built neither ``rest`` nor ``whole`` (``"<member>:rest"``).

    The reason for ``rest`` (``refusal``), unless the member has ``whole``
    but could not build it (``other`` is a :class:`CannotBuild`, or the
    member lists ``whole`` among its routes and not ``rest``): then the
    reason for ``whole`` (a value is missing).
    """
    if isinstance(refusal, CannotBuild):
        return refusal
    if isinstance(other, CannotBuild):
        return other
    listers = operator.services.get("routes", ())
    if listers:
        try:
            endpoints = {route.endpoint for route in listers[0](None)}
        except Exception:  # noqa: BLE001 - only the choice of reason depends on it
            return refusal
        if whole in endpoints and rest not in endpoints:
            return other
    return refusal


def url_handler(
    operator: PartylineOperator,
    build_path: PathBuilder,
    *,
    pure: t.Callable[[str], bool] | None = None,
    cache_size: int | None = None,
) -> UrlHandler:
    """Make a member's ``url`` handler (a :class:`UrlHandler`) from a path builder.

    The handler accepts every payload form :meth:`UrlRequest.coerce` does and
    answers with the finished URL: prefix, member mount, path, query, anchor,
    and scheme and host when external.

    ``pure(endpoint)`` says whether building ``endpoint`` depends on nothing
    but its values (no ``url_defaults`` reading ``g``, no pregenerator, no
    active language). The party remembers finished links only to endpoints
    every possible answerer calls pure (see :ref:`url-memory`).

    .. versionchanged:: 0.3
       Returns a :class:`UrlHandler`. It keeps no cache of its own: the
       party's memory of links is the only one. ``cache_size`` is ignored
       (with a :class:`DeprecationWarning`) and ``cache_clear()`` does
       nothing; :meth:`WSGIParty.clear_url_cache` forgets remembered links.
    """
    if cache_size is not None:
        warnings.warn(
            "url_handler(cache_size=...) is ignored: the party keeps the only memory"
            " of links, bounded by WSGIParty(url_memory_bytes=...)",
            DeprecationWarning,
            stacklevel=2,
        )
    return UrlHandler(operator, build_path, pure)


def _quote_query_semicolons(path: str) -> str:
    """Write ``;`` in the query a builder wrote (Werkzeug's) as ``%3B``, like :func:`encode_query`.

    WebOb (so Pyramid) splits query strings at ``;`` too, so a raw one would
    cut a value in two at such a target.
    """
    head, sep, query = path.partition("?")
    return f"{head}?{query.replace(';', '%3B')}" if sep else path


def _bad_value(values: t.Mapping[t.Any, t.Any]) -> str | None:
    """What makes ``values`` impossible to put in a URL, if anything (cold path)."""
    for key, value in values.items():
        if not isinstance(key, str):
            return f"value name {key!r} is not a string"
        for item in value if isinstance(value, (list, tuple)) else (value,):
            try:
                if isinstance(item, str):
                    item.encode("utf-8")
                elif isinstance(item, bytes):
                    item.decode("utf-8")
            except UnicodeError:
                return f"URL value {key!r} cannot be encoded as UTF-8: {item!r}"
    return None


def finish_url(request: UrlRequest, mount: str, path: str, base_url: str | None = None) -> str:
    """Compose the final URL for ``path`` (with its query) built by the member at ``mount``."""
    if request.script_root is None or (request.external and not request.host):
        request = request.located(base_url)
    url = f"{request.script_root}{mount}{path}" or "/"
    if request.anchor is not None:
        url = f"{url}#{quote(request.anchor, safe=_FRAGMENT_SAFE)}"
    if request.external:
        if not request.host:
            raise PartylineException(
                f"cannot build an external URL for endpoint {request.endpoint!r}"
                " outside a request: give the party a base_url"
                " (WSGIParty(..., base_url='https://example.com'))"
            )
        url = f"{request.scheme or 'http'}://{request.host}{url}"
    return url


class _NoSuchEndpoint(HighAndDry):
    """What :func:`no_such_endpoint` makes: the party says it in its own words."""


def no_such_endpoint(member: str | None, endpoint: str) -> HighAndDry:
    """The :class:`HighAndDry` a builder raises for an endpoint it lacks."""
    return _NoSuchEndpoint(f"member {member!r} has no endpoint {endpoint!r}")


def cannot_build(
    member: str | None,
    endpoint: str,
    *,
    missing: t.Iterable[str] = (),
    refused: str | None = None,
    given: object = None,
    reason: str | None = None,
) -> CannotBuild:
    """The :class:`~wsgi_party.CannotBuild` a builder raises for an endpoint
    it has but cannot build from the values given.

    Say why with ``missing`` (the names of the values the route needs and
    did not get), or ``refused`` (the name of a value a converter refused)
    with ``given`` (that value), or ``reason`` (any other why; with
    ``refused``, the converter's own words). Raise it ``from`` the
    framework's own error, so that the party's error has that as its cause::

        except BuildError as exc:
            raise cannot_build("blog", "post", missing=["id"]) from exc

    .. versionadded:: 0.3
    """
    needed = tuple(missing)
    if needed:
        names = ", ".join(map(repr, needed))
        why = f"missing value{'s' if len(needed) > 1 else ''} {names}"
    elif refused is not None:
        why = f"the converter of {refused!r} refused {given!r}"
        if reason:
            why = f"{why} ({reason})"
    else:
        why = reason or "the values given fit none of its routes"
    return CannotBuild(member, endpoint, why, missing=needed, refused=refused)


def refusals_message(refusals: t.Iterable[CannotBuild], asked: t.Iterable[str | None]) -> str:
    """What an error says when members have an endpoint but none could build it.

    Each member's reason, then who was asked::

        member 'blog' has 'update' but could not build it: missing value 'id' (asked: 'blog')

    .. versionadded:: 0.3
    """
    names = ", ".join(repr(name) for name in asked) or "nobody"
    return f"{'; '.join(map(str, refusals))} (asked: {names})"
