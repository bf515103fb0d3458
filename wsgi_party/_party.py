"""The party: WSGI middleware, bootstrap, and the ask path.

Wrap the dispatcher that mounts your apps; every app that joins can then ask
the others::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from wsgi_party import WSGIParty

    application = WSGIParty(DispatcherMiddleware(shop, {"/blog": blog}))

    application.members                 # (Member('root', ...), Member('blog', ...))
    application.url_for("blog:post", id=3, _external=True)
    application.close()                 # in test suites, before the next party

The three paths through this module each live in one place:

* **bootstrap**: :meth:`WSGIParty.send_invitations` (lazily, under a
  double-checked lock, from :meth:`WSGIParty._bootstrap`);
* **asking**: :meth:`WSGIParty.ask_around`, :meth:`WSGIParty.ask_first` and
  :meth:`WSGIParty.ask`, each one tight function;
* **URLs**: :meth:`WSGIParty.build_url`, on top of the asks.
"""

from __future__ import annotations

import logging
import os
import threading
import typing as t
import weakref
from dataclasses import dataclass

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import create_environ, run_wsgi_app

from ._context import RequestScope, _get_scope
from ._exceptions import (
    HighAndDry,
    InvalidServiceName,
    InvitationError,
    NoAnswer,
    NoSuchMember,
    NoSuchServiceName,
    PartyClosed,
    RecursiveAsk,
    UrlBuildError,
)
from ._invitations import INVITE_PATH, Invitation, InviteGuard, derive_name, discover
from ._operator import Handler, PartylineOperator
from ._url import UrlRequest

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Declined", "Member", "WSGIParty"]

log = logging.getLogger("wsgi_party")

_PENDING, _BOOTSTRAPPING, _READY, _CLOSED = "pending", "bootstrapping", "ready", "closed"


@dataclass(frozen=True, slots=True)
class Member:
    """An app that joined the party by connecting at least one handler."""

    #: The member's name (its own choice, else derived from its mount).
    name: str
    #: Where the member is mounted inside the party ("" for the root).
    script_name: str
    #: The invite path it answered.
    invite_path: str
    #: The services it offers, in the order first connected.
    services: tuple[str, ...]
    #: The operator it joined through.
    operator: PartylineOperator


@dataclass(frozen=True, slots=True)
class Declined:
    """An invitation that produced no member, and why."""

    path: str
    reason: str


class WSGIParty:
    """WSGI middleware that opens a partyline between the apps it wraps.

    ``application`` is the dispatcher that mounts the apps. ``invites`` are
    the paths to invite (``None`` discovers them, see
    :func:`~wsgi_party.discover`; ``()`` invites nobody).
    ``ignore_missing_services`` makes asking an unknown service answer ``[]``
    instead of raising :class:`~wsgi_party.NoSuchServiceName`. With
    ``lazy=True`` the invitations wait for the first request or ask, and go
    out exactly once however many threads arrive together. ``base_url``
    (``"https://example.com"``) locates URLs built outside any request.

    .. versionchanged:: 0.2
       ``invites`` defaults to discovery; added ``lazy`` and ``base_url``.
    """

    #: Key of the operator in the invitation's environ.
    partyline_key = "partyline"

    #: Where apps serve their invite route (early 0.1 code reads it here).
    invite_path = INVITE_PATH

    #: Class of the operator handed to each invited app.
    operator_class: type[PartylineOperator] = PartylineOperator

    def __init__(
        self,
        application: WSGIApplication,
        invites: Iterable[str | Invitation] | None = None,
        ignore_missing_services: bool = False,
        *,
        lazy: bool = False,
        base_url: str | None = None,
    ) -> None:
        self.application = application  # see the property: it also sets _dispatcher
        self.ignore_missing_services = ignore_missing_services
        self.base_url = base_url
        #: Handlers by service name, in join order (0.1 API).
        self.handlers: dict[str, list[Handler]] = {}
        self.invites: tuple[Invitation, ...] = tuple(
            discover(application) if invites is None else map(_invitation, invites)
        )
        self._operators: list[PartylineOperator] = []
        self._by_name: dict[str, PartylineOperator] = {}
        self._declined: list[Declined] = []
        self._guard = InviteGuard()
        for invitation in self.invites:
            self._guard.add(invitation.path)
        self._guard_all = not self._guard.underscored
        self._lock = threading.RLock()
        self._state = _PENDING
        # One flag for the hot paths: true only once bootstrapped and open.
        self._ready = False
        # The asks' view of the handlers: ``handlers`` itself while ready,
        # else empty, so that one lookup both finds the handlers and notices
        # a party not ready yet (see _handlers_for).
        self._live: dict[str, list[Handler]] = {}
        self._in_flight: list[PartylineOperator] = []
        #: Finished URLs of pure builds (see _build_url).
        self._urls: dict[tuple[t.Any, ...], str] = {}
        #: The same, kept per place for integrations (see _links_for).
        self._places: dict[tuple[t.Any, ...], dict[t.Hashable, str]] = {}
        _live_parties.add(self)
        if not lazy:
            self._bootstrap()

    def __repr__(self) -> str:
        names = ", ".join(self._by_name)
        return f"<WSGIParty {self._state} members=[{names}]>"

    # -- WSGI ----------------------------------------------------------------

    @property
    def application(self) -> WSGIApplication:
        """The wrapped application (the dispatcher that mounts the apps)."""
        return self._application

    @application.setter
    def application(self, application: WSGIApplication) -> None:
        self._application = application
        # A plain werkzeug DispatcherMiddleware is dispatched in __call__'s own
        # frame, saving a Python call on every request. Anything else
        # (subclasses included) is called as it is.
        self._dispatcher = application if type(application) is DispatcherMiddleware else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Pass the request to the application; 404 for invite paths."""
        try:
            path = environ["PATH_INFO"]
        except KeyError:
            path = ""
        # Most paths hold neither "_" nor "%" and skip the guard entirely.
        if ("_" in path or "%" in path or self._guard_all) and self._guard.refuses(path):
            return _not_found(environ, start_response)
        if not self._ready and self._state != _CLOSED:
            self._bootstrap()
        dispatcher = self._dispatcher
        if dispatcher is None:
            return self._application(environ, start_response)
        # What DispatcherMiddleware.__call__ does, step for step (werkzeug
        # 3; tests/test_dispatch_inline.py holds the two to the same
        # results): the longest mounted prefix of the path wins, else the
        # root app. Its attributes are read on every request, so changes to
        # its mounts or root app take effect as they would unwrapped.
        mounts = dispatcher.mounts
        script = path
        path_info = ""
        while "/" in script:
            if script in mounts:
                app = mounts[script]
                break
            script, last_item = script.rsplit("/", 1)
            path_info = f"/{last_item}{path_info}"
        else:
            app = mounts.get(script, dispatcher.app)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
        environ["PATH_INFO"] = path_info
        return app(environ, start_response)

    # -- bootstrap -------------------------------------------------------------

    def _bootstrap(self) -> None:
        """Send the invitations once, however many threads get here together.

        A thread arriving while another bootstraps waits for it to finish.
        """
        if self._state in (_READY, _CLOSED):
            return
        with self._lock:
            # Checked again under the lock: another thread may have finished
            # meanwhile. The lock is re-entrant so that an app which asks the
            # party from its invite view does not deadlock (it sees the
            # members admitted so far).
            if self._state != _PENDING:
                return
            self._state = _BOOTSTRAPPING
            try:
                self.send_invitations(self.invites)
            except BaseException:
                self._state = _PENDING
                raise
            self._state = _READY
            self._ready = True
            self._live = self.handlers

    def send_invitations(self, invites: Iterable[str | Invitation]) -> None:
        """Invite each of ``invites`` (paths or :class:`Invitation`\\ s) now.

        Apps that connect a handler become members. An invitation that is
        answered without connecting anything (such as a 404 from an app with no
        invite route) is recorded in :attr:`declined` and logged. An invite
        that raises or answers with a 5xx status, an app joining twice, and
        two members with one name raise :class:`~wsgi_party.InvitationError`;
        then every member admitted by this call is released again.
        """
        if self._state == _CLOSED:
            raise PartyClosed("cannot send invitations through a closed party")
        admitted: list[PartylineOperator] = []
        # Kept on the party so that a fork in the middle can undo it (see
        # _after_fork_in_child).
        self._in_flight = admitted
        try:
            for invite in invites:
                invitation = _invitation(invite)
                self._guard.add(invitation.path)
                self._guard_all = not self._guard.underscored
                operator = self.operator_class(self)
                admitted.append(operator)
                if self._invite(invitation, operator):
                    self._admit(invitation, operator)
                else:
                    admitted.remove(operator)
                    operator._release()
        except BaseException:
            for operator in admitted:
                self._dismiss(operator)
            raise
        finally:
            self._in_flight = []

    def _invite(self, invitation: Invitation, operator: PartylineOperator) -> bool:
        """Deliver one invitation; whether the app joined."""
        label = invitation.label
        operator.invite_path = invitation.path
        operator.script_name = invitation.mount
        if invitation.app is not None:
            environ = create_environ(path=INVITE_PATH)
            environ["SCRIPT_NAME"] = invitation.script_name
            target = invitation.app
        else:
            environ = create_environ(path=invitation.path)
            target = self._application
        environ[self.partyline_key] = operator
        environ["wsgi_party.invitation"] = invitation
        try:
            app_iter, status, _headers = run_wsgi_app(target, environ, buffered=True)
            if hasattr(app_iter, "close"):
                app_iter.close()
        except InvitationError:
            raise
        except Exception as exc:
            raise InvitationError(
                f"the invitation to {label} raised {type(exc).__name__}: {exc}"
            ) from exc
        if operator.declined is not None:
            self._decline(invitation.path, operator.declined)
            return False
        code = int(status[:3]) if status[:3].isdigit() else 0
        if code >= 500:
            raise InvitationError(
                f"the invitation to {label} answered {status!r}; the app's invite"
                " route failed (see the app's own error log)"
            )
        if not operator.handlers:
            self._decline(invitation.path, f"answered {status!r} and connected no handler")
            return False
        return True

    def _admit(self, invitation: Invitation, operator: PartylineOperator) -> None:
        if operator.name is None:
            operator.name = invitation.name or derive_name(invitation.mount)
        other = self._by_name.get(operator.name)
        if other is not None:
            raise InvitationError(
                f"two members are named {operator.name!r}: the app invited at"
                f" {other.invite_path!r} and the app invited at"
                f" {operator.invite_path!r}; give one of them another name"
            )
        self._by_name[operator.name] = operator
        self._operators.append(operator)

    def _decline(self, path: str, reason: str) -> None:
        self._declined.append(Declined(path, reason))
        log.warning("invitation to %r declined: %s", path, reason)

    def _dismiss(self, operator: PartylineOperator) -> None:
        operator._release()
        if self._by_name.get(operator.name or "") is operator:
            del self._by_name[operator.name or ""]
        if operator in self._operators:
            self._operators.remove(operator)

    # -- members -------------------------------------------------------------

    @property
    def members(self) -> tuple[Member, ...]:
        """Every member, in join order (bootstraps a lazy party)."""
        self._bootstrap()
        return tuple(
            Member(
                op.name or "",
                op.script_name,
                op.invite_path or "",
                tuple(op.services),
                op,
            )
            for op in self._operators
        )

    @property
    def declined(self) -> tuple[Declined, ...]:
        """Invitations that produced no member, with the reason for each."""
        self._bootstrap()
        return tuple(self._declined)

    def member(self, name: str) -> Member:
        """The member called ``name``; :class:`~wsgi_party.NoSuchMember` if none."""
        for member in self.members:
            if member.name == name:
                return member
        raise NoSuchMember(self._no_such_member(name))

    def _no_such_member(self, name: object) -> str:
        known = ", ".join(repr(n) for n in self._by_name) or "none"
        return f"no member is named {name!r} (members: {known})"

    # -- handlers ------------------------------------------------------------

    def connect(self, service_name: str, handler: Handler) -> None:
        """Connect ``handler`` to ``service_name`` (0.1 API).

        Apps connect through their operator, which also remembers the handler
        as their own; connecting on the party directly makes an anonymous
        handler that every asker reaches.
        """
        if self._state == _CLOSED:
            raise PartyClosed(f"cannot connect to service {service_name!r}: party closed")
        if not isinstance(service_name, str) or not service_name:
            raise InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        self.handlers.setdefault(service_name, []).append(handler)
        self._forget_urls()

    def disconnect(self, service_name: str, handler: Handler) -> None:
        """Disconnect ``handler`` from ``service_name``."""
        try:
            self._forget(service_name, handler, strict=True)
        except ValueError:
            raise LookupError(
                f"handler {handler!r} is not connected to service {service_name!r}"
            ) from None

    def _forget(self, service_name: str, handler: Handler, strict: bool = False) -> None:
        handlers = self.handlers.get(service_name)
        if handlers is None or handler not in handlers:
            if strict:
                raise ValueError(service_name)
            return
        self._forget_urls()
        # Copy-on-write: a concurrent ask iterating the old list is unaffected.
        remaining = list(handlers)
        remaining.remove(handler)
        if remaining:
            self.handlers[service_name] = remaining
        else:
            del self.handlers[service_name]

    # -- asking (the hot path) -------------------------------------------------

    def ask_around(
        self,
        service_name: str,
        payload: t.Any,
        operator: PartylineOperator | None = None,
    ) -> list[t.Any]:
        """Ask every handler of ``service_name``; return the answers in join order.

        Handlers raising :class:`~wsgi_party.HighAndDry` are skipped, and so
        are handlers connected through ``operator`` (an app never answers
        itself). An unknown service raises
        :class:`~wsgi_party.NoSuchServiceName` unless the party ignores
        missing services. An exception from a handler reaches the caller with
        a note naming the member and the service.
        """
        # The hot path: no bookkeeping beyond what the 0.1 loop did. Rare
        # cases (lazy bootstrap, closed, unknown service, failing handler,
        # runaway recursion) are all handled off to the side.
        try:
            handlers = self._live[service_name]
        except (KeyError, TypeError):
            handlers = self._handlers_for(service_name)
        answers: list[t.Any] = []
        try:
            if operator is None or not operator.handlers:
                for handler in handlers:
                    try:
                        answers.append(handler(payload))
                    except HighAndDry:
                        continue
            else:
                skip = operator.handlers
                for handler in handlers:
                    if handler in skip:
                        continue
                    try:
                        answers.append(handler(payload))
                    except HighAndDry:
                        continue
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        return answers

    def ask_first(
        self,
        service_name: str,
        payload: t.Any,
        operator: PartylineOperator | None = None,
    ) -> t.Any:
        """Ask handlers in join order and return the first answer.

        Stops at the first handler that does not raise
        :class:`~wsgi_party.HighAndDry`. When none answers, raises
        :class:`~wsgi_party.NoAnswer` naming the service and who was asked.
        """
        try:
            handlers = self._live[service_name]
        except (KeyError, TypeError):
            handlers = self._handlers_for(service_name)
        skip = operator.handlers if operator is not None else ()
        try:
            for handler in handlers:
                if skip and handler in skip:
                    continue
                try:
                    return handler(payload)
                except HighAndDry:
                    pass
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        raise NoAnswer(f"nobody answered {service_name!r}: asked {self._asked(handlers, skip)}")

    def ask(self, member: str, service_name: str, payload: t.Any) -> t.Any:
        """Ask only the member named ``member``; return its first answer.

        The cost does not depend on the number of members. Raises
        :class:`~wsgi_party.NoSuchMember` for an unknown name and
        :class:`~wsgi_party.NoAnswer` if the member does not offer the
        service or all its handlers raise :class:`~wsgi_party.HighAndDry`.
        """
        if not self._ready:
            self._not_ready()
        try:
            handlers = self._by_name[member].services[service_name]
        except (KeyError, TypeError):
            raise self._no_target(member, service_name) from None
        refusal: HighAndDry | None = None
        try:
            for handler in handlers:
                try:
                    return handler(payload)
                except HighAndDry as exc:
                    refusal = exc
        except RecursionError:
            raise self._too_deep(service_name) from None
        except Exception as exc:
            self._annotate(exc, handler, service_name)
            raise
        # The member's own reason (its HighAndDry) is kept as the cause.
        reason = f": {refusal}" if refusal is not None and str(refusal) else ""
        raise NoAnswer(f"member {member!r} had no answer for {service_name!r}{reason}") from refusal

    # -- the cold side of the asks ----------------------------------------------

    def _not_ready(self) -> None:
        if self._state == _CLOSED:
            raise PartyClosed("this party is closed; create a new WSGIParty")
        self._bootstrap()

    def _handlers_for(self, service_name: object) -> list[Handler]:
        """The asks' slow path: bootstrap if need be, then find the handlers."""
        if not self._ready:
            self._not_ready()
        try:
            return self.handlers[service_name]  # type: ignore[index]
        except (KeyError, TypeError):
            return self._missing(service_name)

    def _missing(self, service_name: object) -> list[Handler]:
        if not isinstance(service_name, str) or not service_name:
            raise InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        if self.ignore_missing_services:
            return []
        offered = ", ".join(repr(s) for s in self.handlers) or "none"
        raise NoSuchServiceName(
            f"no handler is connected for service {service_name!r} (services: {offered})"
        )

    def _no_target(
        self, member: object, service_name: str
    ) -> NoSuchMember | NoAnswer | InvalidServiceName:
        try:
            operator = self._by_name[member]  # type: ignore[index]
        except (KeyError, TypeError):
            return NoSuchMember(self._no_such_member(member))
        if not isinstance(service_name, str) or not service_name:
            return InvalidServiceName(
                f"service name must be a non-empty string, got {service_name!r}"
            )
        offered = ", ".join(operator.services) or "none"
        return NoAnswer(
            f"member {member!r} offers no service {service_name!r} (it offers: {offered})"
        )

    def _too_deep(self, service_name: str) -> RecursiveAsk:
        return RecursiveAsk(
            f"asking {service_name!r} recursed without end: a handler keeps asking"
            " the partyline again from inside its own answer (a loop between handlers?)"
        )

    def _owner(self, handler: Handler) -> str:
        for op in self._operators:
            if handler in op.handlers:
                return f"member {op.name!r}"
        return "a handler connected to the party directly"

    def _annotate(self, exc: Exception, handler: Handler, service_name: str) -> None:
        if isinstance(exc, RecursiveAsk):
            return
        exc.add_note(
            f"raised by the {service_name!r} handler {handler!r} of {self._owner(handler)}"
        )

    def _asked(self, handlers: Iterable[Handler], skip: t.Container[Handler]) -> str:
        names = [self._owner(h) for h in handlers if not (skip and h in skip)]
        return ", ".join(names) or "nobody (no other member offers it)"

    # -- URLs ----------------------------------------------------------------

    def url_for(self, endpoint: str, **values: t.Any) -> str:
        """Build a URL to a member's endpoint, with Flask's conventions.

        ``"member:endpoint"`` asks only that member; any other endpoint is
        asked around and the first answer in join order wins. ``_external``,
        ``_anchor`` and ``_method`` work as in Flask. Outside any request the
        URL is located with ``base_url``.
        """
        return self._url_for(endpoint, values, None)

    def _url_for(
        self,
        endpoint: str,
        values: dict[str, t.Any],
        operator: PartylineOperator | None,
        also: tuple[dict[t.Hashable, str], t.Hashable] | None = None,
    ) -> str:
        """``url_for`` for a party or an operator: a remembered URL, else a build.

        Inside a request the finished URL is looked up first, in one dict
        lookup keyed by ``_link_key``, before any
        :class:`~wsgi_party.UrlRequest` is made. ``values`` is not changed.
        An integration may pass ``also``, a dict from :meth:`_links_for` and
        a key of its own, to have the URL kept there too when it is
        remembered.
        """
        scope = _get_scope()
        key: tuple[t.Any, ...] | None = None
        if scope is not None:
            try:
                key = _link_key(endpoint, operator, scope, values)
                url = self._urls.get(key)
            except TypeError:  # an unhashable value (a list)
                key = None
            else:
                if url is not None:
                    if also is not None:
                        _keep(also, url)
                    return url
                if not _LOCATING.isdisjoint(values):  # an external URL depends on the host too
                    key = also = None
        else:
            also = None
        request = UrlRequest.from_url_for(endpoint, dict(values))
        return self._build_url(request, operator, key, also)

    def _split_target(self, endpoint: str) -> tuple[str | None, str]:
        """``("blog", "post")`` for ``"blog:post"`` when ``blog`` is a member,
        else ``(None, endpoint)``: the member is asked for its own endpoint name."""
        if ":" in endpoint:
            name, _, rest = endpoint.partition(":")
            if name in self._by_name:
                return name, rest
        return None, endpoint

    def build_url(self, request: UrlRequest, operator: PartylineOperator | None = None) -> str:
        """Answer a :class:`~wsgi_party.UrlRequest` through the ``url`` service.

        Raises :class:`~wsgi_party.UrlBuildError` (a ``LookupError``) naming
        the endpoint and the members asked when no member can build it.
        """
        return self._build_url(request.located(self.base_url), operator)

    def _build_url(
        self,
        request: UrlRequest,
        operator: PartylineOperator | None,
        link: tuple[t.Any, ...] | None = None,
        also: tuple[dict[t.Hashable, str], t.Hashable] | None = None,
    ) -> str:
        """:meth:`build_url` for a request made just now, located in place.

        Finished URLs are remembered when every handler that could answer
        builds the endpoint from its values alone (their ``pure`` says so;
        see :func:`~wsgi_party.url_handler`), keyed by everything the URL
        depends on, and under ``link`` (a ``_link_key``) and in ``also`` as
        well; any connect, disconnect or close forgets them all.
        """
        if not self._ready:
            self._not_ready()
        request._locate(self.base_url)
        endpoint = request.endpoint
        target, request.endpoint = self._split_target(endpoint)
        location = (
            request.method,
            request.anchor,
            request.external,
            request.script_root,
            request.scheme,
            request.host,
        )
        key: tuple[t.Any, ...] | None
        try:
            key = _url_key(target, request.endpoint, location, operator, request.values)
            url: str | None = self._urls.get(key)
        except TypeError:  # an unhashable value (a list): build it afresh
            key = None
        else:
            if url is not None:
                if link is not None:
                    self._remember(link, url)
                if also is not None:
                    _keep(also, url)
                return url
        if target is not None:
            try:
                url = self.ask(target, "url", request)
            except NoAnswer as exc:
                refusal = exc.__cause__
                reason = f": {refusal}" if refusal is not None and str(refusal) else ""
                raise UrlBuildError(
                    f"member {target!r} could not build a URL for {endpoint!r}{reason}",
                    endpoint,
                    (target,),
                ) from refusal
            handlers: t.Iterable[Handler] = self._by_name[target].services.get("url", ())
        else:
            try:
                url = self.ask_first("url", request, operator)
            except (NoAnswer, NoSuchServiceName):
                asked = tuple(
                    op.name or ""
                    for op in self._operators
                    if "url" in op.services and op is not operator
                )
                raise UrlBuildError(
                    f"no member could build a URL for endpoint {endpoint!r}"
                    f" (asked: {', '.join(repr(a) for a in asked) or 'nobody'})",
                    endpoint,
                    asked,
                ) from None
            skip = operator.handlers if operator is not None else ()
            handlers = [h for h in self.handlers.get("url", ()) if h not in skip]
        if key is not None and _all_pure(handlers, request.endpoint):
            self._remember(key, url)
            if link is not None:
                self._remember(link, url)
            if also is not None:
                _keep(also, url)
        return url

    def _remember(self, key: tuple[t.Any, ...], url: str) -> None:
        """Keep ``url`` under ``key``; the memory is bounded by starting over."""
        if len(self._urls) >= _REMEMBERED:
            self._urls.clear()
        self._urls[key] = url

    def _links_for(self, asker: object, scope: RequestScope) -> dict[t.Hashable, str]:
        """The URLs ``asker`` had built in the place of ``scope``, by its own keys.

        An integration keeps a request's links here, looked up by the
        arguments of its helper alone, after the party built them with
        :meth:`_url_for` (its ``also``). The place is the request's member and
        ``SCRIPT_NAME``. They are forgotten with every other remembered URL,
        in place, so a request holding the dict sees that too. Past
        ``_PLACES`` places all are dropped and the count starts over (a
        request under way keeps its dict for the rest of the request).
        """
        place = (asker, scope.operator, scope.environ.get("SCRIPT_NAME"))
        links = self._places.get(place)
        if links is None:
            if len(self._places) >= _PLACES:
                self._forget_urls(drop=True)
            links = self._places.setdefault(place, {})
        return links

    def _forget_urls(self, *, drop: bool = False) -> None:
        """Forget every finished URL this party remembers; ``drop`` the places too."""
        self._urls.clear()
        for links in list(self._places.values()):
            links.clear()
        if drop:
            self._places.clear()

    def clear_url_cache(self) -> None:
        """Forget every remembered URL, here and in each member's ``url`` handler.

        Call it after changing routes at run time; connecting or
        disconnecting handlers already does it.
        """
        self._forget_urls()
        for handler in self.handlers.get("url", ()):
            clear = getattr(handler, "cache_clear", None)
            if clear is not None:
                clear()

    # -- lifecycle -------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._state == _CLOSED

    def close(self) -> None:
        """Disconnect every handler and release every member.

        The same app objects can then join a new party (the test-suite
        pattern). Asking a closed party raises :class:`~wsgi_party.PartyClosed`;
        requests still pass through to the application. Closing twice is
        harmless.
        """
        with self._lock:
            if self._state == _CLOSED:
                return
            self._ready = False
            self._live = {}
            self._state = _CLOSED
            operators, self._operators = self._operators, []
            self._by_name = {}
        for operator in operators:
            operator._release()
        self.handlers.clear()
        self._forget_urls(drop=True)
        _live_parties.discard(self)

    def __enter__(self) -> WSGIParty:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _after_fork_in_child(self) -> None:
        # The lock may have been held by a thread that does not exist in the
        # child; a bootstrap that thread was running will never finish here.
        self._lock = threading.RLock()
        if self._state == _BOOTSTRAPPING:
            for operator in [*self._in_flight, *self._operators]:
                self._dismiss(operator)
            self._in_flight = []
            self._declined.clear()
            self._state = _PENDING


def _invitation(invite: str | Invitation) -> Invitation:
    if isinstance(invite, Invitation):
        return invite
    if not isinstance(invite, str) or not invite.startswith("/"):
        raise InvitationError(f"an invite path must be a string starting with '/', got {invite!r}")
    return Invitation(invite)


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    body = b"404 Not Found\n"
    start_response(
        "404 Not Found",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


#: The url_for options that make a URL external, so that it depends on the host.
_LOCATING = frozenset(("_external", "_scheme"))

_live_parties: weakref.WeakSet[WSGIParty] = weakref.WeakSet()


def _reinit_after_fork() -> None:
    for party in list(_live_parties):
        party._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)


#: How many finished URLs a party remembers (per place, for _links_for)
#: before it starts over, and how many places.
_REMEMBERED = 4096
_PLACES = 256


def _keep(into: tuple[dict[t.Hashable, str], t.Hashable], url: str) -> None:
    """Keep ``url`` in a dict from :meth:`WSGIParty._links_for` under a key."""
    links, key = into
    if len(links) >= _REMEMBERED:
        links.clear()
    links[key] = url


def _call_key(endpoint: str, values: t.Mapping[str, t.Any]) -> t.Hashable:
    """The arguments of a ``url_for``-like call, as a key: endpoint and values.

    Each value comes with its type (``1`` and ``True`` build different URLs):
    the endpoint alone, or a tuple of it and every name, value and type; one
    shape for each number of values. Calls with none, one or two values are
    far the most common, so those are spelled out (a third of the cost of
    the general form). Raises ``TypeError`` for an unhashable value.
    """
    size = len(values)
    if not size:
        return endpoint
    # The names come from unpacking the mapping and each value from its
    # subscript, which makes no item tuples: about 450 fewer instructions
    # per link than unpacking ``values.items()``.
    if size == 1:
        (name,) = values
        value = values[name]
        return (endpoint, name, value, type(value))
    if size == 2:
        name, other = values
        value = values[name]
        second = values[other]
        return (endpoint, name, value, type(value), other, second, type(second))
    return (endpoint, *values, *values.values(), *map(type, values.values()))


def _link_key(
    endpoint: str,
    asker: PartylineOperator | None,
    scope: RequestScope,
    values: t.Mapping[str, t.Any],
) -> tuple[t.Any, ...]:
    """The key :meth:`WSGIParty._url_for` remembers a URL under, in a request.

    Who asks (an operator, ``None`` for the party), the request's place (its
    member and ``SCRIPT_NAME``, which give the party's root) and the call
    (:func:`_call_key`). Raises ``TypeError`` for unhashable values.
    """
    return (
        asker,
        scope.operator,
        scope.environ.get("SCRIPT_NAME"),
        _call_key(endpoint, values),
    )


def _url_key(
    target: str | None,
    endpoint: str,
    location: tuple[t.Any, ...],
    asker: PartylineOperator | None,
    values: t.Mapping[str, t.Any],
) -> tuple[t.Any, ...]:
    """What a finished URL depends on: who is asked, for what, from where.

    The asker counts only for asks around (it never answers itself); value
    types count because ``1`` and ``True`` build different paths. Raises
    ``TypeError`` for unhashable values.
    """
    return (
        target,
        endpoint,
        location,
        None if target is not None or asker is None else id(asker),
        *values.items(),
        *map(type, values.values()),
    )


def _all_pure(handlers: t.Iterable[Handler], endpoint: str) -> bool:
    """Whether every one of ``handlers`` builds ``endpoint`` from its values alone."""
    for handler in handlers:
        pure = getattr(handler, "pure", None)
        if pure is None or not pure(endpoint):
            return False
    return True
