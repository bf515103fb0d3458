"""A plain dispatcher (no party): the command wraps it. ``/files`` never joins."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Rule

from ._members import map_member, stranger

application = DispatcherMiddleware(
    map_member("shop", [Rule("/", endpoint="index")], name="shop"),
    {
        "/blog": map_member("blog", [Rule("/post/<int:id>", endpoint="post")]),
        "/files": stranger,
    },
)
