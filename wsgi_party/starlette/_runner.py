"""The ASGI side of a member: its event loop thread, and the request scope in it.

a2wsgi's :class:`~a2wsgi.ASGIMiddleware` runs the app on an event loop in a
thread of its own, so nothing bound in the WSGI server's thread reaches the
app. The member hands its request over explicitly instead: the WSGI side
puts the member's operator in the environ (:data:`OPERATOR_KEY`), a2wsgi
carries the environ into the ASGI scope (``scope["wsgi_environ"]``, as it
documents), and :class:`BindScope` binds the request scope for the app's
task::

    runner = LoopRunner(BindScope(app, "api"))
    environ[OPERATOR_KEY] = operator        # the WSGI side
    body = runner(environ, start_response)  # the app runs on the runner's loop
    runner.close()                          # loop stopped, thread joined

The scope is a context variable set inside the task, so it is the task's
own: Starlette's thread pool (``def`` endpoints and dependencies) copies it
with the task's context, and concurrent requests never see each other's.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextvars
import logging
import os
import threading
import typing as t
import weakref

from a2wsgi import ASGIMiddleware

from wsgi_party import PartylineOperator
from wsgi_party.integration import RequestScope, enter_scope, unbind_request

from ._lifespan import Lifespan

if t.TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    Scope = MutableMapping[str, t.Any]
    Receive = t.Callable[[], t.Awaitable[MutableMapping[str, t.Any]]]
    Send = t.Callable[[MutableMapping[str, t.Any]], t.Awaitable[None]]
    ASGIApp = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]

__all__ = ["MEMBER_KEY", "OPERATOR_KEY", "SCOPE_KEY", "BindScope", "LoopRunner", "scope_of"]

log = logging.getLogger("wsgi_party.starlette")

#: The environ key of the operator of the member a request is for.
OPERATOR_KEY = "wsgi_party.operator"
#: The ASGI scope key of the request's :class:`~wsgi_party.RequestScope`.
SCOPE_KEY = "wsgi_party"
#: The environ key of the app's task for the request.
TASK_KEY = "wsgi_party.task"
#: The ASGI scope key of the member serving the request.
MEMBER_KEY = "wsgi_party.member"


class Named(t.Protocol):
    """A member, as the ASGI side knows it."""

    def joined_name(self) -> str | None: ...


_T = t.TypeVar("_T")

#: Seconds close() waits for the loop's thread to end.
_STOP_TIMEOUT = 5.0


def scope_of(asgi_scope: t.Mapping[str, t.Any]) -> RequestScope | None:
    """The party's request scope carried in an ASGI scope, if any."""
    found = asgi_scope.get(SCOPE_KEY)
    return found if isinstance(found, RequestScope) else None


class BindScope:
    """ASGI middleware: bind the WSGI request's scope for the app's task.

    Keeps the member in ``scope["wsgi_party.member"]``; reads the member's
    operator from the WSGI environ a2wsgi carries, keeps the request scope
    in ``scope["wsgi_party"]`` (for helpers given a ``Request``) and binds
    it as the current scope while the app runs.
    Anything the app raises is logged naming the member, then raised on (so
    a2wsgi answers 500 when no response was sent yet).
    """

    def __init__(self, app: ASGIApp, member: Named) -> None:
        #: The member's ASGI app.
        self.app = app
        #: The member serving it.
        self.member = member

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[MEMBER_KEY] = self.member
        environ: dict[str, t.Any] | None = scope.get("wsgi_environ")
        operator = environ.get(OPERATOR_KEY) if environ is not None else None
        if environ is None or not isinstance(operator, PartylineOperator):
            await self._run(scope, receive, send)
            return
        request_scope = RequestScope(operator, environ)
        scope[SCOPE_KEY] = request_scope
        token = enter_scope(request_scope)
        try:
            await self._run(scope, receive, send)
        finally:
            # Tolerant of a coroutine closed outside its task (a response the
            # server abandoned): the task's context goes with it anyway.
            unbind_request(token)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        environ = scope.get("wsgi_environ")
        if environ is not None:
            # For the WSGI side: a body closed before its end cancels the task.
            environ[TASK_KEY] = asyncio.current_task()
        try:
            await self.app(scope, receive, send)
        except Exception:
            if scope.get("type") == "lifespan":
                raise  # the runner's Lifespan decides (an app may not speak it)
            name = self.member.joined_name()
            log.exception(
                "the ASGI app of %s raised on %s %s",
                f"member {name!r}" if name is not None else f"{self.member!r} (in no party)",
                scope.get("method", scope.get("type")),
                scope.get("path"),
            )
            raise


class LoopRunner:
    """The app served through a2wsgi on an event loop thread this object owns.

    The loop and its thread start with the first request (never in a
    process that only imports or bootstraps the party, so a prefork server
    forks no thread) and again in a forked child; :meth:`close` (also at
    the process's exit) cancels what still runs, stops the loop and joins
    the thread. After :meth:`close` the next request starts them again.
    """

    def __init__(self, app: ASGIApp, *, member: Named, wait_time: float | None = None) -> None:
        #: The ASGI app served.
        self.app = app
        #: The member it serves.
        self.member = member
        #: How long a2wsgi waits for background tasks after a response.
        self.wait_time = wait_time
        self._lock = threading.Lock()
        # Apart from _lock, which is held while the lifespan starts up.
        self._pool_lock = threading.Lock()
        self._middleware: ASGIMiddleware | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._lifespan: Lifespan | None = None
        self._state: dict[str, t.Any] | None = None
        # A forked child has the loop object but not its thread: start afresh.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forget(ref))
        # A process that ends without closing the party (a server's worker)
        # still runs the lifespan shutdown and ends the app's tasks.
        atexit.register(_close, ref)

    def __repr__(self) -> str:
        running = self._thread is not None and self._thread.is_alive()
        return f"<LoopRunner {'running' if running else 'stopped'}>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The running event loop, else ``None``."""
        return self._loop

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        middleware = self._middleware
        if middleware is None:
            middleware = self._start()
        body = middleware(environ, start_response)  # type: ignore[arg-type]
        return _Body(body, environ, middleware.loop)

    def _start(self) -> ASGIMiddleware:
        with self._lock:
            if self._middleware is not None:
                return self._middleware
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="wsgi_party.starlette loop", daemon=True
            )
            thread.start()
            lifespan = Lifespan(self.app, str(self.member.joined_name()))
            try:
                self._state = asyncio.run_coroutine_threadsafe(lifespan.startup(), loop).result()
            except BaseException:
                _stop(loop, thread)
                raise
            self._loop, self._thread, self._lifespan = loop, thread, lifespan
            self._middleware = ASGIMiddleware(self._serve, wait_time=self.wait_time, loop=loop)  # type: ignore[arg-type]
            return self._middleware

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self._state
        if state is not None and "state" not in scope:
            scope["state"] = state.copy()  # as ASGI servers hand on the lifespan state
        await self.app(scope, receive, send)

    def call_blocking(self, function: t.Callable[..., _T], /, *args: t.Any) -> _T:
        """``function(*args)``, run where blocking code may run.

        Called from a thread that runs an event loop (an ``async def``
        endpoint), it runs in a worker thread, with the caller's context
        variables, and the caller waits: the loop is held for as long as
        the answer takes either way, but code that refuses to run inside a
        loop (Django's ORM) works. Anywhere else it is a plain call.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args)
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                pool = self._pool
                if pool is None:
                    pool = self._pool = concurrent.futures.ThreadPoolExecutor(
                        thread_name_prefix="wsgi_party.starlette ask"
                    )
        context = contextvars.copy_context()
        return pool.submit(context.run, function, *args).result()

    def close(self) -> None:
        """Run the app's lifespan shutdown, cancel its tasks, stop the loop, join its thread."""
        with self._lock:
            loop, thread, pool = self._loop, self._thread, self._pool
            lifespan, self._lifespan, self._state = self._lifespan, None, None
            self._middleware = self._loop = self._thread = self._pool = None
        if pool is not None:
            pool.shutdown(wait=True)
        if loop is None or thread is None:
            return
        if lifespan is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(lifespan.shutdown(), loop).result()
        _stop(loop, thread)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._middleware = self._loop = self._thread = self._pool = None
        self._lifespan = self._state = None


def _close(ref: weakref.ReferenceType[LoopRunner]) -> None:
    runner = ref()
    if runner is not None:
        runner.close()


def _forget(ref: weakref.ReferenceType[LoopRunner]) -> None:
    runner = ref()
    if runner is not None:
        runner._forget()


def _stop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    """Cancel what runs on ``loop``, stop it, join ``thread``, close the loop."""
    if loop.is_running():
        asyncio.run_coroutine_threadsafe(_shut_down(loop), loop)
    thread.join(_STOP_TIMEOUT)
    if thread.is_alive():
        log.warning("the event loop thread %r did not stop within %ss", thread.name, _STOP_TIMEOUT)
        return
    loop.close()


async def _shut_down(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every other task, let them finish their cleanup, stop ``loop``."""
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    try:
        if tasks:
            await asyncio.wait(tasks, timeout=_STOP_TIMEOUT / 2)
        await loop.shutdown_asyncgens()
    finally:
        loop.stop()


class _Body:
    """a2wsgi's response body, which cancels the app's task when closed early.

    a2wsgi leaves the task waiting for its next ``send`` when the server
    closes the body before its end (the client went away); here ``close()``
    cancels it, so that its cleanup runs and nothing waits for ever.
    """

    __slots__ = ("_body", "_environ", "_loop")

    def __init__(
        self, body: Iterable[bytes], environ: WSGIEnvironment, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._body = iter(body)
        self._environ = environ
        self._loop = loop

    def __iter__(self) -> _Body:
        return self

    def __next__(self) -> bytes:
        return next(self._body)

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            task: asyncio.Task[t.Any] | None = self._environ.pop(TASK_KEY, None)
            if task is not None and not task.done() and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(task.cancel)
