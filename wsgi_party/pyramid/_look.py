"""Login and look: who is logged in, and the layout fragments, across the party.

In the app's own views and templates::

    request.party_identity              # party_identity(member, request)
    request.party_fragment("header")    # party_fragment(member, request, "header")

For another member's request (the party asks this app for ``identity`` or
``layout``), :func:`in_current_request` makes this app's request for the
asker's environ (same cookies, host and user; ``SCRIPT_NAME`` at this app's
mount) and passes it through the app's tweens and ``NewRequest``
subscribers, so the security policy and the renderers work as in the app's
own requests. :func:`as_app` makes a lighter one, without tweens, for the
route pregenerators of cross-app links.
"""

from __future__ import annotations

import logging
import typing as t
import weakref
from collections.abc import Mapping

from pyramid.authorization import (  # type: ignore[import-untyped]
    Authenticated,
    Everyone,
)
from pyramid.events import NewRequest  # type: ignore[import-untyped]
from pyramid.httpexceptions import HTTPException  # type: ignore[import-untyped]
from pyramid.renderers import render  # type: ignore[import-untyped]
from pyramid.request import apply_request_extensions  # type: ignore[import-untyped]
from pyramid.threadlocal import get_current_request  # type: ignore[import-untyped]

from wsgi_party import (
    Identity,
    NoAnswer,
    NoPartylineContext,
    NoSuchServiceName,
    PartylineException,
)
from wsgi_party.integration import current_scope, fallback_fragment, member_environ, owner_of

from ._compat import principals_policy, process_finished_callbacks, pushed, tween_factories
from ._settings import IDENTITY_SETTING

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from _typeshed.wsgi import WSGIEnvironment

    from ._member import PyramidMember

_T = t.TypeVar("_T")
_SYSTEM_PRINCIPALS = frozenset({Everyone, Authenticated})
#: Attribute of a request holding the fragments rendered for it.
_FRAGMENT_CACHE = "_wsgi_party_fragments"
#: Environ key of the requests members made for an asking request.
_REQUESTS_KEY = "wsgi_party.pyramid.requests"
#: Attribute of a request made to answer for another member's: its _Answering.
_ANSWERING_ATTR = "_wsgi_party_answering"
_MISSING = object()

log = logging.getLogger("wsgi_party")


# -- this app's request for another member's --------------------------------------


def in_current_request(
    member: PyramidMember, doing: str, use: Callable[[t.Any], _T], *, service: str = ""
) -> _T:
    """Call ``use`` with this app's request for the party's current request,
    to answer ``service`` for it.

    In one of the app's own requests that is the request itself. For
    another member's request it is a new request of this app
    (:func:`_request_for`: the request factory, ``request.registry``, the
    request methods; same cookies, host and user, ``SCRIPT_NAME`` at this
    app's mount) that goes through the app's tweens and its ``NewRequest``
    subscribers, as the router's requests do, with ``use`` where the router
    would find a view, under Pyramid's thread locals; its finished
    callbacks run when ``use`` returns. Each answer gets a request of its own.

    A tween that answers with a response of its own (or a ``NewRequest``
    subscriber that raises an HTTP exception) does not take over the
    asker's page: the response is dropped and ``use`` is called where that
    hook stood, inside the tweens around it, with the request as the hooks
    before it left it; the ``wsgi_party`` logger warns once per service and
    hook. An exception
    from ``use`` reaches the asker even when an exception view of the app
    turned it into a response.

    ``doing`` completes the :class:`~wsgi_party.NoPartylineContext` message
    when there is no current request (``"answers 'identity'"``).

    .. versionchanged:: 0.3
       Another member's request goes through the app's tweens,
       ``NewRequest`` subscribers and finished callbacks.
    """
    scope = current_scope()
    if scope is None:
        raise NoPartylineContext(
            f"member {member.member_name()!r} {doing} for the current request only;"
            " there is none (ask from inside a member's request)"
        )
    current = get_current_request()
    if (
        current is not None
        and getattr(current, "registry", None) is member.registry
        and current.environ is scope.environ
    ):
        return use(current)
    request = _request_for(member, scope.environ)
    answering = _Answering(member, service, use)
    request.__dict__[_ANSWERING_ATTR] = answering
    with pushed(request):
        try:
            member.answering_chain(request)
            if answering.error is not None:
                # An exception view made a response of it; the asker gets it.
                raise answering.error
            if answering.result is _MISSING:  # pragma: no cover - every path answers
                answering.answer_as_left(request, "the app's tweens")
            return t.cast("_T", answering.result)
        finally:
            process_finished_callbacks(request)


class _Answering:
    """One answer in progress: what to call where the view would be, what it
    returned or raised."""

    __slots__ = ("error", "member", "result", "service", "use")

    def __init__(self, member: PyramidMember, service: str, use: Callable[[t.Any], object]):
        self.member = member
        self.service = service
        self.use = use
        self.result: object = _MISSING
        self.error: BaseException | None = None

    def answer(self, request: t.Any) -> None:
        """Make the answer, keeping what it raised."""
        try:
            self.result = self.use(request)
        except BaseException as exc:
            self.error = exc
            raise

    def answer_as_left(self, request: t.Any, hook: str) -> None:
        """``hook`` answered with a response of its own: warn, then answer
        with the request as the hooks before it left it, where it stood."""
        _warn_once(self.member, self.service, hook)
        self.answer(request)


def answering_chain(member: PyramidMember) -> Callable[[t.Any], t.Any]:
    """The app's tweens around :func:`_answer`, as its router chains them
    around routing, without the tween binding :data:`wsgi_party.partyline`
    (the asker's request is bound already)."""
    from ._member import partyline_tween_factory

    registry = member.registry
    handler: Callable[[t.Any], t.Any] = _answer
    for name, factory in reversed(tween_factories(registry)):
        if factory is partyline_tween_factory:
            continue
        handler = _entering(name, factory(handler, registry))
    return handler


def _answer(request: t.Any) -> t.Any:
    """Where the router would route: ``NewRequest``, then the answer."""
    answering: _Answering = request.__dict__[_ANSWERING_ATTR]
    registry = request.registry
    if registry.has_listeners:
        try:
            registry.notify(NewRequest(request))
        except HTTPException as refusal:  # a subscriber's redirect, say
            answering.answer_as_left(request, f"NewRequest subscriber ({type(refusal).__name__})")
            return refusal
    answering.answer(request)
    return request.response


def _entering(name: str, tween: Callable[[t.Any], t.Any]) -> Callable[[t.Any], t.Any]:
    def enter(request: t.Any) -> t.Any:
        response = tween(request)
        answering: _Answering = request.__dict__[_ANSWERING_ATTR]
        if answering.result is _MISSING and answering.error is None:
            # This tween answered without calling the ones below: answer
            # here, inside the tweens around it (a transaction still open).
            answering.answer_as_left(request, f"tween {name}")
        return response

    return enter


#: Per party (the member's operator, else the member): (service, hook) pairs
#: already warned about.
_warned: weakref.WeakKeyDictionary[object, set[tuple[str, str]]] = weakref.WeakKeyDictionary()


def _warn_once(member: PyramidMember, service: str, hook: str) -> None:
    warned = _warned.setdefault(member.operator or member, set())
    if (service, hook) in warned:
        return
    warned.add((service, hook))
    log.warning(
        "member %r answered %r for another member's request without the"
        " response its %s returned: the page is the asker's; the answer"
        " is given as the hooks before it left the request",
        member.member_name(),
        service,
        hook,
    )


def as_app(
    member: PyramidMember, environ: WSGIEnvironment | None, use: Callable[[t.Any], _T]
) -> _T:
    """Call ``use`` with this app's request for ``environ``.

    That is the app's own current request when ``environ`` is its;
    otherwise a request of the app's request factory, made once per asking
    request, with the app's request methods and its ``SCRIPT_NAME`` moved
    to the app's mount (so ``route_url`` builds this app's links), used with
    Pyramid's thread locals pushed.
    """
    current = get_current_request()
    if (
        current is not None
        and getattr(current, "registry", None) is member.registry
        and (environ is None or current.environ is environ)
    ):
        return use(current)
    if environ is None:
        request = _request_for(member, None)
    else:
        # One request per member per asking request, kept in its environ:
        # building one (request extensions included) costs more than the
        # URL, the identity or the fragment it is built for.
        made: dict[PyramidMember, t.Any] = environ.setdefault(_REQUESTS_KEY, {})
        request = made.get(member)
        if request is None:
            request = made[member] = _request_for(member, environ)
    with pushed(request):
        return use(request)


def _request_for(member: PyramidMember, environ: WSGIEnvironment | None) -> t.Any:
    mount = member.mount
    if environ is None:
        operator = member.operator
        base = (operator.partyline.base_url if operator is not None else None) or ""
        request = member.request_factory.blank(
            "/", base_url=f"{base.rstrip('/') or 'http://localhost'}{mount}"
        )
    else:
        party_root = None
        if current_scope() is None:
            # Outside the party's scope the app's own SCRIPT_NAME ends in its mount.
            script_name: str = environ.get("SCRIPT_NAME", "")
            has_mount = mount and script_name.endswith(mount)
            party_root = script_name[: -len(mount)] if has_mount else script_name
        request = member.request_factory(member_environ(environ, mount, party_root=party_root))
    request.registry = member.registry
    apply_request_extensions(request)
    return request


# -- identity ----------------------------------------------------------------------


def identity_for(member: PyramidMember, request: t.Any) -> Identity | None:
    """The :class:`~wsgi_party.Identity` of ``request``'s user, or None.

    From the :data:`~wsgi_party.pyramid.IDENTITY_SETTING` callable if set,
    else from the security policy: ``request.authenticated_userid``, the
    name of ``request.identity`` and the effective principals as roles.
    """
    factory = member.identity_factory
    if factory is not None:
        found = factory(request)
        if found is not None and not isinstance(found, Identity):
            raise PartylineException(
                f"{IDENTITY_SETTING} callable {factory!r} of member"
                f" {member.member_name()!r} returned {type(found).__name__};"
                " it must return a wsgi_party.Identity or None"
            )
        return found
    userid = request.authenticated_userid
    if userid is None:
        return None
    identity = request.identity
    name = _field(identity, "name")
    return Identity(
        str(userid),
        str(name) if name is not None else str(userid),
        _roles(member, request, userid, identity),
    )


def _roles(
    member: PyramidMember, request: t.Any, userid: object, identity: object
) -> frozenset[str]:
    principals = getattr(principals_policy(member.registry), "effective_principals", None)
    if callable(principals):
        found = principals(request)
    else:
        found = _field(identity, "roles") or _field(identity, "groups") or ()
    return frozenset(str(p) for p in found if p not in _SYSTEM_PRINCIPALS and p != userid)


def party_identity(member: PyramidMember, request: t.Any) -> Identity | None:
    """``request.party_identity``: the owner's answer, else this app's own,
    else the party's; ``None`` in an app alone (logged once)."""
    if member.answers_itself("identity"):
        return identity_for(member, request)
    operator = member.operator
    if operator is None:
        member.identity_alone(member.describe())
        return None
    try:
        found: Identity | None = operator.ask_first("identity", None)
    except (NoAnswer, NoSuchServiceName):
        return None
    return found


def _field(obj: object, key: str) -> t.Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


# -- layout fragments --------------------------------------------------------------


def render_fragment(member: PyramidMember, name: str, request: t.Any) -> str:
    """Render this app's fragment ``name`` for ``request``.

    The template gets ``fragment`` (its name), ``request`` and the renderer
    globals.
    """
    html: str = render(
        member.fragments[name], {"fragment": name}, request=request, package=member.package
    )
    return html


def party_fragment(member: PyramidMember, request: t.Any, name: str) -> str:
    """``request.party_fragment``: rendered at most once per request, marked safe."""
    cache: dict[str, str] = request.__dict__.setdefault(_FRAGMENT_CACHE, {})
    html = cache.get(name)
    if html is None:
        html = cache[name] = _mark_safe(_fragment(member, request, name))
    return html


def _fragment(member: PyramidMember, request: t.Any, name: str) -> str:
    if name in member.fragments and member.answers_itself("layout"):
        return render_fragment(member, name, request)
    operator = member.operator
    if operator is None:
        return fallback_fragment(member.fragment_fallback, name)
    try:
        return str(operator.ask_first("layout", name))
    except (NoAnswer, NoSuchServiceName) as exc:
        owner = owner_of(operator, "layout")
        if owner is not None:
            raise NoAnswer(f"the layout owner {owner!r} has no fragment {name!r}: {exc}") from exc
        asked = [
            repr(m.name)
            for m in operator.partyline.members
            if "layout" in m.services and m.operator is not operator
        ]
        raise NoAnswer(
            f"no member declares the layout fragment {name!r}"
            f" (asked: {', '.join(asked) or 'nobody'})"
        ) from None


def _mark_safe(html: str) -> str:
    try:
        from markupsafe import Markup
    except ImportError:  # pragma: no cover - markupsafe comes with Jinja2
        return html
    return Markup(html)
