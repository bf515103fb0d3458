"""Joining: the Django project's membership in the party that invites it.

The app config holds the one membership of the process's project, and
:class:`~wsgi_party.django.PartyMiddleware` hands it the invitation::

    membership = party_config().membership
    status, body = membership.accept(operator)   # "200 OK", or "409 Conflict" if declined
    membership.operator                          # the party's operator, None outside one

The project then answers ``url``, ``ping``, ``routes`` and ``match`` from its
URLconf (:mod:`._reverse`), ``identity`` and ``login`` (``LOGIN_URL``) from
its sessions and auth, and ``layout`` from the templates named in
``WSGI_PARTY_FRAGMENTS`` (:mod:`._look`).
"""

from __future__ import annotations

import typing as t

from django.urls import NoReverseMatch, Resolver404  # type: ignore[import-untyped,unused-ignore]

from wsgi_party.integration import Membership, no_route, url_handler

from ._look import current_identity, login_page, render_for
from ._reverse import Reverser, list_routes, path_text, resolve_route, served_prefixes
from .apps import aliases, fragments, identity_enabled, member_name, owners

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from wsgi_party import Identity, PartylineOperator, UrlHandler

__all__ = ["DjangoMembership"]


class DjangoMembership(Membership):
    """The Django project as a party member (one per process: one settings module).

    ``holder`` is the app config, so every ``get_wsgi_application()`` handler
    of the process is the same member. Settings are read when the project
    is invited: ``WSGI_PARTY_NAME`` names it, ``WSGI_PARTY_IDENTITY`` (or
    installed auth and sessions) decides ``identity`` and
    ``WSGI_PARTY_FRAGMENTS`` the fragments of ``layout``.
    """

    def __init__(self, holder: object) -> None:
        super().__init__(holder)
        #: Cached ``reverse()`` relative to the project's mount.
        self.reverser = Reverser()
        #: The project's ``url`` handler in the party it joined, else ``None``;
        #: :func:`~wsgi_party.django.party_url` builds the project's links
        #: with it in other members' requests.
        self.url: UrlHandler | None = None
        #: Layout fragment names to templates (``WSGI_PARTY_FRAGMENTS``).
        self.fragments: Mapping[str, str] = {}

    def member_name(self) -> str | None:
        return member_name()

    def expected_owners(self) -> tuple[Mapping[str, str], str]:
        return owners(), "setting WSGI_PARTY_OWNERS"

    def declared_aliases(self) -> Mapping[str, str]:
        return aliases()

    def offers(self, service_name: str) -> bool:
        if service_name in ("identity", "login"):
            return identity_enabled()
        return super().offers(service_name)

    def connect(self, operator: PartylineOperator) -> None:
        self.fragments = fragments()
        self.url = url_handler(operator, self.build_path, pure=self.builds_purely)
        super().connect(operator)

    def given_services(self) -> Mapping[str, t.Callable[[t.Any], t.Any]]:
        # The url handler built from build_path, kept for party_url.
        return {"url": self.url} if self.url is not None else {}

    def left(self, operator: PartylineOperator) -> None:
        self.url = None

    @property
    def joined_as(self) -> str | None:
        """The name the project joined under, else the one it asks for."""
        return self.operator.name if self.operator is not None else self.name

    # -- the hooks ---------------------------------------------------------------

    def build_path(self, endpoint: str, values: dict[str, t.Any], method: str | None) -> str:
        try:
            return self.reverser.path(endpoint, values, request_urlconf=False)
        except NoReverseMatch as exc:
            refusal = self.reverser.refusal(
                self.joined_as, endpoint, values, request_urlconf=False, error=exc
            )
            raise refusal from refusal.__cause__

    def builds_purely(self, endpoint: str) -> bool:
        return self.reverser.pure(endpoint)

    def list_routes(self) -> Iterable[tuple[str, str, Iterable[str]]]:
        return list_routes()

    def match(self, method: str, path: str) -> tuple[str | None, bool, Iterable[str]]:
        try:
            return resolve_route(path_text(path)), True, ()
        except Resolver404:
            raise no_route(self.joined_as, method, path) from None

    def claimed_prefixes(self) -> Iterable[str]:
        return served_prefixes()

    def identity(self) -> Identity | None:
        return current_identity(self.joined_as, self.operator)

    def login_url(self, next_url: str | None) -> str:
        assert self.operator is not None  # login is answered only while joined
        return login_page(self.operator, next_url)

    def render_fragment(self, name: str) -> str:
        assert self.operator is not None  # layout is answered only while joined
        return render_for(self.operator, name, self.fragments[name])
