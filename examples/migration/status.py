"""The status page: a plain WebOb app mounted at ``/status``.

No framework integration here: :class:`wsgi_party.PartyMember` wraps the app,
answers its invitation and, given the app's werkzeug ``Map``, builds its URLs
for the others (``status:index``). The page asks every member of the party
``ping`` and ``routes`` through :data:`wsgi_party.partyline`, and the legacy
shop for the chrome (``layout``) and the user (``identity``)::

    status = create_status()     # PartyMember(status_app, name="status", url_map=...)
"""

from __future__ import annotations

import time
import typing as t
from html import escape

from webob import Request, Response
from webob.dec import wsgify
from webob.exc import HTTPFound, HTTPNotFound
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from wsgi_party import PartylineException, PartyMember, partyline

url_map = Map([Rule("/", endpoint="index", methods=["GET"])])

#: The legacy shop's layout fragments this page wears.
FRAGMENTS = ("head", "header", "footer")


@wsgify
def status_app(request: Request) -> t.Any:
    """Route with the werkzeug map, answer with WebOb."""
    try:
        url_map.bind_to_environ(request.environ).match()
    except RequestRedirect as redirect:
        return HTTPFound(location=redirect.new_url)
    except NotFound:
        return HTTPNotFound()
    return Response(status_page(), content_type="text/html", charset="utf-8")


def status_page() -> str:
    """The status page, asked of the party for the current request."""
    head, header, footer = (partyline.ask_first("layout", name) for name in FRAGMENTS)
    who = partyline.ask_first("identity", None)
    rows, silent = [], 0
    for member in partyline.partyline.members:
        started = time.perf_counter()
        try:
            pong = f'<span class="ok">{escape(partyline.ask(member.name, "ping", None))}</span>'
        except PartylineException as exc:
            pong, silent = f'<span class="error">{escape(str(exc))}</span>', silent + 1
        micros = (time.perf_counter() - started) * 1e6
        routes = partyline.ask(member.name, "routes", None) if "routes" in member.services else []
        rules = "<br>".join(f"<code>{escape(route.rule)}</code>" for route in routes) or "none"
        here = " (this page)" if member.name == partyline.name else ""
        rows.append(
            f"<tr><td><strong>{escape(member.name)}</strong>{here}</td>"
            f"<td><code>{escape(member.script_name or '/')}</code></td>"
            f'<td>{pong} <span class="meta">{micros:.0f} µs</span></td>'
            f"<td>{escape(', '.join(member.services))}</td><td>{rules}</td></tr>"
        )
    summary = (
        f"All {len(rows)} apps of the site answered."
        if not silent
        else f"{silent} of {len(rows)} apps did not answer."
    )
    user = escape(who.name) if who is not None else ""
    greeting = f"Checked for {user}." if who is not None else "Checked for a guest."
    rows_html = "\n".join(rows)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Site status · Looking-Glass Curiosities</title>
<meta name="wsgi-party-member" content="{escape(partyline.name or "")}">
{head}
</head>
<body>
{header}
<main data-user="{user}">
<h1>Site status</h1>
<p>{summary} {greeting}</p>
<table>
<thead><tr><th>App</th><th>Mount</th><th>Ping</th><th>Services</th><th>Routes</th></tr></thead>
<tbody>
{rows_html}
</tbody>
</table>
</main>
{footer}
</body>
</html>
"""


def create_status() -> PartyMember:
    """The status app, ready to join a party as ``status``."""
    return PartyMember(status_app, name="status", url_map=url_map)
