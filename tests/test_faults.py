"""Bad inputs fail clearly, and leave the party whole.

One table (:data:`FAULTS`) of bad inputs: each names the exception it must
raise (or ``None`` when the input is answered, not an error) and the message
fragments that say what was wrong and where. For every row the test then
proves that nothing was left half-joined: the party's members and handlers
are what they were, a normal request is still served, and the same app
objects join a new party.
"""

from __future__ import annotations

import threading
import typing as t
from dataclasses import dataclass, field

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, create_environ, run_wsgi_app

from tests.sites.party_site import INVITES, ROUTES, Site, build_site, expected_urls
from wsgi_party import (
    INVITE_PATH,
    HighAndDry,
    InvalidServiceName,
    InvitationError,
    MemberUnavailable,
    NoSuchMember,
    PartyClosed,
    PartylineException,
    PartylineOperator,
    PartyMember,
    RecursiveAsk,
    UrlBuildError,
    UrlRequest,
    WSGIParty,
    standard_handlers,
    url_handler,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MEMBERS = sorted(ROUTES)


# -- apps that misbehave on purpose ------------------------------------------------------


class InviteApp:
    """A WSGI app with an invite route that joins as ``name`` and calls ``connect``.

    Everything else answers 404, as an app without such a page would.
    """

    def __init__(self, name: str, connect: t.Callable[[PartylineOperator], None]) -> None:
        self.name = name
        self.connect = connect

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        operator = environ.get("partyline")
        if isinstance(operator, PartylineOperator) and environ["PATH_INFO"] == INVITE_PATH:
            if operator.join(self, name=self.name):
                self.connect(operator)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"joined"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not here"]


def answering(status: str) -> WSGIApplication:
    """An app that answers every request, its invitation included, with ``status``."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain")])
        return [status.encode()]

    return app


def raising_on_invite(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    raise ValueError("the database is down")


def bomb() -> PartyMember:
    """A member whose ``explode`` service raises."""

    def explode(payload: object) -> object:
        raise KeyError("fuse")

    return PartyMember(answering("200 OK"), name="bomb", services={"explode": explode})


def odd_url_builder() -> InviteApp:
    """A member whose URL builder returns an int instead of a path."""

    def connect(operator: PartylineOperator) -> None:
        operator.connect("url", url_handler(operator, lambda endpoint, values, method: 42))

    return InviteApp("odd", connect)


def plain_url_builder() -> InviteApp:
    """A member that builds ``/thing`` and leaves unused values to the core's encoder."""

    def connect(operator: PartylineOperator) -> None:
        def build(endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
            if endpoint != "thing":
                raise HighAndDry(f"no endpoint {endpoint!r}")
            return "/thing"

        operator.connect("url", url_handler(operator, build))
        standard_handlers(operator)

    return InviteApp("plain", connect)


def looping(name: str, through_party: bool) -> InviteApp:
    """A member whose ``loop`` handler asks ``loop`` again (a re-entrant ask loop).

    Through the party it reaches itself; through its operator it skips itself
    and reaches the other looping member, which asks back.
    """

    def connect(operator: PartylineOperator) -> None:
        def loop(payload: object) -> object:
            if through_party:
                return operator.partyline.ask_around("loop", payload)
            return operator.ask_first("loop", payload)

        operator.connect("loop", loop)

    return InviteApp(name, connect)


class Unprintable:
    """A URL value whose ``str()`` raises."""

    def __str__(self) -> str:
        raise ZeroDivisionError("no text for this value")


# -- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One bad input.

    ``act`` does the bad thing to ``party`` (built over the site plus
    ``extra`` mounts). ``error`` is the exception it must raise, ``None`` if
    the input is handled without one; ``fragments`` must appear in the
    exception's message and notes, or in what ``act`` returned.
    ``at_bootstrap``: the party has not bootstrapped before ``act``.
    """

    act: t.Callable[[WSGIParty], object]
    error: type[BaseException] | None
    fragments: tuple[str, ...]
    extra: t.Callable[[Site], dict[str, WSGIApplication]] = field(default=lambda site: {})
    at_bootstrap: bool = False
    closes: bool = False


def bootstrap(party: WSGIParty) -> object:
    return party.members


def declined_reason(path: str) -> t.Callable[[WSGIParty], object]:
    def act(party: WSGIParty) -> object:
        (reason,) = [d.reason for d in party.declined if d.path == path]
        return reason

    return act


def close_then(act: t.Callable[[WSGIParty], object]) -> t.Callable[[WSGIParty], object]:
    def closing(party: WSGIParty) -> object:
        party.close()
        return act(party)

    return closing


def blog_operator_closed_then(
    act: t.Callable[[PartylineOperator], object],
) -> t.Callable[[WSGIParty], object]:
    def closing(party: WSGIParty) -> object:
        operator = party.member("blog").operator
        party.close()
        return act(operator)

    return closing


def request_status(
    environ_change: t.Callable[[dict[str, t.Any]], None], path: str
) -> t.Callable[[WSGIParty], object]:
    def act(party: WSGIParty) -> object:
        environ = create_environ(path)
        environ_change(environ)
        body, status, _headers = run_wsgi_app(party, environ, buffered=True)
        return f"{status} {b''.join(body).decode()}"

    return act


def drop(*keys: str) -> t.Callable[[dict[str, t.Any]], None]:
    def change(environ: dict[str, t.Any]) -> None:
        for key in keys:
            del environ[key]

    return change


FAULTS = [
    # -- invitations ----------------------------------------------------------------
    pytest.param(
        Fault(
            declined_reason("/bad/__invite__/"),
            None,
            ("404",),
            lambda site: {"/bad": answering("404 Not Found")},
            at_bootstrap=True,
        ),
        id="invite-404-is-declined",
    ),
    pytest.param(
        Fault(
            declined_reason("/bad/__invite__/"),
            None,
            ("'200 OK'", "connected no handler"),
            lambda site: {"/bad": answering("200 OK")},
            at_bootstrap=True,
        ),
        id="invite-connects-nothing-is-declined",
    ),
    # A lazy party leaves a broken app out; the others join and serve.
    pytest.param(
        Fault(
            declined_reason("/bad/__invite__/"),
            None,
            ("member 'bad' failed to join", "answered '500"),
            lambda site: {"/bad": answering("500 Internal Server Error")},
            at_bootstrap=True,
        ),
        id="invite-answers-500-is-left-out",
    ),
    pytest.param(
        Fault(
            declined_reason("/bad/__invite__/"),
            None,
            ("member 'bad' failed to join", "raised ValueError: the database is down"),
            lambda site: {"/bad": raising_on_invite},
            at_bootstrap=True,
        ),
        id="invite-raises-is-left-out",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("bad:index"),
            MemberUnavailable,
            (
                "member 'bad' is not in the party",
                "'/bad/__invite__/'",
                "raised ValueError: the database is down",
            ),
            lambda site: {"/bad": raising_on_invite},
        ),
        id="asking-a-member-whose-invite-raised",
    ),
    pytest.param(
        Fault(
            bootstrap,
            InvitationError,
            ("'/again/__invite__/'", "'/blog/__invite__/'", "already joined this party"),
            lambda site: {"/again": site.members["blog"]},
            at_bootstrap=True,
        ),
        id="app-mounted-twice",
    ),
    pytest.param(
        Fault(
            bootstrap,
            InvitationError,
            ("two members are named 'blog'", "'/blog/__invite__/'", "'/other/__invite__/'"),
            lambda site: {"/other": PartyMember(answering("200 OK"), name="blog")},
            at_bootstrap=True,
        ),
        id="two-members-one-name",
    ),
    # -- handlers ---------------------------------------------------------------------
    pytest.param(
        Fault(
            lambda party: party.ask_around("explode", None),
            KeyError,
            ("fuse", "'explode'", "member 'bomb'"),
            lambda site: {"/bomb": bomb()},
        ),
        id="handler-raises-ask-around",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask("bomb", "explode", None),
            KeyError,
            ("fuse", "'explode'", "member 'bomb'"),
            lambda site: {"/bomb": bomb()},
        ),
        id="handler-raises-targeted-ask",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("odd:thing"),
            PartylineException,
            ("member 'odd'", "returned int", "'thing'"),
            lambda site: {"/odd": odd_url_builder()},
        ),
        id="url-builder-returns-non-string",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_around("loop", None),
            RecursiveAsk,
            ("'loop'", "recursed without end"),
            lambda site: {"/loop": looping("loop", through_party=True)},
        ),
        id="handler-asks-itself-forever",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_first("loop", None),
            RecursiveAsk,
            ("'loop'", "recursed without end"),
            lambda site: {
                "/ping": looping("ping", through_party=False),
                "/pong": looping("pong", through_party=False),
            },
        ),
        id="two-members-ask-each-other-forever",
    ),
    # -- closed -------------------------------------------------------------------------
    pytest.param(
        Fault(
            close_then(lambda party: party.ask_around("ping", None)),
            PartyClosed,
            ("closed",),
            closes=True,
        ),
        id="ask-closed-party",
    ),
    pytest.param(
        Fault(
            close_then(lambda party: party.url_for("blog:post", id=1)),
            PartyClosed,
            ("closed",),
            closes=True,
        ),
        id="url-for-closed-party",
    ),
    pytest.param(
        Fault(
            blog_operator_closed_then(lambda op: op.ask_around("ping", None)),
            PartyClosed,
            ("closed",),
            closes=True,
        ),
        id="ask-through-closed-operator",
    ),
    pytest.param(
        Fault(
            blog_operator_closed_then(lambda op: op.connect("late", lambda payload: None)),
            PartyClosed,
            ("operator of member 'blog' is closed",),
            closes=True,
        ),
        id="connect-through-closed-operator",
    ),
    # -- service names -------------------------------------------------------------------
    pytest.param(
        Fault(
            lambda party: party.ask_around(["ping"], None),
            InvalidServiceName,
            ("['ping']", "non-empty string"),
        ),
        id="ask-around-unhashable-name",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_around("", None), InvalidServiceName, ("''", "non-empty string")
        ),
        id="ask-around-empty-name",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_first({"ping": 1}, None),
            InvalidServiceName,
            ("{'ping': 1}", "non-empty string"),
        ),
        id="ask-first-unhashable-name",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask("blog", ["ping"], None),
            InvalidServiceName,
            ("['ping']", "non-empty string"),
        ),
        id="targeted-ask-unhashable-name",
    ),
    pytest.param(
        Fault(lambda party: party.ask(["blog"], "ping", None), NoSuchMember, ("['blog']",)),
        id="targeted-ask-unhashable-member",
    ),
    # -- URL requests ---------------------------------------------------------------------
    pytest.param(
        Fault(
            lambda party: party.build_url(UrlRequest(42)),
            PartylineException,
            ("endpoint must be a non-empty string", "42"),
        ),
        id="url-request-endpoint-not-a-string",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_first("url", (None, {})),
            PartylineException,
            ("endpoint must be a non-empty string", "None"),
        ),
        id="url-payload-tuple-endpoint-not-a-string",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_first("url", ("index", 5)),
            PartylineException,
            ("'index'", "values"),
        ),
        id="url-payload-tuple-values-not-a-mapping",
    ),
    pytest.param(
        Fault(
            lambda party: party.ask_first("url", {"name": "index", "kwargs": [1]}),
            PartylineException,
            ("'index'", "values"),
        ),
        id="url-payload-dict-kwargs-not-a-mapping",
    ),
    pytest.param(
        Fault(
            lambda party: party.build_url(UrlRequest("index", {1: "x"})),
            PartylineException,
            ("'index'", "1"),
        ),
        id="url-values-key-not-a-string",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("nobody:item", id=1),
            UrlBuildError,
            ("'nobody:item'", "'shop'", "'blog'", "'legacy'"),
        ),
        id="url-unknown-member-prefix",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("plain:thing", page="\udcff"),
            PartylineException,
            ("'page'", "member 'plain'", "'thing'"),
            lambda site: {"/plain": plain_url_builder()},
        ),
        id="url-value-lone-surrogate-core-encoder",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("blog:post", id=1, page="\udcff"),
            PartylineException,
            ("member 'blog'", "'post'"),
        ),
        id="url-value-lone-surrogate-werkzeug",
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("flask:entry", id=1, lang="\udcff"),
            PartylineException,
            ("member 'flask'", "'entry'", "'lang'"),
        ),
        id="url-value-lone-surrogate-flask",
        marks=pytest.mark.skipif("flask" not in ROUTES, reason="Flask is not installed"),
    ),
    pytest.param(
        Fault(
            lambda party: party.url_for("blog:post", id=1, page=Unprintable()),
            ZeroDivisionError,
            ("no text for this value", "'url'", "member 'blog'"),
        ),
        id="url-value-str-raises",
    ),
    # -- malformed environ: answered, not an error ---------------------------------------
    pytest.param(
        Fault(request_status(drop("PATH_INFO"), "/"), None, ("308",)),
        id="environ-without-path-info",
    ),
    pytest.param(
        Fault(
            request_status(drop("SCRIPT_NAME"), "/blog/post/3"),
            None,
            ("200", "blog:post:[('id', 3)]"),
        ),
        id="environ-without-script-name",
    ),
    pytest.param(
        Fault(request_status(drop("PATH_INFO", "SCRIPT_NAME"), "/"), None, ("308",)),
        id="environ-without-either",
    ),
]


def text_of(exc: BaseException) -> str:
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


def state(party: WSGIParty) -> tuple[object, ...]:
    """What must not change: the members, and the handlers of every service."""
    members = [(m.name, m.script_name, m.services, id(m.operator)) for m in party.members]
    handlers = {name: list(hs) for name, hs in party.handlers.items()}
    return members, handlers


def serves_a_page(party: WSGIParty) -> None:
    """A normal request through ``party`` answers 200 with the right URLs."""
    response = Client(party).get("/legacy/page?n=7")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None
    assert response.json["urls"] == expected_urls(7)


@pytest.fixture
def site() -> t.Iterator[Site]:
    site = build_site(lazy=True)
    yield site
    site.party.close()


@pytest.mark.parametrize("fault", FAULTS)
def test_bad_input_fails_clearly_and_leaves_the_party_whole(site: Site, fault: Fault) -> None:
    extra = fault.extra(site)
    party = site.party
    if extra:
        site.party.close()
        party = WSGIParty(DispatcherMiddleware(site.dispatcher, extra), lazy=True)
    try:
        if fault.at_bootstrap:
            before: tuple[object, ...] = ({},)
        else:
            before = state(party)
        if fault.error is None:
            text = str(fault.act(party))
        else:
            with pytest.raises(fault.error) as raised:
                fault.act(party)
            text = text_of(raised.value)
        for fragment in fault.fragments:
            assert fragment in text
        if fault.closes:
            assert party.closed
            assert (party.members, party.handlers) == ((), {})
        elif fault.at_bootstrap and fault.error is not None:
            # Nothing was admitted; trying again fails the same way.
            assert (party.handlers,) == before
            with pytest.raises(fault.error) as again:
                party.members  # noqa: B018 - the property bootstraps
            assert text_of(again.value) == text
        elif fault.at_bootstrap:
            assert sorted(m.name for m in party.members) == MEMBERS
            serves_a_page(party)
        else:
            assert state(party) == before
            serves_a_page(party)
    finally:
        party.close()
    # The same app objects join a new party, and it serves.
    with site.new_party() as fresh:
        assert sorted(m.name for m in fresh.members) == MEMBERS
        serves_a_page(fresh)
    for mount, app in extra.items():
        if isinstance(app, PartyMember) and app not in site.members.values():
            with WSGIParty(DispatcherMiddleware(answering("404 Not Found"), {mount: app})) as alone:
                assert [m.script_name for m in alone.members] == [mount]


# -- outside requests for invite paths --------------------------------------------------

SPELLINGS = [
    "/__invite__/",
    "/__invite__",
    "/__invite__//",
    "//__invite__/",
    "/__INVITE__/",
    "/__Invite__",
    "/%5F%5Finvite%5F%5F/",
    "/%5f%5fINVITE%5f%5f",
    "/%255F%255Finvite%255F%255F/",
    "/%25255F%25255Finvite__/",
    "/%2F__invite__%2F",
    "\\__invite__\\",
    "/__invite__/../page",
    "/__invite__/" + "x" * 100_000,
    "/" * 100_000 + "__invite__/",
]


@pytest.mark.parametrize("lazy", [True, False], ids=["before-bootstrap", "after-bootstrap"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "OPTIONS", "DELETE"])
@pytest.mark.parametrize(
    "spelling", SPELLINGS, ids=[s if len(s) < 40 else f"{s[:12]}...{len(s)}" for s in SPELLINGS]
)
def test_outside_requests_for_invite_paths_get_the_middlewares_404(
    lazy: bool, method: str, spelling: str
) -> None:
    site = build_site(lazy=lazy)
    with site.party as party:
        invitations = INVITES.count
        for mount in ["", "/blog", "/BLOG", "/legacy", "/legacy/", "/nowhere"]:
            environ = create_environ("/", method=method)
            environ["PATH_INFO"] = mount + spelling
            body, status, headers = run_wsgi_app(party, environ, buffered=True)
            assert status == "404 Not Found", (mount, status)
            assert b"".join(body) == (b"" if method == "HEAD" else b"404 Not Found\n")
            assert dict(headers)["Content-Type"] == "text/plain; charset=utf-8"
        assert INVITES.count == invitations, "an outside request never bootstraps or invites"
        serves_a_page(party)


# -- concurrency ---------------------------------------------------------------------------


def test_requests_arriving_during_a_lazy_bootstrap_wait_for_it() -> None:
    """Threads that arrive while another bootstraps are served by the full party."""
    site = build_site(lazy=True, invite_delay=0.02)
    with site.party as party:
        barrier = threading.Barrier(12)
        statuses: list[int] = []
        urls: list[bool] = []
        errors: list[BaseException] = []

        def visit(n: int) -> None:
            try:
                barrier.wait(timeout=10)
                response = Client(party).get(f"/blog/page?n={n}")
                statuses.append(response.status_code)
                urls.append(response.json is not None and response.json["urls"] == expected_urls(n))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        invitations = INVITES.count
        threads = [threading.Thread(target=visit, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert statuses == [200] * 12
        assert all(urls)
        assert INVITES.count - invitations == len(MEMBERS)
