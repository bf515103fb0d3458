"""The site of the end-to-end benchmark: the same pages with and without the party.

``/about`` is identical in both sites (it builds no link); ``/`` and
``/blog/post/<id>`` build cross-app links (five and one) and nothing else, the
worst case for the party; ``/catalog`` is a page as sites serve them: a Jinja
template extending a layout, a table of twenty products, and eleven cross-app
links among twenty-one of its own.

``party_app``: a Flask shop at ``/`` and a Flask blog at ``/blog``, members of
a :class:`~wsgi_party.WSGIParty`; each page builds links to the other app
through the partyline. ``bare_app``: the same apps under the bare dispatcher,
their pages carrying the same links written out by hand, which is what a site
without the party does.
"""

from __future__ import annotations

import flask
import jinja2
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_url

POSTS = range(1, 6)
PRODUCTS = [
    {"id": n, "name": f"Product {n}", "price": f"{n * 3}.50", "post": n % 10 + 1}
    for n in range(1, 21)
]

LAYOUT = """<!doctype html>
<html><head><title>{% block title %}{% endblock %} - shop</title></head>
<body><nav><a href="{{ url_for('shop_index') }}">home</a> {% block nav %}{% endblock %}</nav>
<main>{% block main %}{% endblock %}</main><footer>{{ year }}</footer></body></html>"""

# The same catalog twice: cross-app links through the party, or written out.
CATALOG = """{% extends "layout.html" %}
{% block title %}Catalog{% endblock %}
{% block nav %}<a href="LINK_BLOG">blog</a>{% endblock %}
{% block main %}<table>{% for p in products %}
<tr><td><a href="{{ url_for('about') }}#p{{ p.id }}">{{ p.name }}</a></td><td>{{ p.price }}</td>
<td>{% if loop.index is odd %}<a href="LINK_POST">review</a>{% endif %}</td></tr>
{% endfor %}</table>{% endblock %}"""
# The party's links are written with the filter, the spelling for loops
# (see the Flask guide; bench_urls compares it with the global).
PARTY_LINKS = {
    "LINK_BLOG": "{{ 'blog:index'|party_url }}",
    "LINK_POST": "{{ 'blog:post'|party_url(id=p.post, ref='catalog') }}",
}
BARE_LINKS = {"LINK_BLOG": "/blog/", "LINK_POST": "/blog/post/{{ p.post }}?ref=catalog"}


def _page(title: str, links: list[str]) -> str:
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><ul>{items}</ul>"


def _catalog(links: dict[str, str]) -> str:
    text = CATALOG
    for placeholder, link in links.items():
        text = text.replace(placeholder, link)
    return text


def make_apps(with_party: bool) -> tuple[flask.Flask, flask.Flask]:
    shop = flask.Flask("shop")
    blog = flask.Flask("blog")
    shop.jinja_loader = jinja2.DictLoader(  # type: ignore[assignment]
        {
            "layout.html": LAYOUT,
            "catalog.html": _catalog(PARTY_LINKS if with_party else BARE_LINKS),
        }
    )

    @shop.route("/")
    def shop_index() -> str:
        if with_party:
            links = [party_url("blog:post", id=i, ref="shop") for i in POSTS]
        else:
            links = [f"/blog/post/{i}?ref=shop" for i in POSTS]
        return _page("shop", links)

    @shop.route("/about")
    def about() -> str:
        # The same page in both sites: no cross-app link, so the difference is
        # what the party costs every request (the middleware, the scope).
        return _page("about", [])

    @shop.route("/catalog")
    def catalog() -> str:
        return flask.render_template("catalog.html", products=PRODUCTS, year=2026)

    @blog.route("/")
    def index() -> str:
        return _page("blog", [])

    @blog.route("/post/<int:id>")
    def post(id: int) -> str:
        links = [party_url("shop:shop_index")] if with_party else ["/"]
        return _page(f"post {id}", links)

    if with_party:
        FlaskParty(shop, name="shop")
        FlaskParty(blog, name="blog")
    return shop, blog


_shop, _blog = make_apps(with_party=True)
party_app = WSGIParty(DispatcherMiddleware(_shop, {"/blog": _blog}), lazy=True)

_bare_shop, _bare_blog = make_apps(with_party=False)
bare_app = DispatcherMiddleware(_bare_shop, {"/blog": _bare_blog})
