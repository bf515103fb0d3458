"""The site of the end-to-end benchmark: the same pages with and without the party.

``/about`` is identical in every site (it builds no link); ``/`` and
``/blog/post/<id>`` build cross-app links (five and one) and nothing else, the
worst case for the party; ``/catalog`` is a page as sites serve them: a Jinja
template extending a layout, a table of twenty products, and eleven cross-app
links among twenty-one of its own.

Three sites, each a Flask shop at ``/`` and a Flask blog at ``/blog``:

* ``party_app``: members of a :class:`~wsgi_party.WSGIParty`; each page builds
  its links to the other app through the partyline (``party_url``);
* ``url_for_app``: no party; each page builds the same links with Flask's
  own ``url_for``, to build-only rules of the other app's routes (what a
  site writes today where it can). The blog's one link to the shop's root
  cannot be built by ``url_for`` under the blog's mount and is written out;
* ``bare_app``: no party; the same links written out by hand.

Every site's pages carry the same URLs (tests/test_benchmarks.py checks).
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
URL_FOR_LINKS = {
    "LINK_BLOG": "{{ url_for('blog_index') }}",
    "LINK_POST": "{{ url_for('blog_post', id=p.post, ref='catalog') }}",
}
BARE_LINKS = {"LINK_BLOG": "/blog/", "LINK_POST": "/blog/post/{{ p.post }}?ref=catalog"}

#: How each site builds its links.
PARTY, URL_FOR, BY_HAND = "party", "url_for", "by hand"
_CATALOG_LINKS = {PARTY: PARTY_LINKS, URL_FOR: URL_FOR_LINKS, BY_HAND: BARE_LINKS}


def _page(title: str, links: list[str]) -> str:
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><ul>{items}</ul>"


def _catalog(links: dict[str, str]) -> str:
    text = CATALOG
    for placeholder, link in links.items():
        text = text.replace(placeholder, link)
    return text


def make_apps(links: str) -> tuple[flask.Flask, flask.Flask]:
    """The shop and the blog, building their cross-app links as ``links`` says."""
    shop = flask.Flask("shop")
    blog = flask.Flask("blog")
    shop.jinja_loader = jinja2.DictLoader(  # type: ignore[assignment]
        {"layout.html": LAYOUT, "catalog.html": _catalog(_CATALOG_LINKS[links])}
    )
    if links == URL_FOR:
        # The blog's routes, for the shop's url_for to build (never matched).
        shop.add_url_rule("/blog/", "blog_index", build_only=True)
        shop.add_url_rule("/blog/post/<int:id>", "blog_post", build_only=True)

    @shop.route("/")
    def shop_index() -> str:
        if links == PARTY:
            hrefs = [party_url("blog:post", id=i, ref="shop") for i in POSTS]
        elif links == URL_FOR:
            hrefs = [flask.url_for("blog_post", id=i, ref="shop") for i in POSTS]
        else:
            hrefs = [f"/blog/post/{i}?ref=shop" for i in POSTS]
        return _page("shop", hrefs)

    @shop.route("/about")
    def about() -> str:
        # The same page in every site: no cross-app link, so the difference
        # is what the party costs every request (the middleware, the scope).
        return _page("about", [])

    @shop.route("/catalog")
    def catalog() -> str:
        return flask.render_template("catalog.html", products=PRODUCTS, year=2026)

    @blog.route("/")
    def index() -> str:
        return _page("blog", [])

    @blog.route("/post/<int:id>")
    def post(id: int) -> str:
        hrefs = [party_url("shop:shop_index")] if links == PARTY else ["/"]
        return _page(f"post {id}", hrefs)

    if links == PARTY:
        FlaskParty(shop, name="shop")
        FlaskParty(blog, name="blog")
    return shop, blog


_shop, _blog = make_apps(PARTY)
party_app = WSGIParty(DispatcherMiddleware(_shop, {"/blog": _blog}), lazy=True)

_url_for_shop, _url_for_blog = make_apps(URL_FOR)
url_for_app = DispatcherMiddleware(_url_for_shop, {"/blog": _url_for_blog})

_bare_shop, _bare_blog = make_apps(BY_HAND)
bare_app = DispatcherMiddleware(_bare_shop, {"/blog": _bare_blog})
