"""The app config of ``wsgi_party.django``: settings, state and system checks.

Django finds it through ``INSTALLED_APPS``::

    INSTALLED_APPS = [..., "wsgi_party.django"]
    MIDDLEWARE = ["wsgi_party.django.PartyMiddleware", ...]
    WSGI_PARTY_NAME = "legacy"                                # optional
    WSGI_PARTY_FRAGMENTS = {"header": "partials/header.html"}  # optional
    WSGI_PARTY_OWNERS = {"identity": "legacy"}                 # optional
    WSGI_PARTY_ALIASES = {"legacy:explore": "explore"}         # optional

The config holds the Django project's membership: a process has one
settings module and therefore one Django project, so however many
``get_wsgi_application()`` handlers a process makes, they are one member.
Every setting is read lazily, when it is needed, by the functions here.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from django.apps import AppConfig, apps  # type: ignore[import-untyped,unused-ignore]
from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.core import checks  # type: ignore[import-untyped,unused-ignore]
from django.core.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    ImproperlyConfigured,
)

from wsgi_party import ConfigurationError
from wsgi_party.integration import check_fallback, check_owners, checked_aliases

if t.TYPE_CHECKING:
    from wsgi_party import PartylineOperator, UrlHandler

    from ._member import DjangoMembership
    from ._reverse import Reverser

__all__ = [
    "PartyConfig",
    "PartyImproperlyConfigured",
    "aliases",
    "fragments",
    "fragment_fallback",
    "identity_enabled",
    "member_name",
    "owners",
    "party_config",
]

#: The dotted path of the middleware, as it must appear in ``MIDDLEWARE``.
MIDDLEWARE_PATH = "wsgi_party.django.PartyMiddleware"
#: The dotted path of the middleware that takes ``request.user`` from the party.
PARTY_USER_MIDDLEWARE_PATH = "wsgi_party.django.auth.PartyUserMiddleware"


class PartyConfig(AppConfig):  # type: ignore[misc,unused-ignore]
    """``wsgi_party.django``: the Django project's place in a party."""

    name = "wsgi_party.django"
    label = "wsgi_party"
    verbose_name = "WSGI party"
    default = True

    def __init__(self, app_name: str, app_module: t.Any) -> None:
        super().__init__(app_name, app_module)
        # Here, not at the top: the membership reads this module's settings.
        from ._member import DjangoMembership

        #: The project's membership (a :class:`~wsgi_party.integration.Membership`).
        self.membership: DjangoMembership = DjangoMembership(self)

    def ready(self) -> None:
        """Register the system checks of the settings."""
        checks.register(check_settings, "wsgi_party")

    @property
    def operator(self) -> PartylineOperator | None:
        """The operator of the party this project is a member of, if any."""
        return self.membership.operator

    @property
    def url(self) -> UrlHandler | None:
        """This project's ``url`` handler in that party."""
        return self.membership.url

    @property
    def reverser(self) -> Reverser:
        """Cached ``reverse()`` relative to the project's mount."""
        return self.membership.reverser


class PartyImproperlyConfigured(ImproperlyConfigured, ConfigurationError):  # type: ignore[misc,unused-ignore]
    """A ``WSGI_PARTY_*`` setting, or the app's installation, is wrong.

    Django's ``ImproperlyConfigured`` and the party's
    :class:`~wsgi_party.ConfigurationError` at once; the message names the
    setting.
    """


def party_config() -> PartyConfig:
    """The installed :class:`PartyConfig`; :class:`PartyImproperlyConfigured` if missing."""
    try:
        config = apps.get_app_config(PartyConfig.label)
    except LookupError:
        raise PartyImproperlyConfigured(
            "wsgi_party.django is used but not installed: add 'wsgi_party.django' to INSTALLED_APPS"
        ) from None
    return t.cast(PartyConfig, config)


def member_name() -> str | None:
    """``WSGI_PARTY_NAME``: the member name (``None``: derived from the mount)."""
    name = getattr(settings, "WSGI_PARTY_NAME", None)
    if name is not None and (not isinstance(name, str) or not name or ":" in name):
        raise PartyImproperlyConfigured(
            f"WSGI_PARTY_NAME must be a non-empty string without ':', got {name!r}"
        )
    return name


def fragments() -> Mapping[str, str]:
    """``WSGI_PARTY_FRAGMENTS``: layout fragment names to template names."""
    declared = getattr(settings, "WSGI_PARTY_FRAGMENTS", None) or {}
    if not isinstance(declared, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in declared.items()
    ):
        raise PartyImproperlyConfigured(
            "WSGI_PARTY_FRAGMENTS must map fragment names to template names"
            f" (strings), got {declared!r}"
        )
    return declared


def owners() -> dict[str, str]:
    """``WSGI_PARTY_OWNERS``: the owners this project expects the site to have.

    A dict of service to member name (``{"identity": "legacy"}``), declared
    to the party when the project joins: the party adopts each one its own
    ``owners`` leaves out, and a contradiction fails at bootstrap.
    """
    declared = getattr(settings, "WSGI_PARTY_OWNERS", None)
    try:
        return check_owners(declared, "WSGI_PARTY_OWNERS")
    except ConfigurationError as exc:
        raise PartyImproperlyConfigured(str(exc)) from None


def aliases() -> Mapping[str, str]:
    """``WSGI_PARTY_ALIASES``: legacy endpoint names to this project's URL names.

    The names of routes the project took over from another member (see
    :ref:`moved-names`).
    """
    declared = getattr(settings, "WSGI_PARTY_ALIASES", None) or {}
    try:
        return checked_aliases(declared, "WSGI_PARTY_ALIASES")
    except ConfigurationError as exc:
        raise PartyImproperlyConfigured(str(exc)) from None


def fragment_fallback() -> str | Mapping[str, str] | None:
    """``WSGI_PARTY_FRAGMENT_FALLBACK``: other members' fragments while the
    project is in no party (one HTML string, or a dict by fragment name)."""
    try:
        return check_fallback(
            getattr(settings, "WSGI_PARTY_FRAGMENT_FALLBACK", None), "WSGI_PARTY_FRAGMENT_FALLBACK"
        )
    except ConfigurationError as exc:
        raise PartyImproperlyConfigured(str(exc)) from None


def identity_enabled() -> bool:
    """Whether this project answers ``identity``.

    ``WSGI_PARTY_IDENTITY`` decides when set; by default the project answers
    when ``django.contrib.auth`` is installed and sessions are in use (the
    sessions app, or ``SessionMiddleware`` with another session engine), and
    its users do not come from the party
    (:class:`~wsgi_party.django.auth.PartyUserMiddleware` is not in
    ``MIDDLEWARE``). When another member owns login, name it the owner
    (``WSGIParty(owners=...)`` or ``WSGI_PARTY_OWNERS``) so that every member,
    this project too, asks it; ``False`` also stops the project offering
    ``identity`` to the others. The project answers
    ``login`` (its ``LOGIN_URL``) exactly when it answers ``identity``.
    """
    chosen = getattr(settings, "WSGI_PARTY_IDENTITY", None)
    if chosen is not None:
        return bool(chosen)
    if PARTY_USER_MIDDLEWARE_PATH in (settings.MIDDLEWARE or ()):
        return False
    return bool(apps.is_installed("django.contrib.auth")) and (
        bool(apps.is_installed("django.contrib.sessions"))
        or "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    )


def check_settings(app_configs: t.Any = None, **kwargs: t.Any) -> list[t.Any]:
    """System checks: the middleware is installed and the settings are valid."""
    errors: list[t.Any] = []
    if MIDDLEWARE_PATH not in (settings.MIDDLEWARE or ()):
        errors.append(
            checks.Warning(
                f"'wsgi_party.django' is installed but {MIDDLEWARE_PATH!r} is not"
                " in MIDDLEWARE, so this project never joins a party.",
                hint=f"Add {MIDDLEWARE_PATH!r} at the top of MIDDLEWARE.",
                id="wsgi_party.W001",
            )
        )
    readers: tuple[tuple[str, t.Callable[[], object]], ...] = (
        ("WSGI_PARTY_NAME", member_name),
        ("WSGI_PARTY_FRAGMENTS", fragments),
        ("WSGI_PARTY_OWNERS", owners),
        ("WSGI_PARTY_FRAGMENT_FALLBACK", fragment_fallback),
        ("WSGI_PARTY_ALIASES", aliases),
    )
    for setting, reader in readers:
        try:
            reader()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), obj=setting, id="wsgi_party.E001"))
    return errors
