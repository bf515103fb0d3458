"""URLs and matching: Django's routing, answered for the party.

For the party's ``url``, ``routes`` and ``match`` services, through the
project's membership (and for :func:`~wsgi_party.django.party_url`)::

    reverser = Reverser()
    values = {"pk": 3, "page": 2}
    reverser.path("polls:detail", values)   # '/polls/3/'; values is now {'page': 2}
    resolve_route("/polls/3/")              # 'polls:detail'

:meth:`Reverser.path` reverses exactly as :func:`django.urls.reverse` does
(namespaces with instance and application names, converters' ``to_url``,
default kwargs, the same quoting), but relative to the app's own mount
instead of the thread's script prefix, and it leaves the values the pattern
does not use in the dict so that they become the query string. What can be
computed once per URLconf, language and name (the namespace walk, the
candidate patterns, their compiled regexes) is cached, so a cross-app link
costs no more than Django's own ``reverse``. The resolver state it reads
that Django does not document is read in :mod:`._compat`.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote, urlsplit

from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.middleware.common import (  # type: ignore[import-untyped,unused-ignore]
    CommonMiddleware,
)
from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    get_urlconf,
    is_valid_path,
    resolve,
)
from django.utils.functional import Promise  # type: ignore[import-untyped,unused-ignore]
from django.utils.http import (  # type: ignore[import-untyped,unused-ignore]
    RFC3986_SUBDELIMS,
)
from django.utils.module_loading import (  # type: ignore[import-untyped,unused-ignore]
    import_string,
)
from django.utils.translation import get_language  # type: ignore[import-untyped,unused-ignore]

from wsgi_party.integration import cannot_build, no_such_endpoint

from ._compat import (
    appends_slash,
    decoded_path,
    namespace_apps,
    namespace_resolver,
    nested_resolver,
    pattern_converters,
    reverse_candidates,
    route_source,
    url_patterns,
)

if t.TYPE_CHECKING:
    from wsgi_party import CannotBuild, HighAndDry

__all__ = ["Reverser", "list_routes", "path_text", "resolve_route", "served_prefixes"]

#: Characters ``reverse()`` leaves unquoted in a path (RFC 3986 ``pchar``).
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"

#: Any character ``quote(..., safe=_PATH_SAFE)`` would change.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~\-" + re.escape(_PATH_SAFE) + "]")


# -- Reverser: reverse() relative to the mount -------------------------------------


class _Candidate:
    """One way to build a URL name: a format string and what it needs."""

    __slots__ = ("converters", "defaults", "format", "param_set", "params", "regex")

    def __init__(
        self,
        result: str,
        params: t.Sequence[str],
        pattern: str,
        defaults: t.Mapping[str, t.Any],
        converters: t.Mapping[str, t.Any],
    ) -> None:
        self.format = "/" + result
        self.params = tuple(params)
        self.param_set = frozenset(params)
        self.defaults = dict(defaults)
        self.converters = dict(converters)
        # Django checks every candidate against its pattern behind the prefix.
        self.regex = re.compile("^/" + pattern)

    def render(self, values: t.Mapping[str, t.Any]) -> str | None:
        """The quoted path for ``values``, or ``None`` when they do not fit."""
        text: dict[str, str] = {}
        converters = self.converters
        for key in self.params:
            value = values[key]
            converter = converters.get(key)
            if converter is None:
                text[key] = str(value)
            else:
                try:
                    text[key] = converter.to_url(value)
                except ValueError:
                    return None
        candidate: str = self.format % text
        if self.regex.search(candidate) is None:
            return None
        url = quote(candidate, safe=_PATH_SAFE) if _UNSAFE.search(candidate) else candidate
        if url.startswith("//"):
            # As django.utils.http.escape_leading_slashes: never scheme-relative.
            url = "/%2F" + url[2:]
        return url

    def refusal(
        self, member: str | None, endpoint: str, given: t.Mapping[str, t.Any]
    ) -> CannotBuild | None:
        """The value of ``given`` this pattern's converters refuse, if one is."""
        for key in self.params:
            converter = self.converters.get(key)
            if converter is None:
                continue
            value = given[key]
            try:
                text = converter.to_url(value)
            except ValueError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                return cannot_build(member, endpoint, refused=key, given=value, reason=reason)
            regex = getattr(converter, "regex", None)
            if isinstance(regex, str) and re.fullmatch(regex, str(text)) is None:
                reason = f"it must match {regex!r}"
                return cannot_build(member, endpoint, refused=key, given=value, reason=reason)
        return None


class _Target:
    """Every candidate of one URL name, in Django's order and by size."""

    __slots__ = ("by_size", "candidates", "name")

    def __init__(self, name: str, candidates: list[_Candidate]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        # Patterns using more of the values win when some must go to the query.
        self.by_size = tuple(sorted(candidates, key=lambda c: -len(c.params)))

    def build(self, values: dict[str, t.Any]) -> str | None:
        """The path for ``values`` (consuming those used), or ``None``."""
        given = {k: v for k, v in values.items() if v is not None}
        keys = given.keys()
        # Django's own rule first (every value used), so a link equals reverse().
        for candidate in self.candidates:
            if (keys ^ candidate.param_set) - candidate.defaults.keys():
                continue
            if not _defaults_agree(candidate, given):
                continue
            url = candidate.render(given)
            if url is not None:
                for key in candidate.params:
                    del values[key]
                for key in candidate.defaults:
                    values.pop(key, None)
                return url
        # Then the pattern using most of the values; the rest is the query.
        for candidate in self.by_size:
            if not candidate.param_set <= keys or not _defaults_agree(candidate, given):
                continue
            url = candidate.render(given)
            if url is not None:
                for key in candidate.params:
                    del values[key]
                for key in candidate.defaults:
                    if key in given:
                        del values[key]
                return url
        return None

    def refusal(
        self,
        member: str | None,
        values: t.Mapping[str, t.Any],
        error: NoReverseMatch | None = None,
    ) -> CannotBuild:
        """Why :meth:`build` found no pattern for ``values``, for the party.

        The values missing from the pattern that needs the fewest, else the
        value a converter (or its regex) refused, else Django's own words.
        The cause is ``error``, the ``NoReverseMatch`` raised, else the one
        ``reverse()`` would raise.
        """
        given = {k: v for k, v in values.items() if v is not None}
        missing = min((sorted(c.param_set - given.keys()) for c in self.candidates), key=len)
        refusal: CannotBuild | None = None
        if missing:
            refusal = cannot_build(member, self.name, missing=missing)
        else:
            for candidate in self.candidates:
                if candidate.param_set <= given.keys():
                    refusal = candidate.refusal(member, self.name, given)
                    if refusal is not None:
                        break
        if refusal is None:
            refusal = cannot_build(member, self.name, reason=self.failure(values))
        refusal.__cause__ = error if error is not None else NoReverseMatch(self.failure(values))
        return refusal

    def failure(self, values: t.Mapping[str, t.Any]) -> str:
        """Why :meth:`build` found no pattern for ``values`` (as ``reverse()`` says)."""
        given = {k: v for k, v in values.items() if v is not None}
        patterns = [c.regex.pattern[2:] for c in self.candidates]
        return (
            f"Reverse for {self.name!r} with keyword arguments {given!r} not found."
            f" {len(patterns)} pattern(s) tried: {patterns}"
        )


def _defaults_agree(candidate: _Candidate, given: t.Mapping[str, t.Any]) -> bool:
    params = candidate.param_set
    for key, default in candidate.defaults.items():
        if key not in params and given.get(key, default) != default:
            return False
    return True


class Reverser:
    """Cached ``reverse()`` relative to the app's mount (see the module docs).

    Safe to share between threads: the caches are plain dicts filled
    idempotently, and everything per thread (URLconf, language) is part of
    the key.
    """

    #: URLconfs remembered before the cache starts over (per-request
    #: ``request.urlconf`` overrides can make many).
    max_urlconfs = 16

    def __init__(self) -> None:
        self._tables: dict[int, _Table] = {}

    def path(
        self,
        endpoint: str,
        values: dict[str, t.Any],
        current_app: str | None = None,
        *,
        request_urlconf: bool = True,
    ) -> str:
        """The path of URL name ``endpoint`` relative to the mount (``/...``).

        Values the pattern uses are removed from ``values``; the others are
        left for the query string. Raises :class:`django.urls.NoReverseMatch`
        as ``reverse()`` would. With ``request_urlconf`` the URLconf of the
        current Django request (``request.urlconf``) is honoured, as
        ``reverse()`` does; without, ``ROOT_URLCONF`` is used (for another
        member's request, where Django has set none).
        """
        target = self._target(endpoint, current_app, request_urlconf)
        if not isinstance(target, _Target):
            raise NoReverseMatch(target)
        path = target.build(values)
        if path is None:
            raise NoReverseMatch(target.failure(values))
        return path

    def refusal(
        self,
        member: str | None,
        endpoint: str,
        values: t.Mapping[str, t.Any],
        current_app: str | None = None,
        *,
        request_urlconf: bool = True,
        error: NoReverseMatch | None = None,
    ) -> HighAndDry:
        """Why :meth:`path` cannot build ``endpoint`` from ``values``, for the party.

        :func:`~wsgi_party.integration.no_such_endpoint` for a URL name the
        URLconf does not have, else a :class:`~wsgi_party.CannotBuild`
        caused by Django's ``NoReverseMatch`` (``error``, the one
        :meth:`path` raised, if given). Only called when a build failed.
        """
        target = self._target(endpoint, current_app, request_urlconf)
        if not isinstance(target, _Target):
            return no_such_endpoint(member, endpoint)
        return target.refusal(member, values, error)

    def find(
        self, endpoint: str, values: dict[str, t.Any], current_app: str | None = None
    ) -> str | None:
        """:meth:`path`, but ``None`` instead of raising (the cheap miss)."""
        target = self._target(endpoint, current_app, True)
        return target.build(values) if isinstance(target, _Target) else None

    def pure(self, endpoint: str) -> bool:
        """Whether ``endpoint`` builds from its values alone in the project's URLconf.

        True unless the URLconf has translated patterns (``i18n_patterns``),
        whose paths depend on the active language.
        """
        resolver = get_resolver(None)
        table = self._tables.get(id(resolver))
        if table is None or table.resolver is not resolver:
            table = self._table(resolver)
        return not table.translated

    def _target(
        self, endpoint: str, current_app: str | None, request_urlconf: bool
    ) -> _Target | str:
        """The cached target of ``endpoint``, or why there is none."""
        resolver = get_resolver(get_urlconf() if request_urlconf else None)
        table = self._tables.get(id(resolver))
        if table is None or table.resolver is not resolver:
            table = self._table(resolver)
        # The language matters only to a URLconf with translated patterns.
        key = (endpoint, current_app, get_language() if table.translated else None)
        targets = table.targets
        target = targets.get(key)
        if target is None:
            try:
                target = _lookup(resolver, endpoint, current_app)
            except NoReverseMatch as exc:
                target = str(exc)
            targets[key] = target
        return target

    def _table(self, resolver: t.Any) -> _Table:
        if len(self._tables) >= self.max_urlconfs:
            self._tables = {}
        table = _Table(resolver)
        self._tables[id(resolver)] = table
        return table


class _Table:
    """The cached targets of one URLconf (one resolver)."""

    __slots__ = ("resolver", "targets", "translated")

    def __init__(self, resolver: t.Any) -> None:
        self.resolver = resolver
        self.translated = _translated(url_patterns(resolver))
        self.targets: dict[tuple[str, str | None, str | None], _Target | str] = {}


def _translated(patterns: t.Iterable[t.Any]) -> bool:
    """Whether any pattern depends on the active language (``i18n_patterns``,
    ``gettext_lazy`` routes); unknown pattern classes count as dependent."""
    for entry in patterns:
        route = route_source(entry.pattern)
        if route is None or isinstance(route, Promise):
            return True
        if isinstance(entry, URLResolver) and _translated(url_patterns(entry)):
            return True
    return False


def _lookup(resolver: t.Any, endpoint: str, current_app: str | None) -> _Target:
    """Walk the namespaces of ``endpoint`` exactly as ``reverse()`` does."""
    *path, view = endpoint.split(":")
    current_path = current_app.split(":")[::-1] if current_app else None
    resolved_path: list[str] = []
    ns_pattern = ""
    ns_converters: dict[str, t.Any] = {}
    for part in path:
        ns = part
        current_ns = current_path.pop() if current_path else None
        app_list = namespace_apps(resolver, ns)
        if app_list is not None:
            if current_ns and current_ns in app_list:
                ns = current_ns
            elif ns not in app_list:
                ns = app_list[0]
        if ns != current_ns:
            current_path = None
        found = namespace_resolver(resolver, ns)
        if found is None:
            if resolved_path:
                raise NoReverseMatch(
                    f"{ns!r} is not a registered namespace inside {':'.join(resolved_path)!r}"
                )
            raise NoReverseMatch(f"{ns!r} is not a registered namespace")
        extra, resolver = found
        resolved_path.append(ns)
        ns_pattern += extra
        ns_converters.update(pattern_converters(resolver))
    if ns_pattern:
        resolver = nested_resolver(ns_pattern, resolver, tuple(ns_converters.items()))
    candidates = [
        _Candidate(result, params, pattern, defaults, converters)
        for possibility, pattern, defaults, converters in reverse_candidates(resolver, view)
        for result, params in possibility
    ]
    if not candidates:
        raise NoReverseMatch(
            f"Reverse for {view!r} not found. {view!r} is not a valid view function"
            " or pattern name."
        )
    return _Target(endpoint, candidates)


# -- routes and match --------------------------------------------------------


def path_text(path: str) -> str:
    """A WSGI ``PATH_INFO`` (bytes as a latin-1 string) as Django's ``path_info``.

    Decoded as :class:`~django.core.handlers.wsgi.WSGIRequest` decodes it;
    a path with characters beyond latin-1 is taken as text already.
    """
    if path.isascii():
        return path
    try:
        raw = path.encode("latin-1")
    except UnicodeEncodeError:
        return path
    return decoded_path(raw)


def list_routes() -> t.Iterator[tuple[str, str, t.Iterable[str]]]:
    """Every URL pattern of the current URLconf as (name, rule, methods).

    The name carries its namespaces (``polls:detail``); a pattern without a
    name is listed under its view's dotted path, as ``resolve()`` names it.
    The rule is readable (``/polls/<int:pk>/``); methods are empty because
    Django routes every method to the view.
    """
    yield from _walk(url_patterns(get_resolver(get_urlconf())), "/", ())


def _walk(
    patterns: t.Iterable[t.Any], prefix: str, namespaces: tuple[str, ...]
) -> t.Iterator[tuple[str, str, t.Iterable[str]]]:
    for entry in patterns:
        rule = prefix + _readable(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(url_patterns(entry), rule, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or _view_path(entry.callback)
            yield ":".join((*namespaces, name)), rule, ()


def _readable(pattern: t.Any) -> str:
    text = str(pattern)
    if text.startswith("^"):
        text = text[1:]
    for end in ("\\Z", "$"):
        if text.endswith(end):
            text = text[: -len(end)]
    return text


def _view_path(callback: t.Any) -> str:
    func = getattr(callback, "view_class", callback)
    if not hasattr(func, "__name__"):
        return f"{type(func).__module__}.{type(func).__name__}"
    return f"{func.__module__}.{func.__name__}"


def resolve_route(path: str) -> str | None:
    """The view name ``path`` (relative to the mount) resolves to.

    Only resolves, never calls the view. A path that ``CommonMiddleware``
    would redirect to with a slash appended (see :func:`_slash_redirect`)
    resolves to the view of the slashed path, whose redirect Django answers.
    Raises :class:`django.urls.Resolver404` otherwise.
    """
    if not path.startswith("/"):
        path = "/" + path
    try:
        match = resolve(path)
    except Resolver404:
        slashed = _slash_redirect(path)
        if slashed is None:
            raise
        match = slashed
    return str(match.view_name)


def _slash_redirect(path: str) -> t.Any | None:
    """The ``ResolverMatch`` of ``path + "/"`` if Django would redirect there, else ``None``.

    ``path`` did not resolve. The rule of
    ``CommonMiddleware.should_redirect_with_slash``: ``APPEND_SLASH`` is on, a
    ``CommonMiddleware`` (or a subclass) is in ``MIDDLEWARE``, ``path`` has no
    trailing slash, the slashed path resolves
    (:func:`django.urls.is_valid_path`) and its view is not marked with
    :func:`~django.views.decorators.common.no_append_slash`. The URLconf is
    the thread's (:func:`django.urls.get_urlconf`): a ``request.urlconf`` set
    by a middleware is not seen.
    """
    if not settings.APPEND_SLASH or path.endswith("/") or not _has_common_middleware():
        return None
    match = is_valid_path(path + "/", get_urlconf())
    if not match or not appends_slash(match.func):
        return None
    return match


def served_prefixes() -> list[str]:
    """Path prefixes the project serves outside its URLconf: WhiteNoise's.

    With WhiteNoise's middleware (or a subclass) in ``MIDDLEWARE``, the
    static prefix it serves, worked out as WhiteNoise does:
    ``WHITENOISE_STATIC_PREFIX``, else the path of ``STATIC_URL`` with
    ``FORCE_SCRIPT_NAME`` taken off. Static files served through URL
    patterns (``staticfiles_urlpatterns()``, ``static()``) are routes:
    :func:`resolve_route` has them. ``WHITENOISE_ROOT`` files are not claimed
    (they sit at the root, beside every other app's pages).
    """
    if not any(_is_whitenoise(import_string(dotted)) for dotted in settings.MIDDLEWARE):
        return []
    prefix = getattr(settings, "WHITENOISE_STATIC_PREFIX", None)
    if prefix is None:
        prefix = urlsplit(settings.STATIC_URL or "").path
        script_name = (settings.FORCE_SCRIPT_NAME or "").rstrip("/")
        if script_name and prefix.startswith(script_name):
            prefix = prefix[len(script_name) :]
    prefix = "/" + prefix.strip("/")
    return [prefix] if prefix != "/" else []


def _is_whitenoise(middleware: object) -> bool:
    """Whether ``middleware`` is WhiteNoise's, found by name so that
    WhiteNoise need not be installed."""
    return isinstance(middleware, type) and any(
        base.__module__ == "whitenoise.middleware" and base.__name__ == "WhiteNoiseMiddleware"
        for base in middleware.__mro__
    )


def _has_common_middleware() -> bool:
    """Whether ``MIDDLEWARE`` has ``CommonMiddleware`` or a subclass of it.

    Django imported every entry when it loaded its handler, so importing
    again only reads the modules' attributes.
    """
    for dotted in settings.MIDDLEWARE:
        middleware = import_string(dotted)
        if isinstance(middleware, type) and issubclass(middleware, CommonMiddleware):
            return True
    return False
