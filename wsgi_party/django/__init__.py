"""Django integration: the project joins the party as a reusable app.

Install it the way every reusable Django app is installed::

    # settings.py
    INSTALLED_APPS = [..., "wsgi_party.django"]
    MIDDLEWARE = ["wsgi_party.django.PartyMiddleware", ...]     # at the top
    WSGI_PARTY_NAME = "legacy"              # member name; default from the mount
    WSGI_PARTY_FRAGMENTS = {"header": "partials/header.html"}   # answers ``layout``

    # wsgi.py
    application = WSGIParty(DispatcherMiddleware(get_wsgi_application(), {
        "/blog": blog_app,
    }))

Views and templates then link across applications, local URL names first::

    from wsgi_party.django import party_url
    party_url("polls:detail", pk=3)      # Django's own reverse(), relative to its mount
    party_url("blog:post", id=3, page=2, _anchor="c")   # another member's route

    {% load wsgi_party %}
    <a href="{% party_url "blog:post" id=3 %}">...</a>
    {% party_url "blog:post" id=3 as link %}
    {% party_fragment "header" %}            {# marked safe #}
    {% party_identity as who %}

The project answers ``url`` (``reverse()`` with namespaces and converters;
route values the pattern does not use become the query string), ``ping``,
``routes`` and ``match`` (``resolve()``, never a view), ``identity`` (its
sessions and ``django.contrib.auth``, for the current request's own cookies;
``WSGI_PARTY_IDENTITY = False`` turns it off) and ``layout`` (the templates
of ``WSGI_PARTY_FRAGMENTS``).

Django allows one settings module per process, so a process holds one Django
project and the project joins one party: every ``get_wsgi_application()``
handler of the process is that same member, and a second live party is
declined until the first is closed.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import django  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.django needs Django: pip install "wsgi_party[django]"'
    raise ModuleNotFoundError(msg, name=error.name) from error
from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    get_script_prefix,
)
from django.utils.safestring import mark_safe  # type: ignore[import-untyped,unused-ignore]

from wsgi_party import (
    HighAndDry,
    Identity,
    NoAnswer,
    NoSuchServiceName,
    RequestScope,
    UrlBuildError,
    UrlRequest,
    current_scope,
    encode_query,
    request_host,
)

from ._member import current_identity, django_request, identity_of, serving, user_of
from .apps import fragments, identity_enabled, party_config
from .middleware import PartyMiddleware

__all__ = ["PartyMiddleware", "party_fragment", "party_identity", "party_url"]

#: Characters left unquoted in an anchor, as Flask's ``url_for`` (and the
#: party's ``url`` service) leave them.
_FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"
_IDENTITY_ATTR = "_wsgi_party_identity"
_FRAGMENTS_ATTR = "_wsgi_party_fragments"
_MISSING = object()


def party_url(endpoint: str, *, request: t.Any = None, **values: t.Any) -> str:
    """The URL of ``endpoint``: this project's URL name first, then the party's.

    A URL name of this project (namespaces included) is reversed exactly as
    :func:`django.urls.reverse` would (with the ``current_app`` of
    ``request``, as ``{% url %}`` does), except that values its pattern does
    not use become the query string. Otherwise the party builds it
    (``"member:endpoint"`` targets one member). ``_external``, ``_anchor``,
    ``_method`` and ``_scheme`` work as in Flask's ``url_for`` (``_scheme``
    implies ``_external``; with ``_external=False`` it raises
    :class:`~wsgi_party.UrlOptionError`); ``request`` (optional) supplies
    scheme and host for ``_external``.

    In the project's own requests an external URL honours ``ALLOWED_HOSTS``
    (Django's :class:`~django.core.exceptions.DisallowedHost`, a 400), and
    in every request the party's host rules
    (:class:`~wsgi_party.UntrustedHost`, which
    :class:`~wsgi_party.django.PartyMiddleware` answers with
    ``DisallowedHost``).

    Raises :class:`django.urls.NoReverseMatch` naming the endpoint and the
    members asked when nobody has it.
    """
    if type(endpoint) is not str:
        endpoint = str(endpoint)  # SafeString from a template, or a lazy string
    # Takes the url_for options out of values, with Flask's rules.
    wanted = UrlRequest.from_url_for(endpoint, values)
    external, scheme = wanted.external, wanted.scheme
    config = party_config()
    operator = config.operator
    scope = current_scope()
    if external and serving.get():
        _check_allowed_host(request, scope)
    local = endpoint
    if operator is not None and operator.name and endpoint.startswith(operator.name + ":"):
        local = endpoint[len(operator.name) + 1 :]
    if operator is None or config.url is None or (scope is not None and scope.operator is operator):
        # One of the project's own requests (or no party): Django's own prefix.
        rest = dict(values)
        path = config.reverser.find(local, rest, _current_app(request))
        if path is not None:
            url = _finish(get_script_prefix() + path[1:], rest, wanted.anchor)
            return _absolute(url, request, operator, scheme) if external else url
    else:
        # Another member's request, or none (a management command): the
        # project's links live under its mount in the party.
        try:
            return config.url(wanted.located(operator.partyline.base_url))
        except HighAndDry:
            pass
    if operator is None:
        raise NoReverseMatch(
            f"Reverse for {endpoint!r} not found: it is not a URL name of this"
            " Django project, and the project is not a member of a party to ask"
            " (mount it under a WSGIParty with 'wsgi_party.django.PartyMiddleware'"
            " in MIDDLEWARE)"
        )
    try:
        return operator.url_for(
            endpoint,
            _external=external,
            _anchor=wanted.anchor,
            _method=wanted.method,
            _scheme=scheme,
            **values,
        )
    except UrlBuildError as exc:
        asked = ", ".join(repr(name) for name in exc.asked) or "nobody"
        raise NoReverseMatch(
            f"Reverse for {endpoint!r} not found: it is not a URL name of this"
            f" Django project (member {operator.name!r}) and no other party member"
            f" could build it (asked: {asked})"
        ) from exc


def _check_allowed_host(request: t.Any, scope: RequestScope | None) -> None:
    """Django's own check of the project's request host (``ALLOWED_HOSTS``).

    Raises :class:`~django.core.exceptions.DisallowedHost`, a 400.
    """
    if request is None:
        if scope is None:
            return
        request = django_request(scope.environ)
    request.get_host()


def _current_app(request: t.Any) -> str | None:
    if request is None:
        return None
    current_app = getattr(request, "current_app", None)
    if current_app is None:
        match = getattr(request, "resolver_match", None)
        current_app = getattr(match, "namespace", None)
    return current_app or None


def _finish(url: str, rest: t.Mapping[str, t.Any], anchor: str | None) -> str:
    if rest:
        query = encode_query(rest)
        if query:
            url = f"{url}?{query}"
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe=_FRAGMENT_SAFE)}"
    return url


def _absolute(url: str, request: t.Any, operator: t.Any, scheme: str | None) -> str:
    if request is not None:
        host = request.get_host()  # ALLOWED_HOSTS, as build_absolute_uri checks it
        trusted = operator.partyline.trusted_hosts if operator is not None else None
        if trusted:
            request_host({"HTTP_HOST": host, "wsgi.url_scheme": request.scheme}, trusted)
        absolute = str(request.build_absolute_uri(url))
        return f"{scheme}{absolute[len(request.scheme) :]}" if scheme else absolute
    base_url = operator.partyline.base_url if operator is not None else None
    located = UrlRequest("external", external=True, scheme=scheme).located(base_url)
    if not located.host:
        raise NoReverseMatch(
            f"cannot build an external URL ({url!r}) outside a request: pass"
            " request=..., or give the party a base_url"
        )
    return f"{located.scheme or 'http'}://{located.host}{url}"


def party_identity(request: t.Any = None) -> Identity | None:
    """Who is logged in for ``request``: an :class:`~wsgi_party.Identity` or ``None``.

    When this project answers ``identity`` (``django.contrib.auth`` and
    sessions installed) it is ``request.user`` (or the user of the request's
    session cookie); otherwise the party is asked. Computed once per request
    and kept on it; ``request=None`` means the current request of the party.
    """
    if request is not None:
        cached = getattr(request, _IDENTITY_ATTR, _MISSING)
        if cached is not _MISSING:
            return t.cast("Identity | None", cached)
    operator = party_config().operator
    identity: Identity | None
    if identity_enabled():
        if request is not None:
            user = getattr(request, "user", None)
            identity = identity_of(user if user is not None else user_of(request))
        elif operator is not None:
            identity = current_identity(operator)
        else:
            identity = None
    elif operator is not None:
        try:
            identity = operator.ask_first("identity", None)
        except (NoAnswer, NoSuchServiceName):
            identity = None
    else:
        identity = None
    if request is not None:
        setattr(request, _IDENTITY_ATTR, identity)
    return identity


def party_fragment(request: t.Any, name: str) -> str:
    """The layout fragment ``name`` for ``request``, marked safe.

    A fragment of this project's ``WSGI_PARTY_FRAGMENTS`` is rendered here
    with ``request``; any other is asked of the party (``layout``). Each
    fragment is rendered at most once per request.
    """
    cache: dict[str, str] | None = None
    if request is not None:
        cache = t.cast("dict[str, str] | None", getattr(request, _FRAGMENTS_ATTR, None))
        if cache is None:
            cache = {}
            setattr(request, _FRAGMENTS_ATTR, cache)
        elif name in cache:
            return cache[name]
    template = fragments().get(name)
    if template is not None:
        from django.template.loader import (  # type: ignore[import-untyped,unused-ignore]
            render_to_string,
        )

        html = str(render_to_string(template, {"fragment": name}, request=request))
    else:
        operator = party_config().operator
        if operator is None:
            raise NoAnswer(
                f"no layout fragment {name!r}: it is not in WSGI_PARTY_FRAGMENTS and"
                " this Django project is not a member of a party to ask"
            )
        try:
            html = str(operator.ask_first("layout", name))
        except (NoAnswer, NoSuchServiceName) as exc:
            raise NoAnswer(
                f"no member renders the layout fragment {name!r} (asked by member"
                f" {operator.name!r}: {exc})"
            ) from exc
    safe: str = mark_safe(html)
    if cache is not None:
        cache[name] = safe
    return safe
