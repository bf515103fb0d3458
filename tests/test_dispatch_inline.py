"""A DispatcherMiddleware wrapped in a party dispatches as it does alone.

For any mounts and any path, the app reached and the ``SCRIPT_NAME`` and
``PATH_INFO`` it sees are what werkzeug's own ``DispatcherMiddleware`` gives
without the party: the party only adds its invite-path guard in front.
"""

from __future__ import annotations

import typing as t

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, create_environ

from wsgi_party import WSGIParty


def _recorder(name: str) -> t.Callable[..., list[bytes]]:
    """A WSGI app answering with its name and the SCRIPT_NAME/PATH_INFO it saw."""

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name}|{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    return app


def _seen(app: t.Any, path: str | None, script_name: str = "") -> str:
    environ = create_environ("/", environ_overrides={"SCRIPT_NAME": script_name})
    if path is None:
        del environ["PATH_INFO"]
    else:
        environ["PATH_INFO"] = path
    body = app(environ, lambda status, headers, exc_info=None: None)
    return b"".join(body).decode()


segment = st.text(alphabet="ab-.~é", min_size=0, max_size=3)
mount = st.lists(segment.filter(bool), min_size=1, max_size=3).map(
    lambda s: "/" + "/".join(s)
) | st.sampled_from(["", "x"])  # werkzeug accepts keys without a leading slash too
path = st.lists(segment, min_size=0, max_size=5).map(lambda s: "".join("/" + x for x in s))


@settings(max_examples=300, deadline=None)
@given(
    mounts=st.lists(mount, max_size=4, unique=True),
    path=path | st.sampled_from(["", "x", "/", "//", "/a//b/"]),
    script_name=st.sampled_from(["", "/outer", "/outer/"]),
)
def test_same_app_script_name_and_path_info_as_werkzeug(
    mounts: list[str], path: str, script_name: str
) -> None:
    # A mount's path may extend another's ("/a" and "/a/b"): the longest wins.
    apps = {m: _recorder(m) for m in mounts}
    bare = DispatcherMiddleware(_recorder("root"), dict(apps))
    party = WSGIParty(DispatcherMiddleware(_recorder("root"), dict(apps)), ())
    try:
        assert _seen(party, path, script_name) == _seen(bare, path, script_name)
    finally:
        party.close()


def test_missing_path_info_goes_to_the_root_app() -> None:
    bare = DispatcherMiddleware(_recorder("root"), {"/blog": _recorder("blog")})
    wrapped = DispatcherMiddleware(_recorder("root"), {"/blog": _recorder("blog")})
    with WSGIParty(wrapped, ()) as party:
        assert _seen(party, None) == _seen(bare, None) == "root||"


def test_changes_to_the_dispatcher_after_wrapping_take_effect() -> None:
    dispatcher = DispatcherMiddleware(_recorder("root"), {})
    with WSGIParty(dispatcher, ()) as party:
        assert _seen(party, "/blog/post/1") == "root||/blog/post/1"
        dispatcher.mounts["/blog"] = _recorder("blog")
        assert _seen(party, "/blog/post/1") == "blog|/blog|/post/1"
        dispatcher.app = _recorder("new root")
        assert _seen(party, "/about") == "new root||/about"


def test_a_dispatcher_subclass_is_called_as_it_is() -> None:
    calls: list[str] = []

    class Logged(DispatcherMiddleware):
        def __call__(self, environ: t.Any, start_response: t.Any) -> t.Any:
            calls.append(environ["PATH_INFO"])
            return super().__call__(environ, start_response)

    with WSGIParty(Logged(_recorder("root"), {"/blog": _recorder("blog")}), ()) as party:
        assert _seen(party, "/blog/x") == "blog|/blog|/x"
    assert calls == ["/blog/x"]


def test_replacing_the_application_replaces_the_dispatch() -> None:
    with WSGIParty(DispatcherMiddleware(_recorder("old"), {}), ()) as party:
        party.application = _recorder("plain app")
        assert _seen(party, "/blog/x") == "plain app||/blog/x"
        party.application = DispatcherMiddleware(_recorder("root"), {"/blog": _recorder("blog")})
        assert _seen(party, "/blog/x") == "blog|/blog|/x"


def test_invite_paths_are_still_refused_before_dispatch() -> None:
    dispatcher = DispatcherMiddleware(_recorder("root"), {"/blog": _recorder("blog")})
    with WSGIParty(dispatcher) as party:
        client = Client(party)
        assert client.get("/blog/__invite__/").status_code == 404
        assert client.get("/blog/post").get_data(as_text=True) == "blog|/blog|/post"
