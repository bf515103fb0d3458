"""The party's helpers as globals of a Starlette ``Jinja2Templates``.

::

    templates = Jinja2Templates(directory="templates")
    install_templates(templates)

    {{ party_url("blog:post", id=3) }}   {{ party_fragment("header") }}
    {% if party_identity() %}...{% endif %}   {{ partyline.name }}

Each global reads the template's ``request`` (``TemplateResponse`` puts it
in the context), as Starlette's own ``url_for`` global does.
"""

from __future__ import annotations

import typing as t

from wsgi_party import partyline

from ._look import party_fragment, party_identity
from ._urls import party_url

if t.TYPE_CHECKING:
    from jinja2.runtime import Context
    from markupsafe import Markup
    from starlette.templating import Jinja2Templates

    from wsgi_party import Identity

__all__ = ["install_templates"]


def install_templates(templates: Jinja2Templates) -> Jinja2Templates:
    """Add ``party_url``, ``party_fragment``, ``party_identity`` and ``partyline``
    to the globals of ``templates``; returns it. ``party_url`` is a filter too:
    ``{{ "blog:post"|party_url(id=3) }}``."""
    # Imported here: Starlette runs without Jinja2, and so does the rest of
    # this package.
    from jinja2 import pass_context

    env = templates.env
    url = pass_context(_party_url)
    env.globals.update(
        party_url=url,
        party_fragment=pass_context(_party_fragment),
        party_identity=pass_context(_party_identity),
        partyline=partyline,
    )
    env.filters["party_url"] = url
    return templates


def _party_url(context: Context, endpoint: str, /, **values: t.Any) -> str:
    return party_url(context["request"], endpoint, **values)


def _party_fragment(context: Context, name: str) -> Markup:
    return party_fragment(context["request"], name)


def _party_identity(context: Context) -> Identity | None:
    return party_identity(context["request"])
