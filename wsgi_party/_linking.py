"""Links: ``url_for`` and ``build_url`` on top of the asks, and their memory.

:class:`Linking` is the part of :class:`~wsgi_party.WSGIParty` that turns a
``url_for``-style call into a :class:`~wsgi_party.UrlRequest`, locates it
(the current request, else ``base_url``), asks the member named in it or
asks around, and remembers the finished link where that is exact (see
:mod:`wsgi_party._links`)::

    party.url_for("blog:post", id=3)            # '/blog/post/3'
    party.build_url(UrlRequest("post", {"id": 3}, external=True))
    party.clear_url_cache()                     # after routes change at run time
"""

from __future__ import annotations

import dataclasses
import typing as t
from types import MappingProxyType

from ._asking import Asking
from ._bootstrap import _READY
from ._context import RequestScope, _get_scope
from ._exceptions import CannotBuild, HighAndDry, NoAnswer, NoSuchServiceName, UrlBuildError
from ._links import LinkMemory, call_key
from ._moved import Alias, alias_table
from ._url import (
    AddressedRequest,
    UrlHandler,
    UrlRequest,
    _NoSuchEndpoint,
    refusal_of_own,
    refusals_message,
)

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from ._operator import Handler, PartylineOperator

__all__ = ["Linking"]

#: The url_for options that make a URL external, so that it depends on the host.
_LOCATING = frozenset(("_external", "_scheme"))


class Linking(Asking):
    """URLs and their memory: the linking side of :class:`~wsgi_party.WSGIParty`."""

    #: Where URLs built outside any request are located (``"https://example.com"``).
    base_url: str | None
    #: Finished links, exact and bounded (see wsgi_party._links).
    _links: LinkMemory
    #: The party's own ``moved`` map, checked: legacy name to (member, endpoint).
    _moved: dict[str, tuple[str, str]]
    #: Every legacy name, made when first needed (see wsgi_party._moved).
    _aliases: dict[str, Alias] | None

    def _handlers_changed(self) -> None:
        self._links.clear()
        self._aliases = None

    @property
    def aliases(self) -> Mapping[str, Alias]:
        """Every legacy endpoint name the party still builds, by name.

        From ``WSGIParty(moved=...)`` and the ``aliases`` the members declare
        (see :ref:`moved-names`). A name is built from its alias only when
        no member builds it as it is. Raises
        :class:`~wsgi_party.ConfigurationError` when two declare one name or
        a ``moved`` target is not a member.

        .. versionadded:: 0.3
        """
        table = self._aliases
        if table is None:
            if self._state is not _READY:
                self._not_ready()
            table = alias_table(self._moved, self._operators)
            self._aliases = table
        return MappingProxyType(table)

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
        link: t.Hashable | None = None,
    ) -> str:
        """``url_for`` for a party or an operator: a remembered link, else a build.

        The link is looked up first, keyed by :meth:`_link_key`, before any
        :class:`~wsgi_party.UrlRequest` is made; ``values`` is not changed.
        An integration that looked the link up itself under a key of its own
        passes that key as ``link``, and the URL is remembered under it.
        """
        if link is None:
            link = self._link_key(endpoint, values, operator, _get_scope())
            if link is not None:
                url = self._links.get(link)
                if url is not None:
                    return url
        generation = self._links.generation
        request = UrlRequest.from_url_for(endpoint, dict(values))
        url, pure = self._build_url(request, operator)
        if link is not None and pure:
            self._links.remember(link, url, generation)
        return url

    def _link_key(
        self,
        endpoint: str,
        values: t.Mapping[str, t.Any],
        asker: object,
        scope: RequestScope | None,
    ) -> t.Hashable | None:
        """The key a link is remembered under, or ``None`` if it never is.

        A link depends on who asks (an app never answers itself), the place
        it is built from and the call. Inside a request the place is the
        request's member and ``SCRIPT_NAME`` (which give the party's root);
        an external link depends on the request's host too and is never
        remembered there. Outside a request the place is :attr:`base_url`.
        """
        call = call_key(endpoint, values)
        if call is None:
            return None
        if scope is None:
            return (asker, None, self.base_url, call)
        if not _LOCATING.isdisjoint(values):
            return None
        return (asker, scope.operator, scope.environ.get("SCRIPT_NAME"), call)

    def _split_target(self, endpoint: str) -> tuple[str | None, str]:
        """``("blog", "post")`` for ``"blog:post"`` when ``blog`` is a member,
        else ``(None, endpoint)``: the member is asked for its own endpoint name."""
        if ":" in endpoint:
            name, _, rest = endpoint.partition(":")
            if name in self._by_name:
                return name, rest
            if name in self._failed:
                raise self._unavailable(name)
        return None, endpoint

    def build_url(self, request: UrlRequest, operator: PartylineOperator | None = None) -> str:
        """Answer a :class:`~wsgi_party.UrlRequest` through the ``url`` service.

        Raises :class:`~wsgi_party.UrlBuildError` (a ``LookupError``) naming
        the endpoint and the members asked when no member can build it.
        It is built every time: only
        :meth:`url_for` and the integrations' helpers remember links.
        """
        return self._build_url(request, operator)[0]

    def _build_url(
        self, request: UrlRequest, operator: PartylineOperator | None
    ) -> tuple[str, bool]:
        """Build the URL for ``request``, located and targeted (in copies).

        Returns the URL and whether every handler that could have answered builds the
        endpoint from its values alone (their ``pure`` says so; see
        :func:`~wsgi_party.url_handler`), so that the link may be remembered.
        """
        if self._state is not _READY:
            self._not_ready()
        request = request.located(self.base_url)
        endpoint = request.endpoint
        target, own_name = self._split_target(endpoint)
        if target is not None:  # the member is asked for its own name of the endpoint
            try:
                request, url = self._ask_target(target, request, own_name)
            except UrlBuildError as exc:
                if _raised_by_a_handler(exc):
                    raise
                return self._build_moved(request, exc)
            member = self._by_name.get(target)
            if member is None:  # the party closed while the member built it
                return url, False
            handlers: t.Iterable[Handler] = member.services.get("url", ())
        else:
            try:
                url = self.ask_first("url", request, operator)
            except (NoAnswer, NoSuchServiceName) as exc:
                if _raised_by_a_handler(exc):
                    raise
                asked = tuple(
                    op.name or ""
                    for op in self._operators
                    if "url" in op.services and op is not operator
                )
                error = _not_built(endpoint, asked, getattr(exc, "refusals", ()))
                error.__suppress_context__ = True
                return self._build_moved(request, error, operator)
            handlers = self._answerers("url", self.handlers.get("url", []), operator)
        return url, _all_pure(handlers, request.endpoint)

    def _build_moved(
        self,
        request: UrlRequest,
        error: UrlBuildError,
        operator: PartylineOperator | None = None,
    ) -> tuple[str, bool]:
        """Build ``request``'s endpoint from its alias, as no member built it.

        Raises ``error`` (why nobody built it) when the name has no alias.
        """
        alias = self.aliases.get(request.endpoint)
        if alias is None:
            raise error
        member, endpoint = alias.member, alias.endpoint
        moved = dataclasses.replace(request, endpoint=f"{member}:{endpoint}")
        try:
            answered, url = self._ask_target(member, moved, endpoint)
        except UrlBuildError as exc:
            if _raised_by_a_handler(exc):
                raise
            raise UrlBuildError(
                f"{request.endpoint!r} moved to {member}:{endpoint} (declared by"
                f" {alias.declared_by}), which could not be built: {exc}",
                request.endpoint,
                (member,),
            ) from exc.__cause__
        # The link may be remembered only if every member that refused the
        # legacy name would refuse it again, and the new owner builds purely.
        target, own_name = self._split_target(request.endpoint)
        if target is not None:
            refused = self._by_name.get(target)
            refusers: t.Iterable[Handler] = refused.services.get("url", ()) if refused else ()
        else:
            refusers = self._answerers("url", self.handlers.get("url", []), operator)
        owner = self._by_name.get(member)
        pure = (
            owner is not None
            and _all_pure(refusers, own_name)
            and _all_pure(owner.services.get("url", ()), answered.endpoint)
        )
        return url, pure

    def _ask_target(self, target: str, whole: UrlRequest, own_name: str) -> tuple[UrlRequest, str]:
        """Ask member ``target`` for ``own_name``, else for the whole name.

        ``whole`` asks for ``"<target>:<own_name>"``. A member may have a
        name of its own that starts with its member name (a Django member
        ``polls`` with the URL namespace ``polls``): when it cannot build
        ``own_name`` it is asked for the whole name. Returns the request
        that was answered and the URL; when neither is, raises
        :class:`~wsgi_party.UrlBuildError` with the member's reason for
        ``own_name`` as its cause.
        """
        request = AddressedRequest(
            own_name,
            whole.values,
            whole.external,
            whole.anchor,
            whole.method,
            script_root=whole.script_root,
            scheme=whole.scheme,
            host=whole.host,
        )
        try:
            return request, self.ask(target, "url", request)
        except NoAnswer as exc:
            if _raised_by_a_handler(exc):
                raise
            # The member's own reason (its HighAndDry) stays the cause.
            refusal = exc.__cause__
        try:
            return whole, self.ask(target, "url", whole)
        except NoAnswer as exc:
            if _raised_by_a_handler(exc):
                raise
            member = self._by_name.get(target)
            other = exc.__cause__
            if (
                member is not None
                and isinstance(refusal, HighAndDry)
                and isinstance(other, HighAndDry)
            ):
                refusal = refusal_of_own(member, own_name, refusal, whole.endpoint, other)
        error = _not_built_by(target, whole.endpoint, refusal)
        raise error from error.__cause__

    def clear_url_cache(self) -> None:
        """Forget every remembered link.

        Call it after changing routes at run time; connecting or
        disconnecting handlers already does it. A link being built while it
        runs is not remembered.

        .. versionchanged:: 0.3
           ``url`` handlers keep no caches; this no longer calls their
           ``cache_clear``.
        """
        self._links.clear()


def _not_built_by(target: str, endpoint: str, refusal: BaseException | None) -> UrlBuildError:
    """The error of a targeted link ``target`` did not build, with the member's reason.

    A member that has the endpoint says why it could not build it, and its
    framework's error is the cause. One that has no such endpoint says so;
    a refusal in its own words (not ``no_such_endpoint``'s) is added and is
    the cause.
    """
    if isinstance(refusal, CannotBuild):
        error = UrlBuildError(
            f"member {target!r} has {endpoint!r} but could not build it: {refusal.reason}",
            endpoint,
            (target,),
            (refusal,),
        )
        error.__cause__ = refusal.__cause__ or refusal
        return error
    error = UrlBuildError(f"member {target!r} has no endpoint {endpoint!r}", endpoint, (target,))
    if refusal is not None and not isinstance(refusal, _NoSuchEndpoint):
        # A member's own words (a stand-in's, a handler's): said, and the cause.
        if str(refusal):
            error = UrlBuildError(f"{error}: {refusal}", endpoint, (target,))
        error.__cause__ = refusal
    return error


def _not_built(
    endpoint: str, asked: tuple[str, ...], refusals: tuple[CannotBuild, ...]
) -> UrlBuildError:
    """The error of a link asked around that nobody built.

    The members that have the endpoint say why they could not build it, and
    the first one's framework error is the cause; else nobody has it.
    """
    if refusals:
        error = UrlBuildError(refusals_message(refusals, asked), endpoint, asked, refusals)
        error.__cause__ = refusals[0].__cause__ or refusals[0]
        return error
    names = ", ".join(map(repr, asked)) or "nobody"
    return UrlBuildError(
        f"no member could build a URL for endpoint {endpoint!r} (asked: {names})",
        endpoint,
        asked,
    )


def _raised_by_a_handler(exc: BaseException) -> bool:
    """Whether ``exc`` came out of a handler (a nested ask that found nobody),
    rather than from the ask itself: the asks note the handler on the way out."""
    return bool(getattr(exc, "__notes__", None))


def _all_pure(handlers: t.Iterable[Handler], endpoint: str) -> bool:
    """Whether every one of ``handlers`` builds ``endpoint`` from its values alone.

    Only a :class:`~wsgi_party.UrlHandler` can say so; any other ``url``
    handler's links are built every time.
    """
    for handler in handlers:
        if not isinstance(handler, UrlHandler) or not handler.builds_purely(endpoint):
            return False
    return True
