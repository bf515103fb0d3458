"""A small wiki, as its team wrote it: a Pyramid app factory and views.

Its pages link to the site's blog and login, which other apps serve.
"""

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.response import Response

PAGES = {"FrontPage": "Welcome", "Help": "Ask on the blog"}


def page(request):
    name = request.matchdict["name"]
    if name not in PAGES:
        raise HTTPNotFound()
    blog = request.party_url("blog:index")
    login = request.party_url("accounts:login", next=request.path)
    return Response(
        f'<nav><a href="{blog}">Blog</a> <a href="{login}">Log in</a></nav>'
        f"<h1>{name}</h1><p>{PAGES[name]}</p>"
    )


def home(request):
    return HTTPFound(request.route_url("page", name="FrontPage"))


def raw(request):
    return Response(PAGES.get(request.matchdict["name"], ""), content_type="text/plain")


def main(global_config=None, **settings):
    with Configurator(settings={"wsgi_party.name": "wiki", **settings}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("home", "/")
        config.add_route("raw", "/{name}/raw")
        config.add_route("page", "/{name}")
        config.add_view(home, route_name="home")
        config.add_view(page, route_name="page")
        config.add_view(raw, route_name="raw")
        return config.make_wsgi_app()
