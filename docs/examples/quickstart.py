"""Quickstart: two Flask apps in one process, linking to each other.

``python docs/examples/quickstart.py`` runs the checks;
``wsgi-party serve docs/examples/quickstart.py`` serves it.
"""

from __future__ import annotations

# [start-apps]
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty, party_url

shop = Flask("shop")
FlaskParty(shop, name="shop")


@shop.route("/")
def shop_index() -> str:
    # An endpoint of another app: the blog builds the URL itself.
    return f'<a href="{party_url("blog:post", id=3)}">our latest post</a>'


blog = Flask("blog")
FlaskParty(blog, name="blog")


@blog.route("/post/<int:id>", endpoint="post")
def show_post(id: int) -> str:
    return f'Post {id}. <a href="{party_url("shop:shop_index")}">Back to the shop</a>'


application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}))
# [end-apps]

if __name__ == "__main__":
    # [start-check]
    from werkzeug.test import Client

    client = Client(application)
    assert client.get("/").text == '<a href="/blog/post/3">our latest post</a>'
    assert client.get("/blog/post/3").text == 'Post 3. <a href="/">Back to the shop</a>'
    assert [m.name for m in application.members] == ["shop", "blog"]
    assert application.url_for("blog:post", id=3, _anchor="c") == "/blog/post/3#c"
    # [end-check]
    application.close()
