"""Two Pyramid apps that link to each other through the party.

``front`` is mounted at ``/`` and ``guide`` at ``/guide``. Each includes
``wsgi_party.pyramid`` and builds links with ``request.party_url``: its own
route names locally (exactly as ``request.route_path``), anything else by
asking the party::

    request.party_url("guide:chapter", number=2)   # '/guide/chapter/2'
    request.party_url("front:home")                # '/'

Run it and open the address it prints::

    python examples/pyramid/two_apps.py            # http://127.0.0.1:8000/
    python examples/pyramid/two_apps.py --port 8080

(This is wsgi_party 0.1's Pyramid example, written for Pyramid 2 and
``config.include("wsgi_party.pyramid")``.)
"""

from __future__ import annotations

import argparse
import typing as t
from html import escape

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty

CHAPTERS = {1: "Invitations", 2: "Asking around", 3: "Building URLs"}


def page(request: t.Any, title: str, body: str) -> Response:
    """A whole page around ``body`` (HTML), naming the app that served it."""
    member = escape(request.partyline.name if request.partyline is not None else "")
    return Response(
        f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="wsgi-party-member" content="{member}"></head>
<body>
<h1>{escape(title)}</h1>
{body}
<p><small>Served by the Pyramid app <code>{member}</code>.</small></p>
</body>
</html>
"""
    )


def chapter_list(request: t.Any, route: str) -> str:
    """Links to every chapter, by route name (local or ``member:route``)."""
    return "".join(
        f'<li><a href="{escape(request.party_url(route, number=number))}">{title}</a></li>'
        for number, title in CHAPTERS.items()
    )


def front_home(request: t.Any) -> Response:
    """The root app's page: links into the guide."""
    guide = escape(request.party_url("guide:contents"))
    chapters = chapter_list(request, "guide:chapter")
    return page(
        request,
        "Front page",
        f'<p>Read <a href="{guide}">the guide</a>, or jump to a chapter:</p><ul>{chapters}</ul>',
    )


def guide_contents(request: t.Any) -> Response:
    """The guide's contents, and the way home."""
    home = escape(request.party_url("front:home"))
    chapters = chapter_list(request, "chapter")
    return page(request, "The guide", f'<ol>{chapters}</ol><p><a href="{home}">Front page</a></p>')


def guide_chapter(request: t.Any) -> Response:
    """One chapter, with links to the contents, the next chapter and home."""
    number = int(request.matchdict["number"])
    if number not in CHAPTERS:
        raise HTTPNotFound()
    links = [f'<a href="{escape(request.party_url("contents"))}">Contents</a>']
    if number + 1 in CHAPTERS:
        following = escape(request.party_url("chapter", number=number + 1))
        links.append(f'<a href="{following}">Next chapter</a>')
    links.append(f'<a href="{escape(request.party_url("front:home"))}">Front page</a>')
    return page(request, f"Chapter {number}: {CHAPTERS[number]}", f"<p>{' · '.join(links)}</p>")


def create_front() -> t.Any:
    """The app at the root."""
    with Configurator(settings={"wsgi_party.name": "front"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("home", "/")
        config.add_view(front_home, route_name="home")
        return config.make_wsgi_app()


def create_guide() -> t.Any:
    """The app at ``/guide``."""
    with Configurator(settings={"wsgi_party.name": "guide"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("contents", "/")
        config.add_route("chapter", r"/chapter/{number:\d+}")
        config.add_view(guide_contents, route_name="contents")
        config.add_view(guide_chapter, route_name="chapter")
        return config.make_wsgi_app()


def create_application() -> WSGIParty:
    """Mount both apps and open the party (one per process, or per test)."""
    return WSGIParty(DispatcherMiddleware(create_front(), {"/guide": create_guide()}))


application = create_application()


def main() -> None:
    """Serve ``application`` on 127.0.0.1 with Werkzeug's development server."""
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    port = parser.parse_args().port
    print(f"Serving two Pyramid apps on http://127.0.0.1:{port}/", flush=True)
    run_simple("127.0.0.1", port, application)


if __name__ == "__main__":
    main()
