"""Core benchmarks: pass-through, broadcast ask, targeted ask, bootstrap.

Run with ``python -m benchmarks.bench_core``. Every line is a ratio measured
side by side in this process; nothing here fails.
"""

from __future__ import annotations

import typing as t

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ

from benchmarks.harness import compare, measure_once
from wsgi_party import HighAndDry, PartylineOperator, WSGIParty


def _trivial(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"ok"]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
    return None


def pass_through() -> None:
    """A request through WSGIParty(dispatcher) vs the bare dispatcher.

    The party dispatches a plain ``DispatcherMiddleware`` in its own frame,
    so the first line can come out below the cost of any wrapper. The second
    line shows the wrapper's whole cost: the party around one app that it
    cannot dispatch for, vs that app called directly.
    """
    bare = DispatcherMiddleware(_trivial, {"/blog": _trivial})
    party = WSGIParty(DispatcherMiddleware(_trivial, {"/blog": _trivial}), ())
    lone = WSGIParty(_trivial, ())
    template = create_environ("/blog/post/3")

    def via(app: t.Callable[..., t.Any]) -> t.Callable[[], object]:
        def call() -> object:
            environ = template.copy()
            return app(environ, _start_response)

        return call

    for label, subject, baseline, note in (
        ("pass-through: WSGIParty(dispatcher) vs dispatcher", party, bare, "target ≤ 100 ns"),
        ("pass-through: WSGIParty(app) vs app (no dispatcher)", lone, _trivial, "for reference"),
    ):
        result = compare(label, via(subject), via(baseline))
        print(
            f"{'':58} added cost {result.subject_ns - result.baseline_ns:+.0f} ns per request "
            f"({note})"
        )
    party.close()
    lone.close()


def flask_pass_through() -> None:
    """A minimal Flask request with and without the party around it."""
    try:
        import flask
    except ImportError:  # pragma: no cover
        print("flask not installed: skipped minimal Flask pass-through")
        return
    app = flask.Flask("bench")

    @app.route("/")
    def index() -> str:
        return "ok"

    bare = DispatcherMiddleware(app)
    party = WSGIParty(DispatcherMiddleware(app), ())
    template = create_environ("/")

    def via(wsgi: t.Callable[..., t.Any]) -> t.Callable[[], object]:
        def call() -> object:
            body = wsgi(template.copy(), _start_response)
            for _ in body:
                pass
            getattr(body, "close", lambda: None)()
            return body

        return call

    compare(
        "pass-through: minimal Flask request, party vs bare", via(party), via(bare), target=1.01
    )
    party.close()


def _handlers(count: int) -> list[t.Callable[[t.Any], t.Any]]:
    def make(index: int) -> t.Callable[[t.Any], t.Any]:
        def handler(payload: t.Any) -> t.Any:
            return payload

        return handler

    return [make(i) for i in range(count)]


def broadcast_ask() -> None:
    """ask_around to 10 handlers vs a plain loop over the same 10 handlers."""
    handlers = _handlers(10)
    party = WSGIParty(_trivial, ())
    for handler in handlers:
        party.connect("svc", handler)
    operator = PartylineOperator(party)

    def loop(service_name: str, payload: t.Any) -> list[t.Any]:
        answers = []
        for handler in handlers:
            try:
                answers.append(handler(payload))
            except HighAndDry:
                continue
        return answers

    # Both sides are called the same way: one call with the service name and
    # the payload, from a lambda.
    def floor() -> list[t.Any]:
        return loop("svc", 1)

    ask = party.ask_around
    compare(
        "ask_around 10 handlers vs plain loop (floor)", lambda: ask("svc", 1), floor, target=1.1
    )
    compare(
        "ask_around through an operator vs plain loop",
        lambda: ask("svc", 1, operator),
        floor,
        target=1.1,
    )

    try:
        import blinker
    except ImportError:  # pragma: no cover
        blinker = None
    if blinker is not None:
        signal = blinker.Signal()
        receivers = [(lambda sender, _h=h: _h(sender)) for h in handlers]
        for receiver in receivers:
            signal.connect(receiver)
        compare("  blinker Signal.send, 10 receivers vs plain loop", lambda: signal.send(1), floor)

    try:
        import pluggy
    except ImportError:  # pragma: no cover
        pluggy = None
    if pluggy is not None:
        spec = pluggy.HookspecMarker("bench")
        impl = pluggy.HookimplMarker("bench")

        class Spec:
            @spec
            def svc(self, payload: t.Any) -> t.Any: ...

        manager = pluggy.PluginManager("bench")
        manager.add_hookspecs(Spec)
        for handler in handlers:

            class Plugin:
                @impl
                def svc(self, payload: t.Any, _h: t.Any = handler) -> t.Any:
                    return _h(payload)

            manager.register(Plugin())
        hook = manager.hook.svc
        compare("  pluggy hook, 10 implementations vs plain loop", lambda: hook(payload=1), floor)
    party.close()


def _party_of(size: int) -> WSGIParty:
    def member(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        operator = environ.get("partyline")
        if operator is not None:
            operator.connect("svc", lambda payload: payload)
        start_response("200 OK", [])
        return []

    apps = {f"/m{i}": member for i in range(1, size)}
    return WSGIParty(DispatcherMiddleware(member, apps), ignore_missing_services=True)


def targeted_ask() -> None:
    """ask(member) in a party of 100 vs a party of 1."""
    big, small = _party_of(100), _party_of(1)
    assert len(big.members) == 100 and len(small.members) == 1
    compare(
        "targeted ask: party of 100 vs party of 1",
        lambda: big.ask("m57", "svc", 1),
        lambda: small.ask("root", "svc", 1),
        target=1.1,
    )
    big.close()
    small.close()


def bootstrap() -> None:
    """Time to invite 100 members."""
    seconds = measure_once(lambda: _party_of(100).close())
    print(f"{'bootstrap: invite 100 members':<58} {seconds * 1000:10.1f} ms   (target ≤ 100 ms)")


def main() -> None:
    pass_through()
    flask_pass_through()
    broadcast_ask()
    targeted_ask()
    bootstrap()


if __name__ == "__main__":
    main()
