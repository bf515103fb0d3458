"""The exceptions of the partyline.

Every error wsgi_party raises derives from :class:`PartylineException`, so
one ``except PartylineException`` catches them all::

    try:
        url = party.url_for("blog:post", id=3)
    except UrlBuildError as exc:
        log.warning("no such link: %s", exc)

Several also derive from the built-in exception a caller would expect
(``LookupError`` for a missing member or answer, ``RuntimeError`` for a closed
party or a missing request scope), so code that already catches those keeps
working.
"""

from __future__ import annotations

from werkzeug.exceptions import SecurityError

__all__ = [
    "CannotBuild",
    "ConfigurationError",
    "HighAndDry",
    "InvalidServiceName",
    "InvitationError",
    "MemberUnavailable",
    "NoAnswer",
    "NoPartylineContext",
    "NoSuchMember",
    "NoSuchServiceName",
    "NotConnected",
    "PartyClosed",
    "PartylineException",
    "RecursiveAsk",
    "UntrustedHost",
    "UrlBuildError",
    "UrlOptionError",
]


class PartylineException(Exception):
    """Base class of every exception raised by wsgi_party."""


class HighAndDry(PartylineException):
    """Raised by a handler that has no answer, so the ask skips it.

    This is how a member says "not mine": a ``url`` handler that has no such
    endpoint raises it and the next member is asked.
    """


class CannotBuild(HighAndDry):
    """Raised by a ``url`` handler whose member has the endpoint but cannot
    build it from the values given, so the ask passes on to the next member.

    The message says why, as ``member 'blog' has 'update' but could not
    build it: missing value 'id'``; the framework's own error (Werkzeug's
    ``BuildError``, Django's ``NoReverseMatch``, Pyramid's ``KeyError``, a
    converter's ``ValueError``) is the ``__cause__``. When no member builds
    the URL, the :class:`UrlBuildError` carries each such refusal in
    :attr:`~UrlBuildError.refusals`. Integrations make one with
    :func:`wsgi_party.integration.cannot_build`.

    .. versionadded:: 0.3
    """

    def __init__(
        self,
        member: str | None,
        endpoint: str,
        reason: str,
        *,
        missing: tuple[str, ...] = (),
        refused: str | None = None,
    ) -> None:
        # An app in no party (its own server, its own tests) has no member name.
        who = f"member {member!r}" if member is not None else "the app"
        super().__init__(f"{who} has {endpoint!r} but could not build it: {reason}")
        #: The name of the member that has the endpoint (``None``: an app in no party).
        self.member = member
        #: The endpoint, as the member names it.
        self.endpoint = endpoint
        #: Why it could not be built (``"missing value 'id'"``).
        self.reason = reason
        #: Names of the values the route needs that were not given.
        self.missing = missing
        #: The name of the value a converter refused, if one did.
        self.refused = refused


class NoSuchServiceName(PartylineException):
    """Nobody connected a handler for the asked service.

    Not raised when the party was made with ``ignore_missing_services=True``.
    """


class InvalidServiceName(PartylineException, ValueError):
    """A service name that is not a non-empty string was connected or asked."""


class NoSuchMember(PartylineException, LookupError):
    """A targeted ask named a member that is not in the party."""


class MemberUnavailable(NoSuchMember):
    """A targeted ask named a member whose invitation failed.

    In a lazy party an app whose invitation raised or answered with a server
    error stays out of the party (see :attr:`WSGIParty.declined
    <wsgi_party.WSGIParty.declined>`) while the others serve. Asking it by
    name raises this error, naming the failed invitation; the invitation's
    own exception, if it raised one, is the ``__cause__``.
    """

    def __init__(self, message: str, member: str, invite_path: str) -> None:
        super().__init__(message)
        #: The name of the member that is not in the party.
        self.member = member
        #: The invite path of its failed invitation.
        self.invite_path = invite_path


class NoAnswer(PartylineException, LookupError):
    """Every handler asked raised :class:`HighAndDry` (or there were none).

    Raised by ``ask_first`` and by targeted asks, which promise one answer.
    """

    #: The :class:`CannotBuild` of each handler asked that had the endpoint
    #: but could not build it, in the order asked.
    refusals: tuple[CannotBuild, ...] = ()


class UrlBuildError(NoAnswer):
    """No member could build a URL for the endpoint.

    The message names the endpoint and the members that were asked. When a
    member has the endpoint but could not build it, the message says which
    and why (:attr:`refusals`), and the ``__cause__`` is that member's
    framework error; an endpoint nobody has reads "has no endpoint" or "no
    member could build". The framework integrations turn it into the
    framework's own kind of error.

    .. versionchanged:: 0.3
       Added :attr:`refusals`; the cause is the framework's own error.
    """

    def __init__(
        self,
        message: str,
        endpoint: str,
        asked: tuple[str, ...],
        refusals: tuple[CannotBuild, ...] = (),
    ) -> None:
        super().__init__(message)
        #: The endpoint that could not be built.
        self.endpoint = endpoint
        #: Names of the members that were asked, in the order asked.
        self.asked = asked
        #: Why each member that has the endpoint could not build it.
        self.refusals = refusals


class NotConnected(PartylineException, LookupError):
    """A handler to disconnect is not connected to that service (by that member)."""


class ConfigurationError(PartylineException, ValueError):
    """An argument given to a wsgi_party class is not one it can work with."""


class UrlOptionError(PartylineException, ValueError):
    """``url_for`` options that contradict each other, as Flask refuses them.

    ``_scheme`` makes a URL external; asking for it together with
    ``_external=False`` is an error, here as in :func:`flask.url_for`
    (which raises ``ValueError``, a base class of this one).
    """


class UntrustedHost(PartylineException, SecurityError):
    """An external URL was asked for in a request whose host cannot be used.

    The ``Host`` header (or the server's name) is not a valid host name, as
    Werkzeug validates it, or is not one of the party's ``trusted_hosts``.
    A link built from such a host could point anywhere (the classic poisoned
    password-reset link), so none is built. The message names the host.

    It is a :class:`werkzeug.exceptions.SecurityError`, so Flask and
    Werkzeug apps answer it with 400 Bad Request by themselves; the Pyramid
    and Django integrations and :class:`~wsgi_party.PartyMember` answer it
    with their framework's own 400.
    """

    def __init__(self, message: str, host: str) -> None:
        super().__init__(message)
        #: The host the request named (``""`` when it named none).
        self.host = host

    def __str__(self) -> str:
        return str(self.description)

    def __reduce__(self) -> tuple[type[UntrustedHost], tuple[str, str]]:
        return type(self), (str(self.description), self.host)


class InvitationError(PartylineException):
    """Bootstrapping failed: an invite raised or answered with a server error,
    an application joined twice, or two members chose the same name.

    The message names the invite path. The party is left as if that bootstrap
    had never started: every member it had already admitted is released.

    A lazy party does not raise it for an invite that raises or answers with
    a server error: that app is left out (see :class:`MemberUnavailable`)
    and the others join.
    """


class PartyClosed(PartylineException, RuntimeError):
    """The party (or the operator used) has been closed."""


class RecursiveAsk(PartylineException, RecursionError):
    """Asks nested too deeply: a handler kept asking the partyline again."""


class NoPartylineContext(PartylineException, RuntimeError):
    """``wsgi_party.partyline`` was used outside a member's request."""
