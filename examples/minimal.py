"""The smallest party: two plain Werkzeug apps that link to each other.

Run it with ``python examples/minimal.py`` and open the address it prints.
"""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, WSGIParty, partyline


def make_app(title: str, other: str) -> PartyMember:
    url_map = Map([Rule("/", endpoint="index")])

    @Request.application
    def app(request: Request) -> Response:
        url_map.bind_to_environ(request.environ).match()
        link = partyline.url_for(f"{other}:index")
        html = f"<h1>{title}</h1><p><a href='{link}'>to {other}</a></p>"
        return Response(html, mimetype="text/html")

    return PartyMember(app, name=title.lower(), url_map=url_map)


application = WSGIParty(
    DispatcherMiddleware(make_app("Shop", "blog"), {"/blog": make_app("Blog", "shop")})
)

if __name__ == "__main__":
    from werkzeug.serving import run_simple

    print("serving on http://127.0.0.1:8000/")
    run_simple("127.0.0.1", 8000, application)
