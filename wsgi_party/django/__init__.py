"""Django integration: the project joins the party as a reusable app.

Install it the way every reusable Django app is installed::

    # settings.py
    INSTALLED_APPS = [..., "wsgi_party.django"]
    MIDDLEWARE = ["wsgi_party.django.PartyMiddleware", ...]     # at the top
    WSGI_PARTY_NAME = "legacy"              # member name; default from the mount
    WSGI_PARTY_FRAGMENTS = {"header": "partials/header.html"}   # answers ``layout``
    WSGI_PARTY_OWNERS = {"identity": "legacy"}   # who answers for the whole site
    WSGI_PARTY_FRAGMENT_FALLBACK = ""            # others' fragments, when alone

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

# Without the framework, name the extra that installs it; the cause stays chained.
try:
    import django  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
except ImportError as error:
    msg = 'wsgi_party.django needs Django: pip install "wsgi_party[django]"'
    raise ModuleNotFoundError(msg, name=error.name) from error

from ._links import PartyNoReverseMatch, party_url
from ._look import party_fragment, party_identity
from .apps import PartyImproperlyConfigured
from .middleware import PartyMiddleware

__all__ = [
    "PartyImproperlyConfigured",
    "PartyMiddleware",
    "PartyNoReverseMatch",
    "party_fragment",
    "party_identity",
    "party_url",
]
