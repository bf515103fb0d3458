"""Invite paths are never reachable over HTTP, before or after bootstrap."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, create_environ, run_wsgi_app

from tests.apps import werkzeug_member
from wsgi_party import WSGIParty


class InviteEcho:
    """An app that would happily serve its invite path to anyone."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        if "partyline" in environ:
            environ["partyline"].connect("ping", lambda payload: "pong")
        self.hits.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"invite route reached"]


SPELLINGS = [
    "/__invite__/",
    "/__invite__",
    "//__invite__/",
    "/__INVITE__/",
    "/%5F%5Finvite%5F%5F/",
    "/%255F%255Finvite%255F%255F/",
    "/__invite__//",
    "/__invite__/extra",
]


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize("mount", ["", "/blog", "/blog//"])
@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "OPTIONS"])
def test_outside_requests_for_invite_paths_get_404(
    make_party: t.Callable[..., WSGIParty], lazy: bool, mount: str, spelling: str, method: str
) -> None:
    root, blog = InviteEcho(), InviteEcho()
    party = make_party(DispatcherMiddleware(root, {"/blog": blog}), lazy=lazy)
    before = len(root.hits) + len(blog.hits)
    # PATH_INFO is set as a server would pass it (a test client would read a
    # leading "//" as a host name).
    environ = create_environ("/", method=method)
    environ["PATH_INFO"] = mount.rstrip("/") + spelling
    _body, status, _headers = run_wsgi_app(party, environ, buffered=True)
    assert status.startswith("404")
    assert len(root.hits) + len(blog.hits) == before, "the app never saw the request"
    assert Client(party).get(mount + "/page").status_code == 200


def test_huge_paths_are_refused_quickly(make_party: t.Callable[..., WSGIParty]) -> None:
    party = make_party(DispatcherMiddleware(InviteEcho(), {}))
    client = Client(party)
    assert client.get("/" + "a/" * 50_000 + "__invite__/").status_code == 404
    assert client.get("/" + "a" * 100_000).status_code == 200


def test_head_of_an_invite_path_has_no_body(make_party: t.Callable[..., WSGIParty]) -> None:
    party = make_party(DispatcherMiddleware(werkzeug_member("Shop"), {}))
    response = Client(party).head("/__invite__/")
    assert response.status_code == 404
    assert response.get_data() == b""


def test_custom_invite_paths_are_guarded_too(make_party: t.Callable[..., WSGIParty]) -> None:
    app = InviteEcho()
    party = make_party(app, ("/join-party",))
    assert party.ask_around("ping", None) == ["pong"]
    client = Client(party)
    assert client.get("/join-party").status_code == 404
    assert client.get("/JOIN-PARTY/").status_code == 404
    for spelling in ("//join-party", "/join-party//", "/join%2Dparty", "\\join-party"):
        environ = create_environ("/")
        environ["PATH_INFO"] = spelling
        _body, status, _headers = run_wsgi_app(party, environ, buffered=True)
        assert status.startswith("404"), spelling
    assert client.get("/join").status_code == 200


def test_malformed_environ_without_path_info_passes_through(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    reached: list[dict[str, t.Any]] = []

    def needs_path_info(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        if "partyline" in environ:
            environ["partyline"].connect("ping", lambda payload: "pong")
            start_response("200 OK", [])
            return [b""]
        reached.append(dict(environ))
        return [environ["PATH_INFO"].encode()]  # the app itself needs PATH_INFO

    party = make_party(needs_path_info)
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "GET"}
    with pytest.raises(KeyError) as info:
        party(environ, lambda status, headers: statuses.append(status))
    # The middleware let the request through untouched; the app is what failed.
    assert reached == [{"REQUEST_METHOD": "GET"}]
    assert info.value.args == ("PATH_INFO",)
    assert info.traceback[-1].name == "needs_path_info"
    assert statuses == []


def test_the_partys_own_404_is_plain_text_with_its_length(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    party = make_party(DispatcherMiddleware(werkzeug_member("Shop"), {}))
    response = Client(party).get("/__invite__/")
    assert response.status == "404 Not Found"
    assert response.get_data() == b"404 Not Found\n"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == "14"
    assert "Allow" not in response.headers
