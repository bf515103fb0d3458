"""Template tags for links, identity and layout across the party.

::

    {% load wsgi_party %}
    <a href="{% party_url "blog:post" id=3 %}">post</a>
    {% party_url "blog:post" id=3 page=2 _anchor="comments" as link %}
    {% party_fragment "header" %}
    {% party_identity as who %}{% if who %}Hello {{ who.name }}{% endif %}

``party_url`` is :func:`wsgi_party.django.party_url` (this project's URL
names first, then the party; escaped like ``{% url %}``), ``party_fragment``
is :func:`wsgi_party.django.party_fragment` (marked safe, rendered at most
once per request) and ``party_identity`` is
:func:`wsgi_party.django.party_identity`. The request is taken from the
template context (render with a request, as ``render()`` does).
"""

from __future__ import annotations

import typing as t

from django import template  # type: ignore[import-untyped,unused-ignore]

import wsgi_party.django as integration

if t.TYPE_CHECKING:
    from wsgi_party import Identity

register = template.Library()


def _request(context: t.Any) -> t.Any:
    request = getattr(context, "request", None)
    return request if request is not None else context.get("request")


@register.simple_tag(takes_context=True)  # type: ignore[misc,untyped-decorator,unused-ignore]
def party_url(context: t.Any, endpoint: str, **values: t.Any) -> str:
    """``{% party_url "blog:post" id=3 %}``, or ``... as var``."""
    return integration.party_url(endpoint, request=_request(context), **values)


@register.simple_tag(takes_context=True)  # type: ignore[misc,untyped-decorator,unused-ignore]
def party_fragment(context: t.Any, name: str) -> str:
    """``{% party_fragment "header" %}``: the fragment's HTML, marked safe."""
    return integration.party_fragment(_request(context), name)


@register.simple_tag(takes_context=True)  # type: ignore[misc,untyped-decorator,unused-ignore]
def party_identity(context: t.Any) -> Identity | None:
    """``{% party_identity as who %}``: the current user's identity or ``None``."""
    return integration.party_identity(_request(context))
