"""The app's lifespan, run on the member's event loop as an ASGI server runs it.

a2wsgi serves requests only; the member runs the lifespan protocol itself,
so that a FastAPI ``lifespan=`` (or Starlette ``on_startup``) opens what the
endpoints need before the first request and closes it with the party::

    lifespan = Lifespan(app, "api")
    state = await lifespan.startup()    # {} of lifespan state, None if unsupported
    ...                                 # each request's scope["state"] is a copy
    await lifespan.shutdown()

As uvicorn's ``--lifespan auto``: an app that raises on the lifespan scope
before answering it does not speak the protocol, and is served without.
"""

from __future__ import annotations

import asyncio
import logging
import typing as t

from wsgi_party import PartylineException

__all__ = ["Lifespan", "LifespanFailed"]

log = logging.getLogger("wsgi_party.starlette")

#: Seconds shutdown waits for the app to finish its lifespan.
SHUTDOWN_TIMEOUT = 5.0

_ENDED = "wsgi_party.lifespan.ended"


class LifespanFailed(PartylineException):
    """The app's lifespan startup failed: the member serves no request until it runs.

    .. versionadded:: 0.3
    """


class Lifespan:
    """The lifespan of ``app`` (an ASGI app), on the running event loop."""

    def __init__(self, app: t.Any, member: str) -> None:
        self.app = app
        self.member = member
        #: The lifespan state; each request's scope gets a copy.
        self.state: dict[str, t.Any] = {}
        self._to_app: asyncio.Queue[dict[str, t.Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, t.Any]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = False

    async def startup(self) -> dict[str, t.Any] | None:
        """Run the startup; the lifespan state, or ``None`` if the app has no lifespan.

        Raises :class:`LifespanFailed` when the app says its startup failed.
        """
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        scope["state"] = self.state
        self._task = asyncio.get_running_loop().create_task(self._run(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self._started = True
            return self.state
        if kind == "lifespan.startup.failed":
            # Starlette's message is the traceback: its last line says what failed.
            lines = str(message.get("message") or "").strip().splitlines()
            cause: BaseException | None = None
            try:  # the app raises on after saying so (Starlette does): chain it
                ended = await asyncio.wait_for(self._from_app.get(), SHUTDOWN_TIMEOUT)
                cause = ended.get("exception")
            except TimeoutError:
                pass  # it said why, and keeps running: nothing to chain
            raise LifespanFailed(
                f"the lifespan startup of member {self.member!r} failed:"
                f" {lines[-1] if lines else 'no reason given'}"
            ) from cause
        log.debug("the ASGI app of member %r does not speak lifespan: served without", self.member)
        return None

    async def shutdown(self) -> None:
        """Run the shutdown, if the startup completed; wait for it a bounded time."""
        if not self._started or self._to_app is None or self._from_app is None:
            return
        self._started = False
        await self._to_app.put({"type": "lifespan.shutdown"})
        try:
            message = await asyncio.wait_for(self._from_app.get(), SHUTDOWN_TIMEOUT)
        except TimeoutError:
            log.warning(
                "the lifespan shutdown of member %r did not end within %ss",
                self.member,
                SHUTDOWN_TIMEOUT,
            )
            return
        if message["type"] == "lifespan.shutdown.failed":
            log.error(
                "the lifespan shutdown of member %r failed: %s",
                self.member,
                message.get("message") or "no reason given",
            )

    async def _run(self, scope: dict[str, t.Any]) -> None:
        assert self._to_app is not None and self._from_app is not None
        try:
            await self.app(scope, self._to_app.get, self._from_app.put)
        except Exception as exc:
            if self._started:
                log.exception("the lifespan of member %r raised", self.member)
            await self._from_app.put({"type": _ENDED, "exception": exc})
        else:
            await self._from_app.put({"type": _ENDED})
