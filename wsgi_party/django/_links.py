"""``party_url``: the project's links, to its own URL names first, then the party's.

In the project's views (``{% party_url %}`` in templates is the same)::

    from wsgi_party.django import party_url
    party_url("polls:detail", pk=3, page=2)   # '/legacy/polls/3/?page=2'
    party_url("blog:post", id=3)              # another member's route
    party_url("blog:post", id=3, _external=True, request=request)

A URL name of the project is reversed as Django's ``reverse`` would, under
the party's prefix and the project's mount; any other name is asked of the
party. No URL is a :class:`PartyNoReverseMatch`: Django's ``NoReverseMatch``
and the party's :class:`~wsgi_party.UrlBuildError` at once.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from django.urls import (  # type: ignore[import-untyped,unused-ignore]
    NoReverseMatch,
    get_script_prefix,
)

from wsgi_party import (
    CannotBuild,
    HighAndDry,
    RequestScope,
    UrlBuildError,
    UrlRequest,
    current_scope,
    encode_query,
    request_host,
)
from wsgi_party.integration import not_in_party, refusals_message

from ._look import django_request, serving
from .apps import party_config

if t.TYPE_CHECKING:
    from wsgi_party import PartylineOperator

    from ._reverse import Reverser

__all__ = ["PartyNoReverseMatch", "party_url"]

#: Characters left unquoted in an anchor, as Flask's ``url_for`` (and the
#: party's ``url`` service) leave them.
_FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"


class PartyNoReverseMatch(NoReverseMatch, UrlBuildError):  # type: ignore[misc,unused-ignore]
    """:func:`party_url` found no URL: Django's ``NoReverseMatch`` and a
    :class:`~wsgi_party.UrlBuildError`, so either ``except`` catches it.

    ``endpoint`` is the name asked for, ``asked`` the members that were
    asked (empty when the project is in no party). When the project or a
    member has the name but could not build it (values missing, a converter
    or pattern that refused one), the message says whose and why,
    ``refusals`` holds the reasons and the ``__cause__`` is that framework's
    own error (Django's ``NoReverseMatch``, Werkzeug's ``BuildError``,
    Pyramid's ``KeyError``).

    .. versionchanged:: 0.3
       Says why a URL name that exists could not be built.
    """


# -- party_url ---------------------------------------------------------------------


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

    Raises :class:`PartyNoReverseMatch` (a :class:`django.urls.NoReverseMatch`
    and a :class:`~wsgi_party.UrlBuildError`) naming the endpoint and the
    members asked when nobody has it.
    """
    if type(endpoint) is not str:
        endpoint = str(endpoint)  # SafeString from a template, or a lazy string
    # Takes the url_for options out of values, with Flask's rules.
    wanted = UrlRequest.from_url_for(endpoint, values)
    external, scheme = wanted.external, wanted.scheme
    membership = party_config().membership
    operator = membership.operator
    own_url = membership.url
    scope = current_scope()
    if external and serving.get():
        _check_allowed_host(request, scope)
    refusal: HighAndDry
    if operator is None or own_url is None or (scope is not None and scope.operator is operator):
        # One of the project's own requests (or no party): Django's own prefix.
        rest = dict(values)
        current_app = _current_app(request)
        path = _reverse_own(membership.reverser, endpoint, rest, operator, current_app)
        if path is not None:
            url = _finish(get_script_prefix() + path[1:], rest, wanted.anchor)
            return _absolute(url, endpoint, request, operator, scheme) if external else url
        local = _own_name(endpoint, operator) or endpoint
        refusal = membership.reverser.refusal(membership.joined_as, local, values, current_app)
    else:
        # Another member's request, or none (a management command): the
        # project's links live under its mount in the party.
        try:
            return own_url(wanted.located(operator.partyline.base_url))
        except HighAndDry as exc:
            refusal = exc
    # The project has the URL name but could not reverse it with these values.
    own = refusal if isinstance(refusal, CannotBuild) else None
    if operator is None:
        if own is not None:
            raise PartyNoReverseMatch(
                f"Reverse for {endpoint!r} failed: {own}", endpoint, (), (own,)
            ) from own.__cause__
        raise PartyNoReverseMatch(
            f"Reverse for {endpoint!r} not found: it is not a URL name of this"
            f" Django project, and {not_in_party('the Django project')}; it joins"
            " with 'wsgi_party.django.PartyMiddleware' in MIDDLEWARE",
            endpoint,
            (),
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
        if own is not None or exc.refusals:
            failed = _not_built(endpoint, own, exc)
            raise failed from failed.__cause__
        raise PartyNoReverseMatch(
            f"Reverse for {endpoint!r} not found: it is not a URL name of this"
            f" Django project (member {operator.name!r}), and {exc}",
            endpoint,
            exc.asked,
        ) from exc


def _not_built(endpoint: str, own: CannotBuild | None, error: UrlBuildError) -> PartyNoReverseMatch:
    """The error of a URL name that the project or a member has but could not build.

    Says whose and why, as the party says it (the project's own reason
    first), with that framework's error as the cause.
    """
    refusals = error.refusals
    if own is not None and all(r.member != own.member for r in refusals):
        refusals = (own, *refusals)
        reason = refusals_message(refusals, error.asked)
    else:
        reason = str(error)
    failed = PartyNoReverseMatch(
        f"Reverse for {endpoint!r} failed: {reason}", endpoint, error.asked, refusals
    )
    failed.__cause__ = refusals[0].__cause__ or refusals[0]
    return failed


def _reverse_own(
    reverser: Reverser,
    endpoint: str,
    values: dict[str, t.Any],
    operator: PartylineOperator | None,
    current_app: str | None,
) -> str | None:
    """The path of URL name ``endpoint`` in this project, or ``None``.

    ``"<member>:name"`` (this project's member name) is ``name``, else, when
    the project has no such name, the whole name: a namespace may be named
    like the member (see :ref:`member-named-like-a-namespace`).
    """
    own = _own_name(endpoint, operator)
    if own is not None:
        path = reverser.find(own, values, current_app)
        if path is not None:
            return path
    return reverser.find(endpoint, values, current_app)


def _own_name(endpoint: str, operator: PartylineOperator | None) -> str | None:
    """``name`` of ``"<member>:name"`` where ``<member>`` is this project's
    member name, else ``None``."""
    member = operator.name if operator is not None else None
    if member and endpoint.startswith(member + ":"):
        return endpoint[len(member) + 1 :]
    return None


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


def _absolute(
    url: str,
    endpoint: str,
    request: t.Any,
    operator: PartylineOperator | None,
    scheme: str | None,
) -> str:
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
        raise PartyNoReverseMatch(
            f"cannot build an external URL for {endpoint!r} ({url!r}) outside a"
            " request: pass request=..., or give the party a base_url",
            endpoint,
            (),
        )
    return f"{located.scheme or 'http'}://{located.host}{url}"
