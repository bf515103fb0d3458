"""Run a Django project's own tests in a party of stand-ins.

Once its templates use ``{% party_url "blog:post" %}``, the project's tests
need the other apps' links. Either switch the test runner in the settings
the tests run with, and every test runs in one party::

    # settings_test.py
    from .settings import *

    TEST_RUNNER = "wsgi_party.django.testing.PartyTestRunner"
    WSGI_PARTY_TEST = {
        "routes": BASE_DIR / "routes.json",   # wsgi-party routes TARGET --json
        "stand_ins": ["blog", "accounts"],    # members of that file
    }

or mix :class:`PartyTestMixin` into the test classes that need it. Django's
test ``Client`` and ``RequestFactory`` then work unchanged.
"""

from __future__ import annotations

import typing as t

from django.conf import settings  # type: ignore[import-untyped,unused-ignore]
from django.test.runner import DiscoverRunner  # type: ignore[import-untyped,unused-ignore]

from wsgi_party.testing import StandIn, party_for

from .apps import PartyImproperlyConfigured

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from wsgi_party import WSGIParty

__all__ = ["PartyTestMixin", "PartyTestRunner", "stand_ins_from_settings"]

#: The setting read by :class:`PartyTestRunner`.
SETTING = "WSGI_PARTY_TEST"


def project_party(mount: str, stand_ins: Sequence[StandIn]) -> WSGIParty:
    """A live party of this Django project at ``mount`` and ``stand_ins``."""
    from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped,unused-ignore]

    return party_for(get_wsgi_application(), mount, *stand_ins)


class PartyTestMixin:
    """Puts the project in a party with :attr:`stand_ins` for each test class.

    Mix it into ``SimpleTestCase``, ``TestCase`` or ``LiveServerTestCase``
    subclasses, before the Django class. Do not combine it with
    :class:`PartyTestRunner`, which already keeps the project in a party.
    """

    #: The stand-ins for the other members of the site.
    stand_ins: t.ClassVar[Sequence[StandIn]] = ()
    #: Where the real site mounts the project ("/" for the root).
    party_mount: t.ClassVar[str] = "/"
    #: The live party, while the class's tests run.
    party: t.ClassVar[WSGIParty]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # type: ignore[misc]
        cls.party = project_party(cls.party_mount, cls.stand_ins)
        cls.addClassCleanup(cls.party.close)  # type: ignore[attr-defined]


def stand_ins_from_settings() -> tuple[str, list[StandIn]]:
    """The mount and the stand-ins that ``WSGI_PARTY_TEST`` describes.

    ``WSGI_PARTY_TEST`` is a dict: ``"stand_ins"`` lists
    :class:`~wsgi_party.testing.StandIn` objects or member names, which are
    read from the ``"routes"`` file (``wsgi-party routes TARGET --json``);
    ``"mount"`` is where the real site mounts the project (default ``"/"``).
    """
    config = getattr(settings, SETTING, None)
    if not isinstance(config, dict):
        raise PartyImproperlyConfigured(
            f"{SETTING} must be a dict such as {{'routes': 'routes.json', 'stand_ins':"
            f" ['blog']}} for wsgi_party.django.testing.PartyTestRunner, got {config!r}"
        )
    routes = config.get("routes")
    stand_ins: list[StandIn] = []
    for entry in config.get("stand_ins", ()):
        if isinstance(entry, StandIn):
            stand_ins.append(entry)
        elif isinstance(entry, str) and routes is not None:
            stand_ins.append(StandIn.from_routes(routes, entry))
        else:
            raise PartyImproperlyConfigured(
                f"{SETTING}['stand_ins'] holds StandIn objects or member names of the"
                f" {SETTING}['routes'] file; got {entry!r}"
                + ("" if routes is not None else f" and no {SETTING}['routes']")
            )
    return str(config.get("mount", "/")), stand_ins


class PartyTestRunner(DiscoverRunner):  # type: ignore[misc,unused-ignore]
    """Django's test runner, with the project in a party of stand-ins for the run.

    The stand-ins come from the ``WSGI_PARTY_TEST`` setting (see
    :func:`stand_ins_from_settings`); the party is closed when the run ends.
    """

    def setup_test_environment(self, **kwargs: t.Any) -> None:
        super().setup_test_environment(**kwargs)
        mount, stand_ins = stand_ins_from_settings()
        self.party = project_party(mount, stand_ins)

    def teardown_test_environment(self, **kwargs: t.Any) -> None:
        self.party.close()
        super().teardown_test_environment(**kwargs)
