"""Template tags of the site's chrome: ``{% load shop_chrome %}``.

The header is rendered for requests of every app, so nothing here knows a
path: each section's URL is built by the party, and the active section is
the one whose URL the current request's path starts with.
"""

from __future__ import annotations

import typing as t

from django import template

from wsgi_party.django import party_url

register = template.Library()

#: The site's sections: (label, endpoint). Endpoints of other members name
#: the member (``blog:index``); the shop's own are its URL names.
SECTIONS = (
    ("Home", "home"),
    ("Shop", "product_list"),
    ("Blog", "blog:index"),
    ("Admin", "admin:dashboard"),
    ("Status", "status:index"),
)


@register.simple_tag(takes_context=True)
def site_sections(context: t.Any) -> list[dict[str, t.Any]]:
    """``{% site_sections as sections %}``: label, url and active flag of each section."""
    request = context.request
    links = [(label, party_url(endpoint, request=request)) for label, endpoint in SECTIONS]
    here = request.path
    # The most specific section containing this page; "/" only for itself.
    containing = [url for _, url in links if here == url or (url != "/" and here.startswith(url))]
    active = max(containing, key=len, default=None)
    return [{"label": label, "url": url, "active": url == active} for label, url in links]


@register.simple_tag(takes_context=True)
def login_url(context: t.Any) -> str:
    """``{% login_url %}``: the login page, coming back here afterwards."""
    request = context.request
    login = party_url("login", request=request)
    if request.path in (login, party_url("logout", request=request)):
        return request.get_full_path() if request.path == login else login
    return party_url("login", request=request, next=request.get_full_path())
