"""Properties over generated input: documented exceptions only, URLs that route back.

Hypothesis generates service names, payloads, invite paths, request paths
and URL values, and checks against the site of :mod:`tests.sites.party_site`:

* asking the partyline, inviting and serving only ever raise
  :class:`~wsgi_party.PartylineException` (each also derives from the
  built-in base a caller would expect: ``LookupError``, ``ValueError``, ...),
  except that a value a route's converter rejects raises the framework's own
  ``ValueError``/``TypeError``, annotated with the member and service;
* an outside request for an invite path is refused in any spelling;
* a URL built through the party for a route of a Werkzeug or Flask member
  routes back to that route with the same values, and the values the route
  does not use come back from the query string.

Examples are bounded so that the file runs in well under 30 seconds.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ, run_wsgi_app

from tests.sites.party_site import ROUTES, Site, WerkzeugApp, build_site, make_map
from wsgi_party import (
    INVITE_PATH,
    InvalidServiceName,
    MatchRequest,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    PartylineException,
    PartyMember,
    UrlBuildError,
    UrlRequest,
    WSGIParty,
)

SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("PROPERTY_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def site() -> t.Iterator[Site]:
    site = build_site(lazy=False)
    yield site
    site.party.close()


# -- strategies ------------------------------------------------------------------------

SERVICES = ["url", "ping", "routes", "match", "whoami", "identity", "layout"]

names = st.one_of(
    st.sampled_from(SERVICES),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=4), max_size=2),
    st.tuples(st.text(max_size=4)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.binary(max_size=8),
)
payloads = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(
            st.one_of(st.text(max_size=6), st.sampled_from(["name", "kwargs"])), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
endpoints = st.one_of(
    st.sampled_from(
        [f"{m}:{e}" for m, (_mount, rules) in ROUTES.items() for _rule, e in rules]
        + [e for _m, (_mount, rules) in ROUTES.items() for _rule, e in rules]
    ),
    st.text(max_size=16),
)
url_payloads = st.one_of(
    st.builds(
        UrlRequest,
        endpoints.filter(bool),
        st.dictionaries(st.text(max_size=6), scalars, max_size=3),
        external=st.booleans(),
        anchor=st.one_of(st.none(), st.text(max_size=6)),
        method=st.one_of(st.none(), st.sampled_from(["GET", "POST"]), st.text(max_size=4)),
    ),
    st.tuples(endpoints, st.one_of(st.none(), payloads)),
    st.fixed_dictionaries({"name": endpoints, "kwargs": payloads}),
    st.builds(MatchRequest, st.sampled_from(["GET", "POST", "get", ""]), st.text(max_size=20)),
    st.tuples(st.text(max_size=5), st.text(max_size=20)),
    payloads,
)


def members(site: Site) -> list[str]:
    return [m.name for m in site.party.members]


# -- documented exceptions only ---------------------------------------------------------


_AROUND = object()


def expected_error(site: Site, service: object, member: object = _AROUND) -> type[Exception] | None:
    """The documented error for asking ``service`` (of ``member``, for a targeted ask).

    ``None`` when the service exists and the ask reaches its handlers.
    """
    targeted = member is not _AROUND
    if targeted and not (isinstance(member, str) and member in members(site)):
        return NoSuchMember
    if not isinstance(service, str) or not service:
        return InvalidServiceName
    if targeted:
        return None if service in site.party.member(t.cast(str, member)).services else NoAnswer
    return None if service in site.party.handlers else NoSuchServiceName


#: Each documented exception also derives from the built-in base that a
#: caller catching the built-in one expects.
BUILTIN_BASES: dict[type[Exception], type[Exception]] = {
    InvalidServiceName: ValueError,
    NoSuchMember: LookupError,
    NoAnswer: LookupError,
    UrlBuildError: LookupError,
}


def check_documented_bases(exc: PartylineException) -> None:
    for documented, builtin in BUILTIN_BASES.items():
        if isinstance(exc, documented):
            assert isinstance(exc, builtin), (type(exc), builtin)


@SETTINGS
@given(service=names, payload=st.one_of(url_payloads, payloads), data=st.data())
def test_asking_anything_raises_only_the_documented_partyline_exceptions(
    site: Site, service: t.Any, payload: t.Any, data: st.DataObject
) -> None:
    party = site.party
    member = data.draw(st.one_of(st.sampled_from(members(site)), names), label="member")
    asker = data.draw(st.sampled_from(members(site)), label="asker")
    operator = party.member(asker).operator
    asks: list[tuple[t.Callable[[], object], type[Exception] | None]] = [
        (lambda: party.ask_around(service, payload), expected_error(site, service)),
        (lambda: party.ask_first(service, payload), expected_error(site, service)),
        (lambda: party.ask(member, service, payload), expected_error(site, service, member)),
        (lambda: operator.ask_around(service, payload), expected_error(site, service)),
        (lambda: operator.ask_first(service, payload), expected_error(site, service)),
    ]
    for ask, expected in asks:
        try:
            answer = ask()
        except PartylineException as exc:
            check_documented_bases(exc)
            if expected is not None:
                assert type(exc) is expected, (type(exc), expected)
                # The message names what was wrong.
                assert repr(member if expected is NoSuchMember else service) in str(exc)
            continue
        assert expected is None, f"{expected.__name__} was not raised"
        if service == "ping":
            assert answer == "pong" or answer == ["pong"] * len(answer)


def fragment_of(anchor: str) -> str:
    """The ``#fragment`` Flask's ``url_for`` writes for ``anchor``."""
    return quote(anchor, safe="%!#$&'()*+,/:;=?@")


def check_url_shape(url: object, request: UrlRequest) -> None:
    """What every URL the party builds outside a request looks like.

    A relative URL (the site has no ``base_url``) rooted at ``/``, under the
    mount of a member that has the endpoint (the named member's, for
    ``member:endpoint``), ending with the anchor when one was asked for.
    """
    assert isinstance(url, str)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("", ""), url
    assert parts.path.startswith("/"), url
    target, _, _rest = request.endpoint.partition(":")
    if target in ROUTES:
        mounts = [ROUTES[target][0]]
    else:
        mounts = [
            mount
            for mount, rules in ROUTES.values()
            if any(e == request.endpoint for _rule, e in rules)
        ]
    assert any((parts.path + "/").startswith(mount + "/") for mount in mounts), (url, mounts)
    if request.anchor is not None:
        assert url.endswith("#" + fragment_of(request.anchor)), url
    else:
        assert "#" not in url, url


@SETTINGS
@given(payload=url_payloads, asker=st.one_of(st.none(), st.sampled_from(["shop", "flask"])))
def test_any_url_payload_answers_a_url_of_a_member_with_the_endpoint(
    site: Site, payload: t.Any, asker: str | None
) -> None:
    party = site.party
    operator = party.member(asker).operator if asker in members(site) else None
    for ask in (
        lambda: party.ask_around("url", payload, operator),
        lambda: [party.ask_first("url", payload, operator)],
    ):
        try:
            answers = ask()
        except PartylineException as exc:
            check_documented_bases(exc)
            continue
        request = UrlRequest.coerce(payload)  # it answered, so the payload is one
        for answer in answers:
            check_url_shape(answer, request)


@SETTINGS
@given(endpoint=endpoints, values=st.dictionaries(st.text(max_size=6), scalars, max_size=4))
def test_url_for_any_endpoint_builds_a_member_url_or_raises_a_documented_error(
    site: Site, endpoint: str, values: dict[str, t.Any]
) -> None:
    try:
        url = site.party.url_for(endpoint, **values)
    except PartylineException as exc:
        check_documented_bases(exc)
        return
    except (ValueError, TypeError) as exc:
        # A value the route's converter rejects (``id=""`` for ``<int:id>``):
        # the framework's own error, as its url_for raises it, reaches the
        # caller with the documented note naming the member and the service.
        assert any("'url' handler" in note and "of member" in note for note in exc.__notes__)
        return
    check_url_shape(url, UrlRequest.from_url_for(endpoint, dict(values)))


@pytest.fixture(scope="module")
def loose_members() -> t.Iterator[tuple[PartyMember, PartyMember]]:
    """Two members in no party, for parties that invite odd paths."""
    yield (
        PartyMember(WerkzeugApp("shop"), name="loose-shop"),  # type: ignore[arg-type]
        PartyMember(WerkzeugApp("blog"), name="loose-blog"),  # type: ignore[arg-type]
    )


invite_paths = st.one_of(
    st.text(max_size=30),
    st.text(max_size=30).map(lambda text: "/" + text),
    st.sampled_from(["/", "/__invite__/", "/blog/__invite__/", "/blog/__invite__", "//"]),
    st.integers(),
    st.none(),
    st.binary(max_size=6),
)


@SETTINGS
@given(invites=st.lists(invite_paths, max_size=3), lazy=st.booleans())
def test_inviting_any_paths_raises_only_partyline_exceptions(
    loose_members: tuple[PartyMember, PartyMember], invites: list[t.Any], lazy: bool
) -> None:
    shop, blog = loose_members
    app = DispatcherMiddleware(shop, {"/blog": blog})
    try:
        party = WSGIParty(app, invites=invites, lazy=lazy)
    except PartylineException:
        assert (shop.operator, blog.operator) == (None, None), "a failed party left a member"
        return
    with party:
        try:
            joined = party.members
        except PartylineException:
            return
        assert {m.name for m in joined} <= {"loose-shop", "loose-blog"}
    assert (shop.operator, blog.operator) == (None, None)


# -- the invite guard ---------------------------------------------------------------------------


@st.composite
def invite_spellings(draw: st.DrawFn) -> str:
    """A path with the invite segment in it, spelled as a client could send it.

    Other segments around it, 1-3 slashes before it, any case, and each
    character possibly percent-encoded once or twice.
    """
    spelled = []
    for char in INVITE_SEGMENT:
        how = draw(st.integers(0, 4))
        spelled.append(
            char.upper()
            if how == 1
            else f"%{ord(char):02X}"
            if how == 2
            else f"%25{ord(char):02X}"
            if how == 3
            else char
        )
    before = draw(st.lists(segments, max_size=3))
    after = draw(st.lists(segments, max_size=3))
    slashes = "/" * draw(st.integers(1, 3))
    trailing = draw(st.sampled_from(["", "/", "//"]))
    around = "".join("/" + s for s in after) + trailing
    return "".join("/" + s for s in before) + slashes + "".join(spelled) + around


INVITE_SEGMENT = INVITE_PATH.strip("/")
segments = st.text(
    st.characters(blacklist_characters="/\\%", blacklist_categories=["Cs"]), min_size=1, max_size=8
)


@SETTINGS
@given(path=invite_spellings(), method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "OPTIONS"]))
def test_an_invite_segment_anywhere_in_any_spelling_is_refused(
    site: Site, path: str, method: str
) -> None:
    environ = create_environ("/", method=method)
    environ["PATH_INFO"] = path
    _body, status, _headers = run_wsgi_app(site.party, environ, buffered=True)
    assert status == "404 Not Found", path


@SETTINGS
@given(
    # What a server can pass as PATH_INFO: latin-1 text without control characters.
    path=st.text(st.characters(max_codepoint=255, blacklist_categories=["Cc"]), max_size=40),
    method=st.sampled_from(["GET", "HEAD", "POST", "DELETE"]),
)
def test_any_request_path_is_answered_without_a_server_error(
    site: Site, path: str, method: str
) -> None:
    environ = create_environ("/", method=method)
    environ["PATH_INFO"] = path
    _body, status, _headers = run_wsgi_app(site.party, environ, buffered=True)
    assert status[:3].isdigit()
    assert int(status[:3]) < 500, path


# -- build -> match round trips ------------------------------------------------------------

#: Text a route value can hold: anything but "/" (Werkzeug's string converter
#: leaves "/" unquoted, so such a URL has more segments) and lone surrogates.
route_text = st.text(
    st.characters(blacklist_characters="/", blacklist_categories=["Cs"]), min_size=1, max_size=20
)
query_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)

#: (member, endpoint, strategy for the route's own values)
ROUTE_VALUES: list[tuple[str, str, st.SearchStrategy[dict[str, t.Any]]]] = [
    ("shop", "item", st.fixed_dictionaries({"id": st.integers(0, 10**12)})),
    ("blog", "post", st.fixed_dictionaries({"id": st.integers(0, 10**12)})),
    ("blog", "tag", st.fixed_dictionaries({"tag": route_text})),
    ("legacy", "report", st.fixed_dictionaries({"year": st.integers(0, 9999)})),
    ("shop", "index", st.just({})),
]
if "flask" in ROUTES:
    ROUTE_VALUES.append(("flask", "entry", st.fixed_dictionaries({"id": st.integers(0, 10**9)})))

#: Names of unused values; ``endpoint`` is url_for's own first parameter, as in Flask.
extra_keys = st.text(
    st.characters(whitelist_categories=["Ll", "Lu", "Nd"]), min_size=1, max_size=8
).filter(lambda key: key != "endpoint")
extra_values = st.one_of(query_text, st.integers(), st.lists(query_text, min_size=1, max_size=3))


@SETTINGS
@given(
    route=st.sampled_from(ROUTE_VALUES),
    data=st.data(),
    extra=st.dictionaries(extra_keys, extra_values, max_size=4),
    targeted=st.booleans(),
)
def test_a_built_url_routes_back_to_its_route_with_its_values(
    site: Site,
    route: tuple[str, str, st.SearchStrategy[dict[str, t.Any]]],
    data: st.DataObject,
    extra: dict[str, t.Any],
    targeted: bool,
) -> None:
    member, endpoint, route_values = route
    values = data.draw(route_values, label="route values")
    extra = {k: v for k, v in extra.items() if k not in values}
    name = f"{member}:{endpoint}" if targeted else endpoint
    if not targeted and any(
        e == endpoint for m, (_mount, rules) in ROUTES.items() if m != member for _r, e in rules
    ):
        name = f"{member}:{endpoint}"  # another member has this endpoint too
    url = site.party.url_for(name, **values, **extra)

    parts = urlsplit(url)
    mount = ROUTES[member][0]
    path = unquote(parts.path)
    assert path.startswith(mount + "/")
    adapter = make_map(member).bind("localhost")
    matched, args = adapter.match(path[len(mount) :], "GET")
    assert (matched, args) == (endpoint, values)
    # The member's own match service agrees: it claims the path, for that endpoint.
    claim = site.party.ask(member, "match", MatchRequest("GET", path[len(mount) :]))
    assert (claim.member, claim.endpoint, claim.allowed) == (member, endpoint, True)
    expected_query = {
        key: [str(v) for v in (value if isinstance(value, list) else [value])]
        for key, value in extra.items()
    }
    assert parse_qs(parts.query, keep_blank_values=True) == expected_query
