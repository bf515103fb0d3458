"""pytest fixtures for testing one app of a party alone (entry point ``pytest11``).

Installed with wsgi_party, the plugin gives every test suite two fixtures::

    # conftest.py of the blog's own tests
    import pytest
    from blog import create_app

    @pytest.fixture
    def app(party_for, stand_in):
        app = create_app()
        docs = stand_in.from_routes("docs")          # from the ini's wsgi_party_routes
        accounts = stand_in("accounts", routes={"login": "/login"})
        party_for(app, "/blog", docs, accounts)      # closed when the test ends
        return app

``party_for`` is :func:`wsgi_party.testing.party_for` whose parties are
closed at the end of the test; ``stand_in`` makes
:class:`~wsgi_party.testing.StandIn` objects, and ``stand_in.from_routes``
reads the routes file named by the ``wsgi_party_routes`` ini option
(relative to the ini file) unless given one. The plugin imports nothing but
pytest until a fixture is used.
"""

from __future__ import annotations

import os
import typing as t

import pytest

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from _typeshed.wsgi import WSGIApplication

    from . import WSGIParty
    from .testing import StandIn

__all__ = ["StandInFactory", "party_for", "stand_in"]

ROUTES_OPTION = "wsgi_party_routes"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        ROUTES_OPTION,
        "the real site's 'wsgi-party routes TARGET --json' output, for"
        " stand_in.from_routes(name) (a path relative to the ini file)",
        default="",
    )


class StandInFactory:
    """The ``stand_in`` fixture: ``stand_in(name, **options)`` makes a :class:`StandIn`."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def __call__(self, name: str, **options: t.Any) -> StandIn:
        """``StandIn(name, **options)``."""
        from .testing import StandIn

        return StandIn(name, **options)

    def from_routes(
        self,
        name: str,
        routes: str | os.PathLike[str] | Iterable[Mapping[str, t.Any]] | None = None,
        **options: t.Any,
    ) -> StandIn:
        """``StandIn.from_routes(routes, name, **options)``.

        Without ``routes``, the file named by the ``wsgi_party_routes`` ini
        option is read.
        """
        from wsgi_party import PartylineException

        from .testing import StandIn

        if routes is None:
            configured = str(self._config.getini(ROUTES_OPTION) or "")
            if not configured:
                raise PartylineException(
                    f"stand_in.from_routes({name!r}) needs the routes: pass them, or"
                    f" set '{ROUTES_OPTION} = path/to/routes.json' in the pytest ini"
                    " file (the output of 'wsgi-party routes TARGET --json')"
                )
            base = self._config.inipath.parent if self._config.inipath else self._config.rootpath
            routes = os.path.join(base, configured)
        return StandIn.from_routes(routes, name, **options)


@pytest.fixture
def stand_in(pytestconfig: pytest.Config) -> StandInFactory:
    """Make stand-ins: ``stand_in("docs", routes={...})``, ``stand_in.from_routes("docs")``."""
    return StandInFactory(pytestconfig)


@pytest.fixture
def party_for() -> Iterator[Callable[..., WSGIParty]]:
    """:func:`wsgi_party.testing.party_for`, with every party closed after the test."""
    from .testing import party_for as make_party

    made: list[WSGIParty] = []

    def party_for(
        app: WSGIApplication, mount: str, *stand_ins: StandIn, **kwargs: t.Any
    ) -> WSGIParty:
        party = make_party(app, mount, *stand_ins, **kwargs)
        made.append(party)
        return party

    yield party_for
    for party in reversed(made):
        party.close()
