"""The new blog: a Flask app mounted at ``/blog``.

It was written after the shop, in a different framework, and looks like the
rest of the site because the legacy shop renders its chrome and says who is
logged in (see ``templates/layout.html``). Its posts link into the shop by
the shop's endpoint names, never by path::

    party_url("product", pk=product.pk)      # the moved product page
    party_url("product_list")                 # still Django's

Its drafts are for logged-in readers only, and it says so the Flask-Login
way, ``@login_required``. It has no login of its own:
:func:`~wsgi_party.flask.use_party_login` makes ``current_user`` the user
the legacy shop says is logged in, and sends anyone else to the shop's
login page, with ``next=`` back to the drafts::

    login_manager = LoginManager(app)
    use_party_login(login_manager)
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, render_template
from flask_login import LoginManager, current_user, login_required

from wsgi_party.flask import FlaskParty, use_party_login

from . import data

TEMPLATES = "templates"


@dataclass(frozen=True)
class Post:
    """A blog post; ``product`` is the slug of the product it is about."""

    slug: str
    title: str
    date: str
    summary: str
    body: tuple[str, ...]
    product: str | None = None


POSTS = (
    Post(
        "tea-time",
        "Tea time, every time",
        "4 May 2026",
        "Why our tea set seats six and only ever serves one.",
        (
            "The Hatter's rule is simple: when your cup is empty, move one place on.",
            "Our set keeps the custom alive, with six cups and one very patient pot.",
        ),
        product="tea-set",
    ),
    Post(
        "always-late",
        "The watch that is always late",
        "12 April 2026",
        "A pocket watch that runs two days slow, on purpose.",
        (
            "Some watches tell the time. This one tells you not to worry about it.",
            "Each is wound by hand, and each is wrong in its own charming way.",
        ),
        product="pocket-watch",
    ),
    Post(
        "new-blog",
        "A new blog, the same shop",
        "1 April 2026",
        "The blog runs on a brand new app; you would never know.",
        (
            "Same header, same login, same links: the old shop lends the blog its clothes.",
            "Bit by bit, the rest of the shop will move over in the same way.",
        ),
    ),
)
_BY_SLUG = {post.slug: post for post in POSTS}

#: Posts not published yet: only logged-in readers see them.
DRAFTS = (
    Post(
        "mugs-that-grin",
        "Mugs that grin",
        "draft",
        "A mug whose smile stays on the table after the mug has gone.",
        ("Coming soon, if we can find where it went.",),
    ),
)


def story_of(product_slug: str) -> str | None:
    """The slug of the post about a product, if there is one."""
    return next((post.slug for post in POSTS if post.product == product_slug), None)


def create_blog() -> Flask:
    """The Flask app serving the blog."""
    app = Flask(__name__, static_folder=None, template_folder=TEMPLATES)
    party = FlaskParty(app, name="blog")
    app.jinja_env.globals["app_name"] = party.name
    login_manager = LoginManager(app)
    use_party_login(login_manager)

    @app.get("/")
    def index() -> str:
        return render_template("blog/index.html", posts=POSTS)

    @app.get("/drafts/")
    @login_required
    def drafts() -> str:
        return render_template("blog/drafts.html", drafts=DRAFTS, reader=current_user)

    @app.get("/<slug>/")
    def post(slug: str) -> str:
        found = _BY_SLUG.get(slug)
        if found is None:
            abort(404)
        product = data.product_by_slug(found.product) if found.product else None
        return render_template("blog/post.html", post=found, product=product)

    return app
