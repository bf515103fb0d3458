"""The standard services a member answers from a werkzeug ``Map`` and through
:func:`~wsgi_party.url_handler`: ``url``, ``routes`` and ``match``, and their payloads."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Rule

from tests.apps import refusing_app, werkzeug_member
from wsgi_party import (
    HighAndDry,
    Match,
    MatchRequest,
    PartylineException,
    Route,
    UrlHandler,
    UrlRequest,
    WSGIParty,
    url_handler,
)

MakeParty = t.Callable[..., WSGIParty]


def blog_rules() -> list[Rule]:
    return [
        Rule("/", endpoint="index"),
        Rule("/dir/", endpoint="dir"),
        Rule("/post/<int:id>", endpoint="post", methods=["GET"]),
        Rule("/tag/<name>", endpoint="tag"),
        Rule("/edit/<int:id>", endpoint="edit", methods=["POST"]),
        Rule("/Xmas", endpoint="xmas"),
        Rule("/admin/", endpoint="admin:index"),
        Rule("/café", endpoint="cafe"),
    ]


def blog_party(make_party: MakeParty) -> WSGIParty:
    blog = werkzeug_member("Blog", blog_rules())
    return make_party(DispatcherMiddleware(refusing_app, {"/blog": blog}))


# -- routes and match from a Map ----------------------------------------------------------


def test_routes_lists_each_rule_with_its_mount_and_methods(make_party: MakeParty) -> None:
    party = blog_party(make_party)
    routes = party.ask("blog", "routes", None)
    assert routes[:5] == [
        Route("blog", "index", "/blog/", ()),
        Route("blog", "dir", "/blog/dir/", ()),
        Route("blog", "post", "/blog/post/<int:id>", ("GET", "HEAD")),
        Route("blog", "tag", "/blog/tag/<name>", ()),
        Route("blog", "edit", "/blog/edit/<int:id>", ("POST",)),
    ]


@pytest.mark.parametrize(
    ("method", "path", "claim"),
    [
        ("GET", "/post/1", Match("blog", "post", True, ("GET", "HEAD"))),
        ("get", "/post/1", Match("blog", "post", True, ("GET", "HEAD"))),
        ("GET", "//post/1", Match("blog", "post", True, ("GET", "HEAD"))),
        ("GET", "/Xmas", Match("blog", "xmas", True, ())),
        ("GET", "/edit/1", Match("blog", None, False, ("POST",))),
        # Werkzeug would redirect to the slash: the member claims it.
        ("GET", "/dir", Match("blog", None, True, ())),
        # A WSGI PATH_INFO is UTF-8 read as latin-1: "/tag/ü", "/café".
        ("GET", "/tag/\xc3\xbc", Match("blog", "tag", True, ())),
        ("GET", "/caf\xc3\xa9", Match("blog", "cafe", True, ())),
        # The mount itself ("/blog"): Werkzeug would redirect to "/blog/".
        ("GET", "", Match("blog", None, True, ())),
    ],
)
def test_match_claims_what_the_map_routes(
    make_party: MakeParty, method: str, path: str, claim: Match
) -> None:
    party = blog_party(make_party)
    assert party.ask("blog", "match", MatchRequest(method, path)) == claim


def test_match_payloads_need_text() -> None:
    with pytest.raises(PartylineException, match=r"as strings, got 3, '/x'"):
        MatchRequest(3, "/x")  # type: ignore[arg-type]
    with pytest.raises(PartylineException, match=r"as strings, got 'GET', None"):
        MatchRequest("GET", None)  # type: ignore[arg-type]


def test_a_member_without_the_endpoint_says_so(make_party: MakeParty) -> None:
    party = blog_party(make_party)
    (url,) = party.member("blog").operator.services["url"]
    with pytest.raises(HighAndDry, match=r"^member 'blog' has no endpoint 'nowhere'$"):
        url(UrlRequest("nowhere"))


def test_a_member_takes_its_own_name_off_an_endpoint_and_nothing_more(
    make_party: MakeParty,
) -> None:
    party = blog_party(make_party)
    (url,) = party.member("blog").operator.services["url"]
    assert url(UrlRequest("blog:admin:index")) == "/blog/admin/"
    assert url(UrlRequest("admin:index")) == "/blog/admin/"
    with pytest.raises(HighAndDry):
        url(UrlRequest("shop:admin:index"))


# -- url_handler around any path builder ----------------------------------------------------


class Builder:
    """A path builder as a framework integration writes one; it may leave values."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, t.Any], str | None]] = []

    def __call__(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> t.Any:
        self.calls.append((endpoint, dict(values), method))
        if endpoint == "search":
            return f"/search?q={values.pop('q')}"  # a query of its own; the rest is added
        if endpoint == "page":
            return f"/page/{values.pop('n')}"
        if endpoint == "bytes":
            return b"/not-text"
        raise HighAndDry(endpoint)


def handler_site(
    make_party: MakeParty, *, pure: t.Callable[[str], bool] | None = None
) -> tuple[WSGIParty, Builder, t.Callable[[object], str]]:
    builder = Builder()
    made: list[t.Callable[[object], str]] = []

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if operator is not None and operator.join(app, name="docs"):
            made.append(url_handler(operator, builder, pure=pure))
            operator.connect("url", made[-1])
        start_response("200 OK", [])
        return [b""]

    party = make_party(DispatcherMiddleware(refusing_app, {"/docs": app}))
    return party, builder, made[0]


def test_values_a_builder_leaves_become_the_query(make_party: MakeParty) -> None:
    party, builder, _handler = handler_site(make_party)
    assert party.url_for("docs:page", n=2, sort="new") == "/docs/page/2?sort=new"
    assert party.url_for("docs:search", q="x", page=2) == "/docs/search?q=x&page=2"
    assert party.url_for("docs:page", n=3, skip=None) == "/docs/page/3"
    assert party.url_for("docs:page", n=4, _method="POST") == "/docs/page/4"
    assert builder.calls[-1] == ("page", {"n": 4}, "POST")


def test_semicolons_a_builder_writes_in_its_query_are_escaped(make_party: MakeParty) -> None:
    party, _builder, _handler = handler_site(make_party)
    assert party.url_for("docs:search", q="a;b") == "/docs/search?q=a%3Bb"
    assert party.url_for("docs:page", n="a;b") == "/docs/page/a;b"


def test_a_builder_that_returns_no_text_is_named(make_party: MakeParty) -> None:
    party, _builder, _handler = handler_site(make_party)
    with pytest.raises(PartylineException) as info:
        party.url_for("docs:bytes")
    assert str(info.value) == (
        "the url builder of member 'docs' returned bytes for endpoint 'bytes'; it must"
        " return a path string or raise HighAndDry"
    )


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"n": 1, "q": "\ud800"}, "URL value 'q' cannot be encoded as UTF-8: '\\ud800'"),
        ({"n": 1, "q": ["a", "\udc80"]}, "URL value 'q' cannot be encoded as UTF-8: '\\udc80'"),
    ],
)
def test_values_that_cannot_go_in_a_url_are_named(
    make_party: MakeParty, values: dict[t.Any, t.Any], problem: str
) -> None:
    party, _builder, _handler = handler_site(make_party)
    with pytest.raises(PartylineException) as info:
        party.ask_first("url", UrlRequest("page", values))
    assert str(info.value) == f"member 'docs' cannot build a URL for endpoint 'page': {problem}"


def test_a_value_name_that_is_not_text_is_named(make_party: MakeParty) -> None:
    party = blog_party(make_party)
    with pytest.raises(PartylineException) as info:
        party.ask_first("url", UrlRequest("post", {"id": 1, 5: "x"}))
    assert str(info.value) == (
        "member 'blog' cannot build a URL for endpoint 'post': value name 5 is not a string"
    )


def test_a_pure_handlers_links_are_remembered_by_the_party_exactly(
    make_party: MakeParty,
) -> None:
    party, builder, handler = handler_site(make_party, pure=lambda endpoint: endpoint == "page")
    assert isinstance(handler, UrlHandler)
    assert handler.builds_purely("page") and not handler.builds_purely("search")
    for _ in range(2):
        for n in (1, True, 2):
            assert party.url_for("docs:page", n=n) == f"/docs/page/{n}"
        assert party.url_for("docs:search", q=1) == "/docs/search?q=1"
    # Ints are remembered; True (a bool, equal to 1 but printed otherwise) is
    # built every time; an endpoint that is not pure is built every time.
    assert [call[1]["n"] for call in builder.calls if call[0] == "page"] == [1, True, 2, True]
    assert len([call for call in builder.calls if call[0] == "search"]) == 2, "not pure"
    # Asked directly, the handler builds every time: the party's memory is the only one.
    party.ask_first("url", UrlRequest("page", {"n": 1}))
    assert len(builder.calls) == 7


# -- UrlRequest ---------------------------------------------------------------------------------


def test_located_fills_only_what_is_missing() -> None:
    complete = UrlRequest("post", {"id": 1}, True, script_root="/x", scheme="https", host="h")
    assert complete.located("http://other/site") is complete
    relative = UrlRequest("post", {"id": 1}, script_root="/x")
    assert relative.located("http://other/site") is relative
    partial = UrlRequest("post", {"id": 1}, True, "top", "POST", host="kept.example")
    located = partial.located("http://b.example/site/")
    assert located is not partial
    assert located == UrlRequest(
        "post",
        {"id": 1},
        True,
        "top",
        "POST",
        script_root="/site",
        scheme="http",
        host="kept.example",
    )
    assert partial.script_root is None, "the original is left as it was"
    hosted = UrlRequest("post", external=True, script_root="/x", host="h.example")
    assert hosted.located("https://b.example/site") == UrlRequest(
        "post", external=True, script_root="/x", scheme="https", host="h.example"
    )
    assert UrlRequest("post").located() == UrlRequest("post", script_root="")


def test_url_requests_compare_and_show_their_fields() -> None:
    request = UrlRequest("post", {"id": 1}, external=True, anchor="a")
    assert request == UrlRequest("post", {"id": 1}, external=True, anchor="a")
    assert request != UrlRequest("post", {"id": 1}, external=True, anchor="b")
    assert request != ("post", {"id": 1})
    assert (
        repr(request) == "UrlRequest(endpoint='post', values={'id': 1}, external=True, anchor='a')"
    )
    assert repr(UrlRequest("post")) == "UrlRequest(endpoint='post', values={})"


def test_a_0_1_dict_payload_with_bad_parts_is_named() -> None:
    with pytest.raises(PartylineException) as info:
        UrlRequest.coerce({"name": "post", "kwargs": [1], "query": {}})
    assert str(info.value) == (
        "the 'kwargs' and 'query' values of a 'url' payload for endpoint 'post' must be"
        " mappings, got [1] and {}"
    )
    with pytest.raises(PartylineException) as other:
        UrlRequest.coerce(42)
    assert str(other.value) == (
        "a 'url' payload must be a UrlRequest, an (endpoint, values) tuple or"
        " a {'name', 'kwargs', 'query'} dict, got 42"
    )


def test_url_request_values_default_to_empty_and_must_be_a_mapping() -> None:
    assert UrlRequest("post").values == {}
    assert UrlRequest("post", None).values == {}
    with pytest.raises(PartylineException) as info:
        UrlRequest("post", [("id", 1)])  # type: ignore[arg-type]
    assert str(info.value) == "UrlRequest values for endpoint 'post' must be a mapping, got list"


def test_anchors_keep_the_characters_flask_keeps(make_party: MakeParty) -> None:
    party = blog_party(make_party)
    assert party.url_for("blog:post", id=1, _anchor="a:b/c?d=e f") == "/blog/post/1#a:b/c?d=e%20f"


def test_an_external_url_outside_a_request_without_base_url_says_what_to_do(
    make_party: MakeParty,
) -> None:
    party = blog_party(make_party)
    with pytest.raises(PartylineException) as info:
        party.url_for("blog:post", id=1, _external=True)
    assert str(info.value) == (
        "cannot build an external URL for endpoint 'post' outside a request: give the"
        " party a base_url (WSGIParty(..., base_url='https://example.com'))"
    )


def test_the_scheme_defaults_to_http(make_party: MakeParty) -> None:
    from wsgi_party import request_scope

    party = blog_party(make_party)
    direct = UrlRequest("post", {"id": 1}, external=True, script_root="", host="h.example")
    assert party.ask_first("url", direct) == "http://h.example/blog/post/1"
    located = UrlRequest("post", external=True).located("//b.example/site/")
    assert (located.scheme, located.host, located.script_root) == ("http", "b.example", "/site")
    blog = party.member("blog").operator
    with request_scope(blog, {"SCRIPT_NAME": "/blog", "HTTP_HOST": "r.example"}):
        assert blog.url_for("blog:post", id=1, _external=True) == "http://r.example/blog/post/1"
