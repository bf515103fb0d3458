"""Cross-app URL building vs each framework's own URL builder.

Run with ``python -m benchmarks.bench_urls``. In one party (Flask shop at
``/``, Flask blog at ``/blog``, Pyramid admin at ``/admin``, Django legacy at
``/legacy``), the shop's ``party_url`` builds a link to a route of each other
member, inside a real request of the shop; the baseline is that member's own
builder for the same route inside one of its own requests: Flask's
``url_for``, Pyramid's ``request.route_path``, Django's ``reverse``. Links in
a Jinja loop compare ``party_url`` as a filter with the global and with the
links written out.
"""

from __future__ import annotations

import contextvars
import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ, run_wsgi_app

from benchmarks.harness import compare
from wsgi_party import WSGIParty


def flask_apps() -> tuple[t.Any, t.Any]:
    import flask

    from wsgi_party.flask import FlaskParty

    shop = flask.Flask("shop")
    blog = flask.Flask("blog")

    @shop.route("/")
    def shop_index() -> str:
        return "shop"

    @blog.route("/post/<int:id>")
    def post(id: int) -> str:
        return f"post {id}"

    FlaskParty(shop, name="shop")
    FlaskParty(blog, name="blog")
    return shop, blog


def pyramid_app() -> t.Any | None:
    try:
        from pyramid.config import Configurator
    except ImportError:  # pragma: no cover
        return None
    with Configurator(settings={"wsgi_party.name": "admin"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("order", "/orders/{id}")
        config.add_view(lambda request: request.response, route_name="order")
        return config.make_wsgi_app()


def django_app() -> t.Any | None:
    try:
        import django
        from django.conf import settings
    except ImportError:  # pragma: no cover
        return None
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="benchmark",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="benchmarks.django_urls",
            INSTALLED_APPS=["wsgi_party.django"],
            MIDDLEWARE=["wsgi_party.django.PartyMiddleware"],
            WSGI_PARTY_NAME="legacy",
        )
        django.setup()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _context(setup: t.Callable[[], object]) -> contextvars.Context:
    """A fresh context in which ``setup`` has pushed a request."""
    context = contextvars.Context()
    context.run(setup)
    return context


def _request_context(party: WSGIParty, app: t.Any) -> contextvars.Context:
    """The context of a request to ``app`` through ``party``, taken in its view."""
    taken: list[contextvars.Context] = []

    def take() -> str:
        taken.append(contextvars.copy_context())
        return ""

    app.add_url_rule("/__context__", "take_context", take)
    run_wsgi_app(party, create_environ("/__context__", "http://localhost/"))
    return taken[0]


def templates(shop_side: contextvars.Context, shop: t.Any) -> None:
    """Ten cross-app links in a Jinja loop: filter, global, written out."""
    loop = '{%% for n in numbers %%}<a href="%s">{{ n }}</a>{%% endfor %%}'
    spellings = {
        spelling: shop.jinja_env.from_string(loop % link)
        for spelling, link in {
            "filter": "{{ 'blog:post'|party_url(id=n) }}",
            "global": "{{ party_url('blog:post', id=n) }}",
            "written": "/blog/post/{{ n }}",
        }.items()
    }
    numbers = range(1, 11)
    pages = {name: shop_side.run(t.render, numbers=numbers) for name, t in spellings.items()}
    assert len(set(pages.values())) == 1, pages
    for other, label in (("global", "global"), ("written", "written out")):
        compare(
            f"Jinja, 10 links: party_url filter vs {label}",
            lambda: shop_side.run(spellings["filter"].render, numbers=numbers),
            lambda other=other: shop_side.run(spellings[other].render, numbers=numbers),
        )


def main() -> None:
    import flask

    from wsgi_party.flask import party_url

    shop, blog = flask_apps()
    mounts: dict[str, t.Any] = {"/blog": blog}
    admin, legacy = pyramid_app(), django_app()
    if admin is not None:
        mounts["/admin"] = admin
    if legacy is not None:
        mounts["/legacy"] = legacy
    party = WSGIParty(DispatcherMiddleware(shop, mounts))

    # Each side runs inside its own app's request, each in a context of its
    # own, entered the same way (Context.run) so that both pay the same. The
    # shop's is the context of a real request, as its view saw it.
    def in_blog() -> None:
        environ = create_environ("/post/1", "http://localhost/blog")
        blog.request_context(environ).push()

    shop_side, blog_side = _request_context(party, shop), _context(in_blog)
    url_for = flask.url_for
    compare(
        "Flask -> Flask: party_url vs blog's own url_for",
        lambda: shop_side.run(party_url, "blog:post", id=3),
        lambda: blog_side.run(url_for, "post", id=3),
        target=1.0,
    )
    print(
        f"{'':58} {shop_side.run(party_url, 'blog:post', id=3)}"
        f" == {blog_side.run(url_for, 'post', id=3)}"
    )
    compare(
        "Flask local: party_url vs url_for, same app",
        lambda: shop_side.run(party_url, "shop_index"),
        lambda: shop_side.run(url_for, "shop_index"),
        target=1.05,
    )

    templates(shop_side, shop)

    if admin is not None:
        from pyramid.request import Request as PyramidRequest

        request = PyramidRequest.blank("/orders/1", base_url="http://localhost/admin")
        request.registry = admin.registry
        route_path = request.route_path
        compare(
            "Flask -> Pyramid: party_url vs request.route_path",
            lambda: shop_side.run(party_url, "admin:order", id=3),
            lambda: blog_side.run(route_path, "order", id=3),
            target=1.0,
        )
        print(
            f"{'':58} {shop_side.run(party_url, 'admin:order', id=3)} =="
            f" {route_path('order', id=3)}"
        )

    if legacy is not None:
        from django.urls import reverse, set_script_prefix

        django_side = _context(lambda: set_script_prefix("/legacy/"))
        compare(
            "Flask -> Django: party_url vs reverse",
            lambda: shop_side.run(party_url, "legacy:product", pk=3),
            lambda: django_side.run(reverse, "product", kwargs={"pk": 3}),
            target=1.0,
        )
        print(
            f"{'':58} {shop_side.run(party_url, 'legacy:product', pk=3)} =="
            f" {django_side.run(reverse, 'product', kwargs={'pk': 3})}"
        )
    party.close()


if __name__ == "__main__":
    main()
