"""The ``wsgi_party.*`` settings of a Pyramid app, read once by the include.

Set them in the Configurator or the ``.ini`` file::

    config = Configurator(settings={
        "wsgi_party.name": "admin",
        "wsgi_party.fragments": "header = myapp:templates/header.pt",
        "wsgi_party.identity": "myapp.auth:party_identity",
        "wsgi_party.login_route": "login",
        "wsgi_party.aliases": "legacy:main.explore = explore",
    })
    config.include("wsgi_party.pyramid")      # calls read_settings(config)

A bad value is a :class:`PyramidConfigurationError` at ``config.include``
time, naming the setting and the value, never a surprise at the first request.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Mapping

from pyramid.exceptions import ConfigurationError  # type: ignore[import-untyped]

import wsgi_party
from wsgi_party.integration import check_fallback
from wsgi_party.integration import check_owners as wsgi_party_owners

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from wsgi_party import Identity

__all__ = [
    "ALIASES_SETTING",
    "FALLBACK_SETTING",
    "FRAGMENTS_SETTING",
    "IDENTITY_SETTING",
    "INVITE_ROUTE",
    "LOGIN_ROUTE_SETTING",
    "NAME_SETTING",
    "OWNERS_SETTING",
    "PyramidConfigurationError",
    "Settings",
    "read_settings",
]

#: Setting: the member name.
NAME_SETTING = "wsgi_party.name"
#: Setting: layout fragments this app renders, ``name -> renderer``.
FRAGMENTS_SETTING = "wsgi_party.fragments"
#: Setting: dotted name of a ``(request) -> Identity | None`` callable.
IDENTITY_SETTING = "wsgi_party.identity"
#: Setting: the owners this app expects the site to have, ``service -> member``.
OWNERS_SETTING = "wsgi_party.owners"
#: Setting: the HTML of fragments while the app is in no party.
FALLBACK_SETTING = "wsgi_party.fragment_fallback"
#: Setting: name of the route of the app's login page, when the app owns login.
LOGIN_ROUTE_SETTING = "wsgi_party.login_route"
#: Setting: legacy endpoint names this app answers for, ``legacy name -> route name``.
ALIASES_SETTING = "wsgi_party.aliases"
#: Name of the invite route (pattern :data:`wsgi_party.INVITE_PATH`).
INVITE_ROUTE = "wsgi_party.invite"


class PyramidConfigurationError(ConfigurationError, wsgi_party.ConfigurationError):  # type: ignore[misc]
    """A ``wsgi_party.*`` setting that cannot be used, or the include is missing.

    Both Pyramid's :class:`~pyramid.exceptions.ConfigurationError` (what
    Pyramid apps catch today) and a :class:`wsgi_party.ConfigurationError`.

    .. versionadded:: 0.3
    """


@dataclasses.dataclass(frozen=True)
class Settings:
    """The party settings of one app, checked."""

    #: :data:`NAME_SETTING` (``None``: derived from the mount).
    name: str | None = None
    #: :data:`FRAGMENTS_SETTING`: fragment name -> renderer asset spec.
    fragments: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: :data:`IDENTITY_SETTING`, resolved.
    identity: Callable[[t.Any], Identity | None] | None = None
    #: :data:`OWNERS_SETTING`: service -> member name.
    owners: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: :data:`FALLBACK_SETTING`: one HTML string, or HTML by fragment name.
    fragment_fallback: str | Mapping[str, str] | None = None
    #: :data:`LOGIN_ROUTE_SETTING` (``None``: the app answers no ``login``).
    login_route: str | None = None
    #: :data:`ALIASES_SETTING`: legacy endpoint name -> this app's route name.
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)


def read_settings(config: t.Any) -> Settings:
    """The checked party settings of the app ``config`` configures."""
    settings = config.get_settings() or {}
    identity = config.maybe_dotted(settings.get(IDENTITY_SETTING) or None)
    if identity is not None and not callable(identity):
        raise PyramidConfigurationError(
            f"setting {IDENTITY_SETTING} must name a callable (request) -> Identity | None,"
            f" got {identity!r}"
        )
    login_route = settings.get(LOGIN_ROUTE_SETTING) or None
    if login_route is not None and (not isinstance(login_route, str) or not login_route.strip()):
        raise PyramidConfigurationError(
            f"setting {LOGIN_ROUTE_SETTING} must be a route name, got {login_route!r}"
        )
    return Settings(
        name=name_setting(settings.get(NAME_SETTING)),
        fragments=fragments_setting(settings.get(FRAGMENTS_SETTING)),
        identity=identity,
        owners=owners_setting(settings.get(OWNERS_SETTING)),
        fragment_fallback=fallback_setting(settings.get(FALLBACK_SETTING)),
        login_route=login_route.strip() if login_route is not None else None,
        aliases=_pairs_setting(settings.get(ALIASES_SETTING), ALIASES_SETTING, "route name"),
    )


def owners_setting(value: object) -> dict[str, str]:
    """:data:`OWNERS_SETTING`: a mapping, or lines of ``service = member``."""
    if value is None or value == "":
        return {}
    pairs = _pairs(OWNERS_SETTING, value, "service = member")
    try:
        return wsgi_party_owners(pairs, f"setting {OWNERS_SETTING}")
    except wsgi_party.ConfigurationError as exc:
        raise PyramidConfigurationError(str(exc)) from None


def fallback_setting(value: object) -> str | Mapping[str, str] | None:
    """:data:`FALLBACK_SETTING`: one HTML string for every fragment, or a
    mapping of fragment name to HTML (from Python settings)."""
    try:
        return check_fallback(value, f"setting {FALLBACK_SETTING}")
    except wsgi_party.ConfigurationError as exc:
        raise PyramidConfigurationError(str(exc)) from None


def name_setting(value: object) -> str | None:
    """:data:`NAME_SETTING`: a non-empty name without ``:``, or unset."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or ":" in value or not value.strip():
        raise PyramidConfigurationError(
            f"setting {NAME_SETTING} must be a non-empty string without ':', got {value!r}"
        )
    return value.strip()


def fragments_setting(value: object) -> dict[str, str]:
    """:data:`FRAGMENTS_SETTING`: a mapping, or lines of ``name = renderer``
    (``#`` starts a comment line), as an ``.ini`` file writes it."""
    return _pairs_setting(value, FRAGMENTS_SETTING, "renderer")


def _pairs_setting(value: object, setting: str, what: str) -> dict[str, str]:
    """A setting that maps names to ``what``: a mapping, or lines of
    ``name = what`` (``#`` starts a comment line), as an ``.ini`` file writes it."""
    if value is None or value == "":
        return {}
    pairs = _pairs(setting, value, f"name = {what}").items()
    found = {}
    for key, value_spec in pairs:
        if not isinstance(key, str) or not isinstance(value_spec, str):
            raise PyramidConfigurationError(
                f"setting {setting}: {key!r} = {value_spec!r} must map a name to a {what}"
            )
        name, spec = key.strip(), value_spec.strip()
        if not name or not spec:
            raise PyramidConfigurationError(
                f"setting {setting}: {key!r} = {value_spec!r} needs both a name and a {what}"
            )
        found[name] = spec
    return found


def _pairs(setting: str, value: object, form: str) -> dict[t.Any, t.Any]:
    """A mapping setting as given: a dict, or lines of ``key = value``
    (``#`` starts a comment line), as an ``.ini`` file writes it."""
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise PyramidConfigurationError(
            f"setting {setting} must be a dict or lines of {form!r}, got {type(value).__name__}"
        )
    pairs: dict[t.Any, t.Any] = {}
    for raw in value.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, item = line.partition("=")
        if not sep:
            raise PyramidConfigurationError(f"setting {setting}: line {line!r} is not {form!r}")
        pairs[key.strip()] = item.strip()
    return pairs
