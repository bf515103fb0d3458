"""The ``url`` service: how a cross-application URL is built.

``python docs/examples/urls.py`` runs every claim below as an assertion.
"""

from __future__ import annotations

import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import BuildError, Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, UrlBuildError, UrlRequest, WSGIParty, partyline


def routed_app(url_map: Map) -> t.Callable[..., t.Any]:
    """A Werkzeug app whose pages print links built through the party."""

    @Request.application
    def app(request: Request) -> Response:
        url_map.bind_to_environ(request.environ).match()
        links = [
            partyline.url_for("blog:post", id=3),
            partyline.url_for("post", id=3, _external=True),
        ]
        return Response("\n".join(links))

    return app


# [start-members]
shop_map = Map([Rule("/", endpoint="index"), Rule("/search", endpoint="search")])
blog_map = Map([Rule("/", endpoint="index"), Rule("/post/<int:id>", endpoint="post")])
shop = PartyMember(routed_app(shop_map), name="shop", url_map=shop_map)
blog = PartyMember(routed_app(blog_map), name="blog", url_map=blog_map)

party = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}), base_url="https://example.com/store")
# [end-members]

# [start-targeted]
# "member:endpoint" asks that member only; both members have an "index".
assert party.url_for("blog:index") == "/store/blog/"
assert party.url_for("shop:index") == "/store/"
# A bare endpoint is asked around; the first member (in join order) that
# has it answers.
assert party.url_for("index") == "/store/"
assert party.url_for("post", id=3) == "/store/blog/post/3"
# [end-targeted]

# [start-query]
# Values the route does not use become the query string.
assert party.url_for("blog:post", id=3, page=2, tag=["a", "b"]) == (
    "/store/blog/post/3?page=2&tag=a&tag=b"
)
assert party.url_for("shop:search", q="wsgi party") == "/store/search?q=wsgi+party"
# [end-query]

# [start-external]
# Outside a request, base_url locates the URLs (a background job, a shell).
assert party.url_for("blog:post", id=3, _external=True, _anchor="comments") == (
    "https://example.com/store/blog/post/3#comments"
)
# [end-external]

# [start-payload]
request = UrlRequest("blog:post", {"id": 3}, external=True, anchor="top")
assert party.build_url(request) == "https://example.com/store/blog/post/3#top"
# Asked directly, the handlers answer the same URL, located by base_url too.
assert party.ask_first("url", UrlRequest("post", {"id": 3})) == "/store/blog/post/3"
# The two payload forms of wsgi_party 0.1 are understood as well.
assert party.ask_first("url", ("post", {"id": 3})) == "/store/blog/post/3"
assert party.ask_first("url", {"name": "post", "kwargs": {"id": 3}, "query": {"x": 1}}) == (
    "/store/blog/post/3?x=1"
)
# [end-payload]


# [start-errors]
def build_error(endpoint: str, **values: t.Any) -> UrlBuildError:
    """The error of a link that cannot be built."""
    try:
        party.url_for(endpoint, **values)
    except UrlBuildError as exc:
        return exc
    raise AssertionError(f"{endpoint!r} was built")


# An endpoint the member does not have.
unknown = build_error("blog:checkout")
assert str(unknown) == "member 'blog' has no endpoint 'blog:checkout'"
assert unknown.asked == ("blog",) and unknown.refusals == ()

# An endpoint it has, with a value missing: whose, which, and Werkzeug's own error.
missing = build_error("blog:post")
assert str(missing) == "member 'blog' has 'blog:post' but could not build it: missing value 'id'"
assert isinstance(missing.__cause__, BuildError)
assert missing.refusals[0].missing == ("id",)

# A value the route's converter refuses: which value, what was given.
refused = build_error("blog:post", id="three")
assert str(refused).startswith(
    "member 'blog' has 'blog:post' but could not build it: the converter of 'id' refused 'three'"
)
assert isinstance(refused.__cause__, ValueError)  # int("three")

# Asked around, the member that has the endpoint says why, not "no member".
around = build_error("post")
assert str(around) == (
    "member 'blog' has 'post' but could not build it: missing value 'id' (asked: 'shop', 'blog')"
)
nobody = build_error("checkout")
assert str(nobody) == "no member could build a URL for endpoint 'checkout' (asked: 'shop', 'blog')"
# [end-errors]

# [start-prefix]
# During a request, the party's own SCRIPT_NAME, scheme and host come from
# that request: here the whole party is mounted under /app of another
# dispatcher and served as https://shop.test.
site = DispatcherMiddleware(Response("outer", status=404), {"/app": party})
page = Client(site).get("/app/", base_url="https://shop.test")
assert page.text.splitlines() == [
    "/app/blog/post/3",
    "https://shop.test/app/blog/post/3",
]
# [end-prefix]

party.close()
