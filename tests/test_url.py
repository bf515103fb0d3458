"""The url service: payload forms, prefixes, query strings, anchors, externals."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Rule
from werkzeug.test import Client

from tests.apps import refusing_app, werkzeug_member
from wsgi_party import (
    HighAndDry,
    PartylineException,
    UrlBuildError,
    UrlRequest,
    WSGIParty,
    encode_query,
    url_handler,
)

MakeParty = t.Callable[..., WSGIParty]


def blog_rules() -> list[Rule]:
    return [
        Rule("/", endpoint="index"),
        Rule("/post/<int:id>", endpoint="post"),
        Rule("/tag/<name>", endpoint="tag"),
        Rule("/edit/<int:id>", endpoint="edit", methods=["POST"]),
        Rule("/view/<int:id>", endpoint="edit", methods=["GET"]),
    ]


def party_site(make_party: MakeParty, **kwargs: t.Any) -> WSGIParty:
    shop = werkzeug_member(
        "Shop",
        [Rule("/", endpoint="index"), Rule("/go/<endpoint>", endpoint="go")],
        links={"go": ("blog:post", {"id": 3, "q": "x y", "_anchor": "top"})},
    )
    return make_party(
        DispatcherMiddleware(shop, {"/blog": werkzeug_member("Blog", blog_rules())}), **kwargs
    )


def test_member_prefix_targets_that_member(make_party: MakeParty) -> None:
    party = party_site(make_party)
    assert party.url_for("blog:post", id=3) == "/blog/post/3"
    assert party.url_for("post", id=3) == "/blog/post/3", "asked around"
    assert party.url_for("root:index") == "/"


def test_unused_values_become_the_query_string(make_party: MakeParty) -> None:
    party = party_site(make_party)
    url = party.url_for("blog:post", id=3, page=2, tags=["a", "b"], empty=None, q="a b&c")
    assert url == "/blog/post/3?page=2&tags=a&tags=b&q=a+b%26c"


def test_query_strings_match_werkzeugs_encoding() -> None:
    from werkzeug.routing import Map, Rule

    values = {
        "page": 2,
        "tags": ["a", "b"],
        "skip": None,
        "path": "/x:y@z",
        "u": "é",
        "raw": b"\xff\xfe",
        "sp": "a b+c&d",
    }
    expected = "page=2&tags=a&tags=b&path=/x:y@z&u=%C3%A9&raw=%FF%FE&sp=a+b%2Bc%26d"
    assert encode_query(values) == expected
    werkzeug_built = Map([Rule("/", endpoint="i")]).bind("x").build("i", values)
    assert werkzeug_built == f"/?{expected}"


def test_anchor_and_method(make_party: MakeParty) -> None:
    party = party_site(make_party)
    assert party.url_for("blog:post", id=1, _anchor="c 1") == "/blog/post/1#c%201"
    assert party.url_for("blog:edit", id=1, _method="POST") == "/blog/edit/1"
    assert party.url_for("blog:edit", id=1, _method="GET") == "/blog/view/1"


def test_external_outside_a_request_needs_base_url(make_party: MakeParty) -> None:
    party = party_site(make_party)
    with pytest.raises(PartylineException, match="base_url"):
        party.url_for("blog:post", id=1, _external=True)


def test_base_url_locates_urls_built_outside_a_request(make_party: MakeParty) -> None:
    party = party_site(make_party, base_url="https://shop.example/site/")
    assert party.url_for("blog:post", id=1) == "/site/blog/post/1"
    assert party.url_for("blog:post", id=1, _external=True) == (
        "https://shop.example/site/blog/post/1"
    )


def test_links_built_in_a_request_use_that_request(make_party: MakeParty) -> None:
    party = party_site(make_party)
    body = Client(party).get("/go/x").get_data(as_text=True)
    assert body.splitlines()[1] == "/blog/post/3?q=x+y#top"


def test_a_party_under_an_outer_prefix_builds_prefixed_urls(make_party: MakeParty) -> None:
    party = party_site(make_party)
    outer = DispatcherMiddleware(refusing_app, {"/site": party})
    body = Client(outer).get("/site/go/x").get_data(as_text=True)
    assert body.splitlines()[1] == "/site/blog/post/3?q=x+y#top"
    served = Client(outer).get("/site/blog/post/3")
    assert served.get_data(as_text=True).startswith("Blog:post:[('id', 3)]")


def test_external_urls_use_the_request_host_behind_proxy_fix(make_party: MakeParty) -> None:
    shop = werkzeug_member(
        "Shop",
        [Rule("/", endpoint="index")],
        links={"index": ("blog:post", {"id": 3, "_external": True})},
    )
    party = make_party(DispatcherMiddleware(shop, {"/blog": werkzeug_member("Blog", blog_rules())}))
    app = ProxyFix(party, x_proto=1, x_host=1, x_prefix=1)
    response = Client(app).get(
        "/",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "public.example",
            "X-Forwarded-Prefix": "/mounted",
        },
    )
    assert response.get_data(as_text=True).splitlines()[1] == (
        "https://public.example/mounted/blog/post/3"
    )


def test_unknown_endpoints_name_endpoint_and_members_asked(make_party: MakeParty) -> None:
    party = party_site(make_party)
    with pytest.raises(UrlBuildError) as info:
        party.url_for("nowhere", id=1)
    assert "'nowhere'" in str(info.value)
    assert info.value.asked == ("root", "blog")
    with pytest.raises(UrlBuildError, match="'blog' could not build"):
        party.url_for("blog:nowhere")
    with pytest.raises(LookupError):
        party.url_for("blog:post")  # missing the id


def test_an_unknown_member_prefix_is_asked_around_as_an_endpoint(make_party: MakeParty) -> None:
    party = party_site(make_party)
    with pytest.raises(UrlBuildError, match="'ghost:post'"):
        party.url_for("ghost:post", id=1)


def test_the_two_0_1_payload_forms_are_accepted(make_party: MakeParty) -> None:
    party = party_site(make_party)
    assert party.ask_around("url", ("post", {"id": 4})) == ["/blog/post/4"]
    legacy = {"name": "post", "kwargs": {"id": 4}, "query": {"page": 2}}
    assert party.ask_around("url", legacy) == ["/blog/post/4?page=2"]
    assert party.ask_first("url", UrlRequest("post", {"id": 4}, anchor="a")) == "/blog/post/4#a"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (42, "must be a UrlRequest"),
        (("post",), "must be a UrlRequest"),
        ((3, {}), "non-empty string"),
        (("post", [1, 2]), "mapping"),
    ],
)
def test_bad_url_payloads_are_clear_errors(
    make_party: MakeParty, payload: object, message: str
) -> None:
    party = party_site(make_party)
    with pytest.raises(PartylineException, match=message):
        party.ask_around("url", payload)


def test_values_that_cannot_be_encoded_are_named(make_party: MakeParty) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("no text form")

    party = party_site(make_party)
    with pytest.raises(ValueError, match="no text form") as info:
        party.url_for("blog:post", id=1, bad=Unprintable())
    assert info.value.__notes__ == [
        f"raised by the 'url' handler {party.member('blog').operator.services['url'][0]!r}"
        " of member 'blog'"
    ]


def test_operators_skip_themselves_but_may_target_themselves(make_party: MakeParty) -> None:
    party = party_site(make_party)
    blog = party.member("blog").operator
    with pytest.raises(UrlBuildError, match="asked: 'root'"):
        blog.url_for("post", id=1)
    assert blog.url_for("blog:post", id=1) == "/blog/post/1"


def test_base_url_also_locates_direct_asks(make_party: MakeParty) -> None:
    party = party_site(make_party, base_url="https://shop.example/site")
    asked = party.ask_first("url", UrlRequest("post", {"id": 1}, external=True))
    assert asked == "https://shop.example/site/blog/post/1"
    assert party.ask_around("url", ("post", {"id": 1})) == ["/site/blog/post/1"]


def test_endpoints_may_be_str_subclasses(make_party: MakeParty) -> None:
    class Marked(str):
        """Like a template engine's safe string."""

    party = party_site(make_party)
    request = UrlRequest(Marked("blog:post"), {"id": 5})
    assert type(request.endpoint) is str
    assert party.build_url(request) == "/blog/post/5"


def test_remembered_urls_are_forgotten_when_handlers_change(make_party: MakeParty) -> None:
    party = party_site(make_party)
    assert party.url_for("blog:post", id=1) == party.url_for("blog:post", id=1) == "/blog/post/1"
    blog = party.member("blog").operator
    (url,) = blog.services["url"]
    blog.disconnect("url", url)
    with pytest.raises(UrlBuildError):
        party.url_for("blog:post", id=1)
    with pytest.raises(UrlBuildError):
        party.url_for("post", id=1)


def test_values_of_equal_value_but_other_type_are_not_confused(make_party: MakeParty) -> None:
    party = party_site(make_party)
    assert party.url_for("blog:tag", name=1) == "/blog/tag/1"
    assert party.url_for("blog:tag", name=True) == "/blog/tag/True"
    assert party.url_for("blog:tag", name=1.0) == "/blog/tag/1.0"


def test_urls_depending_on_more_than_their_values_are_built_every_time(
    make_party: MakeParty,
) -> None:
    import flask

    from wsgi_party.flask import FlaskParty

    blog = flask.Flask("blog")
    counter = iter(range(100))

    @blog.route("/<int:edition>/post/<int:id>")
    def post(edition: int, id: int) -> str:
        return "post"

    @blog.url_defaults
    def current_edition(endpoint: str, values: dict[str, object]) -> None:
        values.setdefault("edition", next(counter))

    FlaskParty(blog, name="blog")
    party = make_party(DispatcherMiddleware(refusing_app, {"/blog": blog}))
    assert party.url_for("blog:post", id=1) == "/blog/0/post/1"
    assert party.url_for("blog:post", id=1) == "/blog/1/post/1"


def test_remembered_urls_inside_a_request_follow_the_request(make_party: MakeParty) -> None:
    from wsgi_party import request_scope

    party = party_site(make_party)
    root = party.member("root").operator
    for script_name in ("", "/site", "/other"):
        environ = {"SCRIPT_NAME": script_name, "HTTP_HOST": "h.example", "wsgi.url_scheme": "http"}
        with request_scope(root, environ):
            for _ in range(2):  # built, then remembered
                assert root.url_for("blog:post", id=1) == f"{script_name}/blog/post/1"
                assert root.url_for("post", id=1, q="x") == f"{script_name}/blog/post/1?q=x"
                assert root.url_for("blog:post", id=1, _external=True) == (
                    f"http://h.example{script_name}/blog/post/1"
                )
    blog = party.member("blog").operator
    (url,) = blog.services["url"]
    blog.disconnect("url", url)
    with request_scope(root, {"SCRIPT_NAME": ""}), pytest.raises(UrlBuildError):
        root.url_for("blog:post", id=1)


# -- routes changed at run time ---------------------------------------------------------


class MovingBlog:
    """A member whose routes live in a dict the test changes at run time.

    Its ``url`` handler says its builds depend on their values alone, so both
    the party and the handler remember them: exactly the case
    ``clear_url_cache()`` is documented for.
    """

    def __init__(self) -> None:
        self.routes = {"post": "/post/{id}"}
        self.builds = 0

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        if endpoint not in self.routes:
            raise HighAndDry(endpoint)
        self.builds += 1
        return self.routes[endpoint].format(id=values.pop("id"))

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if operator is not None and operator.join(self, name="blog"):
            operator.connect("url", url_handler(operator, self.build_path, pure=lambda e: True))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]


def moving_site(make_party: MakeParty) -> tuple[WSGIParty, MovingBlog]:
    blog = MovingBlog()
    return make_party(DispatcherMiddleware(refusing_app, {"/blog": blog})), blog


def test_clear_url_cache_forgets_urls_remembered_by_the_party(make_party: MakeParty) -> None:
    party, blog = moving_site(make_party)
    assert party.url_for("blog:post", id=1) == "/blog/post/1"
    blog.routes["post"] = "/articles/{id}"
    assert party.url_for("blog:post", id=1) == "/blog/post/1", "remembered until cleared"
    party.clear_url_cache()
    assert party.url_for("blog:post", id=1) == "/blog/articles/1"
    assert party.url_for("post", id=1) == "/blog/articles/1", "asked around too"


def test_clear_url_cache_forgets_urls_remembered_by_each_url_handler(
    make_party: MakeParty,
) -> None:
    party, blog = moving_site(make_party)
    # Asked directly, the party remembers nothing: only the handler's own
    # memory of its builds stands between the change and the new URL.
    ask = lambda: party.ask_first("url", UrlRequest("post", {"id": 2}))  # noqa: E731
    assert ask() == "/blog/post/2"
    assert ask() == "/blog/post/2"
    assert blog.builds == 1, "the second ask was answered from the handler's memory"
    blog.routes["post"] = "/articles/{id}"
    assert ask() == "/blog/post/2", "remembered until cleared"
    party.clear_url_cache()
    assert ask() == "/blog/articles/2"


def test_clear_url_cache_forgets_urls_remembered_inside_requests(make_party: MakeParty) -> None:
    from wsgi_party import request_scope

    party, blog = moving_site(make_party)
    (blog_member,) = party.members
    environ = {"SCRIPT_NAME": "/blog", "HTTP_HOST": "h.example", "wsgi.url_scheme": "http"}
    with request_scope(blog_member.operator, environ):
        assert blog_member.operator.url_for("blog:post", id=3) == "/blog/post/3"
        blog.routes["post"] = "/articles/{id}"
        assert blog_member.operator.url_for("blog:post", id=3) == "/blog/post/3"
        party.clear_url_cache()
        assert blog_member.operator.url_for("blog:post", id=3) == "/blog/articles/3"
