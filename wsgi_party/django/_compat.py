"""Django internals the integration reads, each behind one small function.

:mod:`wsgi_party.django._reverse` reverses and resolves as Django does, which
needs some of ``URLResolver``'s undocumented state. Every such read is here,
so a Django release that changes one breaks one function::

    for possibility, pattern, defaults, converters in reverse_candidates(resolver, "detail"):
        ...

Each was checked on Django 4.2 (the oldest supported) and 5.2; they have
been unchanged since Django 2.0.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping, Sequence

from django.urls import get_ns_resolver  # type: ignore[import-untyped,unused-ignore]
from django.utils.encoding import (  # type: ignore[import-untyped,unused-ignore]
    repercent_broken_unicode,
)

__all__ = [
    "appends_slash",
    "decoded_path",
    "namespace_apps",
    "namespace_resolver",
    "nested_resolver",
    "pattern_converters",
    "reverse_candidates",
    "route_source",
    "url_patterns",
]

#: One way ``reverse()`` may build a name: ``(possibility, pattern, defaults,
#: converters)``, the possibility a list of ``(format string, parameters)``.
Candidate = tuple[
    Sequence[tuple[str, Sequence[str]]], str, Mapping[str, t.Any], Mapping[str, t.Any]
]


def reverse_candidates(resolver: t.Any, view: str) -> Sequence[Candidate]:
    """The entries ``reverse()`` tries for ``view`` in ``resolver``.

    ``URLResolver.reverse_dict`` (per active language), the list
    ``URLResolver._reverse_with_prefix`` walks. Checked on Django 4.2 and 5.2.
    """
    return t.cast("Sequence[Candidate]", resolver.reverse_dict.getlist(view))


def namespace_apps(resolver: t.Any, namespace: str) -> Sequence[str] | None:
    """The instance namespaces of application namespace ``namespace``, else ``None``.

    ``URLResolver.app_dict``, as ``reverse()`` reads it. Checked on Django
    4.2 and 5.2.
    """
    return t.cast("Sequence[str] | None", resolver.app_dict.get(namespace))


def namespace_resolver(resolver: t.Any, namespace: str) -> tuple[str, t.Any] | None:
    """``(pattern prefix, resolver)`` of instance namespace ``namespace``, else ``None``.

    ``URLResolver.namespace_dict``, as ``reverse()`` reads it. Checked on
    Django 4.2 and 5.2.
    """
    return t.cast("tuple[str, t.Any] | None", resolver.namespace_dict.get(namespace))


def pattern_converters(resolver: t.Any) -> Mapping[str, t.Any]:
    """The path converters of ``resolver``'s own pattern (``pattern.converters``).

    Checked on Django 4.2 and 5.2 (``RoutePattern``, ``RegexPattern`` and
    ``LocalePrefixPattern`` all have it).
    """
    return t.cast("Mapping[str, t.Any]", resolver.pattern.converters)


def nested_resolver(
    prefix: str, resolver: t.Any, converters: tuple[tuple[str, t.Any], ...]
) -> t.Any:
    """The resolver ``reverse()`` uses below a namespace whose patterns capture values.

    ``django.urls.get_ns_resolver`` (exported but undocumented), cached by
    Django. Checked on Django 4.2 and 5.2.
    """
    return get_ns_resolver(prefix, resolver, converters)


def url_patterns(resolver: t.Any) -> Sequence[t.Any]:
    """The ``URLPattern`` and ``URLResolver`` entries of ``resolver``, in order.

    ``URLResolver.url_patterns`` (the URLconf's ``urlpatterns``). Checked on
    Django 4.2 and 5.2.
    """
    return t.cast("Sequence[t.Any]", resolver.url_patterns)


def route_source(pattern: t.Any) -> object | None:
    """The route or regex a pattern was made from (a string or a lazy one), else ``None``.

    ``RoutePattern._route`` or ``RegexPattern._regex``, read without their
    compiled forms; ``None`` for other pattern classes (``LocalePrefixPattern``).
    Checked on Django 4.2 and 5.2.
    """
    attributes = vars(pattern)
    return t.cast("object | None", attributes.get("_route", attributes.get("_regex")))


def decoded_path(raw: bytes) -> str:
    """A WSGI path (bytes) as Django's ``request.path_info``.

    ``django.core.handlers.wsgi.get_path_info`` decodes it this way (with the
    undocumented ``repercent_broken_unicode``). Checked on Django 4.2 and 5.2.
    """
    return str(repercent_broken_unicode(raw).decode())


def appends_slash(view: object) -> bool:
    """Whether ``CommonMiddleware`` redirects to ``view`` with a slash appended.

    The ``should_append_slash`` attribute that
    :func:`~django.views.decorators.common.no_append_slash` sets to ``False``,
    read as ``CommonMiddleware.should_redirect_with_slash`` reads it. Checked
    on Django 4.2 and 5.2.
    """
    return bool(getattr(view, "should_append_slash", True))
