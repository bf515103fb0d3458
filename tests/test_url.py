"""The url service: payload forms, prefixes, query strings, anchors, externals."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BuildError, Rule
from werkzeug.test import Client

from tests.apps import refusing_app, werkzeug_member
from wsgi_party import (
    CannotBuild,
    HighAndDry,
    PartylineException,
    UrlBuildError,
    UrlHandler,
    UrlRequest,
    WSGIParty,
    encode_query,
    url_handler,
)
from wsgi_party.integration import cannot_build, refusals_message

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
    with pytest.raises(UrlBuildError, match=r"^member 'blog' has no endpoint 'blog:nowhere'$"):
        party.url_for("blog:nowhere")
    with pytest.raises(LookupError):
        party.url_for("blog:post")  # missing the id


def build_error(party: WSGIParty, endpoint: str, **values: t.Any) -> UrlBuildError:
    with pytest.raises(UrlBuildError) as caught:
        party.url_for(endpoint, **values)
    return caught.value


def test_a_member_that_has_the_endpoint_says_why_it_could_not_build_it(
    make_party: MakeParty,
) -> None:
    party = party_site(make_party)
    missing = build_error(party, "blog:post")
    assert (
        str(missing) == "member 'blog' has 'blog:post' but could not build it: missing value 'id'"
    )
    assert type(missing.__cause__) is BuildError  # Werkzeug's own
    [refusal] = missing.refusals
    assert isinstance(refusal, CannotBuild)
    assert (refusal.member, refusal.endpoint, refusal.missing, refusal.refused) == (
        "blog",
        "post",
        ("id",),
        None,
    )
    assert refusal.reason == "missing value 'id'"
    refused = build_error(party, "blog:post", id="x")
    assert str(refused) == (
        "member 'blog' has 'blog:post' but could not build it: the converter of 'id'"
        " refused 'x' (ValueError: invalid literal for int() with base 10: 'x')"
    )
    assert type(refused.__cause__) is ValueError
    assert (refused.refusals[0].refused, refused.refusals[0].missing) == ("id", ())
    method = build_error(party, "blog:edit", id=1, _method="PUT")
    assert str(method) == (
        "member 'blog' has 'blog:edit' but could not build it: it serves GET, HEAD, POST, not PUT"
    )
    # Asked around, the member that has it says why, then who was asked.
    around = build_error(party, "tag")
    assert str(around) == (
        "member 'blog' has 'tag' but could not build it: missing value 'name'"
        " (asked: 'root', 'blog')"
    )
    assert around.__cause__ is around.refusals[0].__cause__
    assert type(around.__cause__) is BuildError
    # An endpoint the member does not have reads differently, and has no refusal.
    unknown = build_error(party, "blog:nope")
    assert str(unknown) == "member 'blog' has no endpoint 'blog:nope'"
    assert (unknown.refusals, unknown.__cause__) == ((), None)


def test_cannot_build_says_each_reason_in_the_same_words() -> None:
    assert str(cannot_build("blog", "post", missing=["id", "slug"])) == (
        "member 'blog' has 'post' but could not build it: missing values 'id', 'slug'"
    )
    assert str(cannot_build("blog", "post", refused="id", given=0, reason="too small")) == (
        "member 'blog' has 'post' but could not build it: the converter of 'id' refused 0"
        " (too small)"
    )
    assert str(cannot_build("blog", "post", refused="id", given="")) == (
        "member 'blog' has 'post' but could not build it: the converter of 'id' refused ''"
    )
    assert str(cannot_build(None, "post", reason="it serves POST, not GET")) == (
        "the app has 'post' but could not build it: it serves POST, not GET"
    )
    assert cannot_build("blog", "post").reason == "the values given fit none of its routes"
    assert refusals_message([cannot_build("a", "x", missing=["id"])], []) == (
        "member 'a' has 'x' but could not build it: missing value 'id' (asked: nobody)"
    )


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


def test_a_url_handler_asked_directly_builds_every_time(make_party: MakeParty) -> None:
    party, blog = moving_site(make_party)
    # Asked directly, nothing is remembered: the party's memory (url_for) is
    # the only one, so a route changed at run time shows at once.
    ask = lambda: party.ask_first("url", UrlRequest("post", {"id": 2}))  # noqa: E731
    assert ask() == "/blog/post/2"
    assert ask() == "/blog/post/2"
    assert blog.builds == 2
    blog.routes["post"] = "/articles/{id}"
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


# -- remembered URLs are exact ------------------------------------------------------------


class CountingUrls(UrlHandler):
    """A ``url`` service that counts its builds and says which endpoints are pure.

    ``pure`` says whether an endpoint depends on its values alone; ``live``
    does not (it carries a counter), so it must be built every time.
    """

    def __init__(self, prefix: str) -> None:  # no builder: its __call__ answers itself
        self.prefix = prefix
        self.builds = 0
        self.pure = lambda endpoint: endpoint != "live"

    def __repr__(self) -> str:
        return f"<CountingUrls {self.prefix!r}>"

    def __call__(self, payload: object) -> str:
        request = UrlRequest.coerce(payload)
        endpoint = request.endpoint.rpartition(":")[2]
        if endpoint not in ("post", "tag", "live"):
            raise HighAndDry(endpoint)
        self.builds += 1
        if endpoint == "live":
            return f"{request.script_root}{self.prefix}/live/{self.builds}"
        shown = ",".join(f"{k}={v!r}:{type(v).__name__}" for k, v in request.values.items())
        host = f"{request.scheme}://{request.host}" if request.external else ""
        return f"{host}{request.script_root}{self.prefix}/{endpoint}/{shown}"


def counting_member(prefix: str, name: str) -> tuple[t.Callable[..., t.Any], CountingUrls]:
    urls = CountingUrls(prefix)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if operator is not None and operator.join(app, name=name):
            operator.connect("url", urls)
        start_response("200 OK", [])
        return [b""]

    return app, urls


def counting_site(
    make_party: MakeParty, **kwargs: t.Any
) -> tuple[WSGIParty, CountingUrls, CountingUrls]:
    root, root_urls = counting_member("", "root")
    blog, blog_urls = counting_member("/blog", "blog")
    party = make_party(DispatcherMiddleware(root, {"/blog": blog}), **kwargs)
    return party, root_urls, blog_urls


def test_a_pure_link_is_built_once_then_remembered(make_party: MakeParty) -> None:
    party, root_urls, blog_urls = counting_site(make_party)
    first = party.url_for("blog:post", id=1)
    assert party.url_for("blog:post", id=1) == first
    assert party.url_for("post", id=1) == "/post/id=1:int", "asked around: the root answers"
    assert party.url_for("post", id=1) == "/post/id=1:int"
    assert (root_urls.builds, blog_urls.builds) == (1, 1)


def test_an_endpoint_that_is_not_pure_is_built_every_time(make_party: MakeParty) -> None:
    party, _root_urls, _blog_urls = counting_site(make_party)
    assert party.url_for("blog:live") == "/blog/live/1"
    assert party.url_for("blog:live") == "/blog/live/2"
    # Asked around, every handler that could answer must be pure.
    assert party.url_for("live") == "/live/1"
    assert party.url_for("live") == "/live/2"


def test_remembered_urls_depend_on_endpoint_target_asker_and_values(
    make_party: MakeParty,
) -> None:
    party, _root_urls, _blog_urls = counting_site(make_party)
    root = party.member("root").operator
    blog = party.member("blog").operator
    cases = [
        (party.url_for, ("blog:post",), {"id": 1}, "/blog/post/id=1:int"),
        (party.url_for, ("post",), {"id": 1}, "/post/id=1:int"),
        (root.url_for, ("post",), {"id": 1}, "/blog/post/id=1:int"),  # skips itself
        (blog.url_for, ("post",), {"id": 1}, "/post/id=1:int"),
        (party.url_for, ("post",), {"id": 2, "q": 1}, "/post/id=2:int,q=1:int"),
        (party.url_for, ("post",), {"id": True, "q": 1}, "/post/id=True:bool,q=1:int"),
        (party.url_for, ("tag",), {"id": 1}, "/tag/id=1:int"),
        (party.url_for, ("post",), {"id": 2}, "/post/id=2:int"),
        (party.url_for, ("post",), {"id": True}, "/post/id=True:bool"),
        (party.url_for, ("post",), {"id": 1, "q": 1}, "/post/id=1:int,q=1:int"),
        (party.url_for, ("post",), {"id": 1, "q": 2}, "/post/id=1:int,q=2:int"),
        (party.url_for, ("post",), {"id": 1, "q": 1.0}, "/post/id=1:int,q=1.0:float"),
        (party.url_for, ("post",), {"id": 1, "q": 1, "r": 1}, "/post/id=1:int,q=1:int,r=1:int"),
        (party.url_for, ("post",), {"id": 1, "q": 1, "r": 2}, "/post/id=1:int,q=1:int,r=2:int"),
        (
            party.url_for,
            ("post",),
            {"id": 1, "q": 1, "r": False},
            "/post/id=1:int,q=1:int,r=False:bool",
        ),
    ]
    from wsgi_party import request_scope

    environ = {"SCRIPT_NAME": "", "HTTP_HOST": "h.example", "wsgi.url_scheme": "http"}
    for scope in (None, (blog, environ)):  # outside any request, and inside one
        for _ in range(2):  # built, then remembered
            for url_for, args, values, expected in cases:
                if scope is None:
                    assert url_for(*args, **values) == expected
                else:
                    with request_scope(*scope):
                        assert url_for(*args, **values) == expected


def test_external_links_in_a_request_follow_that_requests_host(make_party: MakeParty) -> None:
    from wsgi_party import request_scope

    party, _root_urls, _blog_urls = counting_site(make_party)
    blog = party.member("blog").operator
    for host in ("a.example", "b.example", "a.example"):
        environ = {"SCRIPT_NAME": "/blog", "HTTP_HOST": host, "wsgi.url_scheme": "https"}
        with request_scope(blog, environ):
            for _ in range(2):
                assert blog.url_for("post", id=1, _external=True) == f"https://{host}/post/id=1:int"
                assert blog.url_for("post", id=1, _scheme="http") == f"http://{host}/post/id=1:int"


# -- _scheme, hosts and ports --------------------------------------------------------------


def test_scheme_implies_an_external_url_as_in_flask(make_party: MakeParty) -> None:
    party = party_site(make_party, base_url="http://shop.example")
    assert party.url_for("blog:post", id=1, _scheme="https") == "https://shop.example/blog/post/1"
    assert party.url_for("blog:post", id=1, _scheme="https", _external=True) == (
        "https://shop.example/blog/post/1"
    )
    with pytest.raises(ValueError, match=r"'_scheme'.*'_external' must be True"):
        party.url_for("blog:post", id=1, _scheme="https", _external=False)


@pytest.mark.parametrize(
    ("scheme", "port", "host"),
    [
        ("http", "80", "example.org"),
        ("https", "443", "example.org"),
        ("http", "8080", "example.org:8080"),
        ("https", "80", "example.org:80"),
        ("http", "443", "example.org:443"),
    ],
)
def test_without_a_host_header_the_server_name_and_a_non_default_port_are_used(
    make_party: MakeParty, scheme: str, port: str, host: str
) -> None:
    from wsgi_party import request_scope

    party = party_site(make_party)
    root = party.member("root").operator
    environ = {
        "SCRIPT_NAME": "",
        "SERVER_NAME": "example.org",
        "SERVER_PORT": port,
        "wsgi.url_scheme": scheme,
    }
    with request_scope(root, environ):
        assert root.url_for("blog:post", id=1, _external=True) == f"{scheme}://{host}/blog/post/1"


def test_semicolons_in_a_query_are_escaped_and_in_a_path_kept(make_party: MakeParty) -> None:
    # WebOb (so Pyramid) splits a query at ";": written %3B it stays one value.
    party = party_site(make_party)
    assert party.url_for("blog:post", id=1, q="a;b") == "/blog/post/1?q=a%3Bb"
    assert party.url_for("blog:post", id=1, q="a;b?c;d") == "/blog/post/1?q=a%3Bb?c%3Bd"
    assert party.url_for("blog:tag", name="a;b") == "/blog/tag/a;b"


def test_build_url_skips_the_asking_operator_and_uses_base_url(make_party: MakeParty) -> None:
    party = party_site(make_party, base_url="https://shop.example/site")
    both = DispatcherMiddleware(
        werkzeug_member("Shop", blog_rules()), {"/blog": werkzeug_member("Blog", blog_rules())}
    )
    other = make_party(both, base_url="https://shop.example/site")
    root = other.member("root").operator
    assert other.build_url(UrlRequest("post", {"id": 1})) == "/site/post/1"
    assert other.build_url(UrlRequest("post", {"id": 1}), root) == "/site/blog/post/1"
    assert party.build_url(UrlRequest("post", {"id": 1})) == "/site/blog/post/1"


def test_url_build_errors_carry_the_endpoint_and_who_was_asked(make_party: MakeParty) -> None:
    party = party_site(make_party)
    with pytest.raises(UrlBuildError) as targeted:
        party.url_for("blog:nowhere")
    assert (targeted.value.endpoint, targeted.value.asked) == ("blog:nowhere", ("blog",))
    blog = party.member("blog").operator
    with pytest.raises(UrlBuildError) as around:
        blog.url_for("nowhere")
    assert (around.value.endpoint, around.value.asked) == ("nowhere", ("root",))
    assert "(asked: 'root')" in str(around.value)
    with pytest.raises(UrlBuildError, match=r"\(asked: 'root', 'blog'\)"):
        party.url_for("nowhere")
    nobody = make_party(refusing_app, ())
    with pytest.raises(UrlBuildError, match=r"endpoint 'post' \(asked: nobody\)") as none:
        nobody.url_for("post")
    assert none.value.asked == ()


def test_a_member_endpoint_may_itself_contain_a_colon(make_party: MakeParty) -> None:
    rules = [Rule("/admin/", endpoint="admin:index")]
    party = make_party(DispatcherMiddleware(refusing_app, {"/blog": werkzeug_member("B", rules)}))
    assert party.url_for("blog:admin:index") == "/blog/admin/"
    with pytest.raises(
        UrlBuildError, match="member 'blog' has no endpoint 'blog:admin:nowhere'"
    ) as info:
        party.url_for("blog:admin:nowhere")
    assert info.value.asked == ("blog",)


def test_clear_url_cache_works_with_any_url_handlers_or_none(make_party: MakeParty) -> None:
    party, _root_urls, blog_urls = counting_site(make_party)  # handlers without cache_clear
    party.url_for("blog:post", id=1)
    party.clear_url_cache()
    party.url_for("blog:post", id=1)
    assert blog_urls.builds == 2
    make_party(refusing_app, ()).clear_url_cache()  # no url service at all


def test_without_any_host_information_no_external_url_is_built(make_party: MakeParty) -> None:
    from wsgi_party import UntrustedHost, request_scope

    party = party_site(make_party)
    root = party.member("root").operator
    with request_scope(root, {"SCRIPT_NAME": ""}), pytest.raises(UntrustedHost, match="no host"):
        root.url_for("blog:post", id=1, _external=True)
    with request_scope(root, {"SCRIPT_NAME": "", "SERVER_NAME": "s.example", "SERVER_PORT": "80"}):
        assert root.url_for("blog:post", id=1, _external=True) == "http://s.example/blog/post/1"
