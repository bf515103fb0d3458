"""Two Flask apps that link to each other through the party.

``front`` is mounted at ``/`` and ``guide`` at ``/guide``. Neither knows
where the other is mounted, or how the other's URLs look: each asks the
party to build a link from the other's endpoint name::

    party_url("guide:chapter", number=2)   # '/guide/chapter/2', built by the guide
    party_url("front:index")               # '/', built by the front app

Run it and open the address it prints::

    python examples/flask/two_apps.py             # http://127.0.0.1:8000/
    python examples/flask/two_apps.py --port 8080

(This is wsgi_party 0.1's Flask example, written for Flask 3 and the
``FlaskParty`` extension.)
"""

from __future__ import annotations

import argparse

from flask import Flask, abort, render_template_string
from markupsafe import Markup
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_url

CHAPTERS = {1: "Invitations", 2: "Asking around", 3: "Building URLs"}

#: One page layout for both apps; ``party_url`` is a Jinja global of every
#: app that FlaskParty initialised.
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="wsgi-party-member" content="{{ partyline.name }}"></head>
<body>
<h1>{{ title }}</h1>
{{ body }}
<p><small>Served by the Flask app <code>{{ partyline.name }}</code>.</small></p>
</body>
</html>
"""


def page(title: str, body: str) -> str:
    """A whole page around ``body`` (HTML)."""
    return render_template_string(PAGE, title=title, body=Markup(body))


def create_front() -> Flask:
    """The app at the root: it links into the guide."""
    front = Flask("front")
    FlaskParty(front, name="front")

    @front.get("/")
    def index() -> str:
        chapters = "".join(
            f'<li><a href="{party_url("guide:chapter", number=number)}">{title}</a></li>'
            for number, title in CHAPTERS.items()
        )
        return page(
            "Front page",
            f'<p>Read <a href="{party_url("guide:index")}">the guide</a>, or jump to a'
            f" chapter:</p><ul>{chapters}</ul>",
        )

    return front


def create_guide() -> Flask:
    """The app at ``/guide``: its own links are local, the way home is not."""
    guide = Flask("guide")
    FlaskParty(guide, name="guide")

    @guide.get("/")
    def index() -> str:
        chapters = "".join(
            f'<li><a href="{party_url("chapter", number=number)}">{title}</a></li>'
            for number, title in CHAPTERS.items()
        )
        home = party_url("front:index")
        return page("The guide", f'<ol>{chapters}</ol><p><a href="{home}">Front page</a></p>')

    @guide.get("/chapter/<int:number>")
    def chapter(number: int) -> str:
        if number not in CHAPTERS:
            abort(404)
        links = [f'<a href="{party_url("index")}">Contents</a>']
        if number + 1 in CHAPTERS:
            links.append(f'<a href="{party_url("chapter", number=number + 1)}">Next chapter</a>')
        links.append(f'<a href="{party_url("front:index")}">Front page</a>')
        return page(f"Chapter {number}: {CHAPTERS[number]}", f"<p>{' · '.join(links)}</p>")

    return guide


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
    print(f"Serving two Flask apps on http://127.0.0.1:{port}/", flush=True)
    run_simple("127.0.0.1", port, application)


if __name__ == "__main__":
    main()
