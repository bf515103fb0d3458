"""A small blog, as its team wrote it: an app factory and Jinja templates.

Its templates link to the site's documentation and login, which other apps
serve: ``party_url("docs:page", name="writing")``, ``party_url("accounts:login")``.
"""

from __future__ import annotations

import typing as t

from flask import Flask, abort, redirect, render_template, request, url_for

from wsgi_party.flask import FlaskParty

POSTS = {1: "Hello, party", 2: "Links across apps"}


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    FlaskParty(app, name="blog")

    @app.route("/")
    def index() -> str:
        return render_template("index.html", posts=POSTS)

    @app.route("/post/<int:id>")
    def post(id: int) -> str:
        if id not in POSTS:
            abort(404)
        return render_template("post.html", id=id, title=POSTS[id])

    @app.route("/new", methods=["POST"])
    def new() -> t.Any:
        POSTS[max(POSTS) + 1] = request.form["title"]
        return redirect(url_for("index"))

    @app.route("/health")
    def health() -> str:
        return "ok"

    return app
