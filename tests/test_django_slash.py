"""Route-level migration in front of Django: paths Django would slash-redirect.

A new Flask app is the :class:`~wsgi_party.RouteDispatcher`'s default and the
Django test project (member ``legacy``, ``CommonMiddleware`` with
``APPEND_SLASH``) a member before it. ``/tags`` has no route anywhere, but
Django routes ``/tags/``: its ``CommonMiddleware`` answers ``/tags`` with a
301 to ``/tags/``, so the Django member must claim ``/tags``, or the request
falls through to the new app and 404s.
"""

from __future__ import annotations

import typing as t

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.views.decorators.common import no_append_slash
from flask import Flask
from werkzeug.test import Client

from tests.django_site import setup_django
from wsgi_party import Match, MatchRequest, NoAnswer, RouteDispatcher, RouteShadow, WSGIParty
from wsgi_party.flask import FlaskParty

MakeParty = t.Callable[..., WSGIParty]


@pytest.fixture(scope="module", autouse=True)
def _django() -> None:
    setup_django()


def new_app(*rules: str) -> Flask:
    """The new app: answers ``new`` on its ``rules``, its own 404 elsewhere."""
    app = Flask("new")
    FlaskParty(app)
    for rule in rules:
        app.add_url_rule(rule, rule.strip("/") or "index", lambda: "new")
    app.register_error_handler(404, lambda exc: ("new app: not found", 404))
    return app


def dispatcher_for(*rules: str) -> RouteDispatcher:
    """Django's routes first, every other path to the new app with ``rules``."""
    from django.core.wsgi import get_wsgi_application

    return RouteDispatcher(
        {"legacy": get_wsgi_application(), "new": new_app(*rules)}, default="new"
    )


def party_in_front_of_django(make_party: MakeParty, *rules: str) -> tuple[WSGIParty, Client]:
    party = make_party(dispatcher_for(*rules))
    return party, Client(party)


def test_a_path_django_would_slash_reaches_django_and_gets_its_redirect(
    make_party: MakeParty,
) -> None:
    party, client = party_in_front_of_django(make_party, "/fresh")
    response = client.get("/tags", query_string={"page": "2"})
    assert (response.status_code, response.headers["Location"]) == (301, "/tags/?page=2")
    # Claimed for the slashed route's view, so the dispatcher names it.
    assert party.ask("legacy", "match", MatchRequest("GET", "/tags")) == Match(
        "legacy", "tags", True
    )
    # Neither /nowhere nor /nowhere/ is Django's: the new app answers.
    assert client.get("/nowhere").get_data(as_text=True) == "new app: not found"
    assert client.get("/fresh").get_data(as_text=True) == "new"


def test_without_append_slash_the_slashless_path_is_not_claimed(make_party: MakeParty) -> None:
    party, client = party_in_front_of_django(make_party, "/fresh")
    with override_settings(APPEND_SLASH=False):
        response = client.get("/tags")
        assert (response.status_code, response.get_data(as_text=True)) == (
            404,
            "new app: not found",
        )
        with pytest.raises(NoAnswer):
            party.ask("legacy", "match", MatchRequest("GET", "/tags"))
    assert client.get("/tags").status_code == 301


class SlashingMiddleware:
    """Stands in for a project's own subclass of ``CommonMiddleware``."""


def test_only_common_middleware_or_a_subclass_of_it_makes_the_claim(
    make_party: MakeParty,
) -> None:
    from django.conf import settings
    from django.middleware.common import CommonMiddleware

    party, _client = party_in_front_of_django(make_party)
    without = [m for m in settings.MIDDLEWARE if not m.endswith(".CommonMiddleware")]
    ask = party.ask
    with override_settings(MIDDLEWARE=without), pytest.raises(NoAnswer):
        ask("legacy", "match", MatchRequest("GET", "/tags"))
    subclass = type("SiteCommonMiddleware", (CommonMiddleware,), {})
    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(MIDDLEWARE=[*without, f"{__name__}.SlashingMiddleware"]),
    ):
        with pytest.raises(NoAnswer):
            ask("legacy", "match", MatchRequest("GET", "/tags"))
        patch.setattr(f"{__name__}.SlashingMiddleware", subclass)
        assert ask("legacy", "match", MatchRequest("GET", "/tags")).endpoint == "tags"


def plain(request: t.Any) -> HttpResponse:
    return HttpResponse("plain")


#: A URLconf for the test below: one view opts out of the slash redirect.
urlpatterns = [
    path("slashed/", plain, name="slashed"),
    path("opted-out/", no_append_slash(plain), name="opted-out"),
    path("both", plain, name="both-bare"),
    path("both/", plain, name="both"),
]


def test_the_claim_follows_djangos_rule_for_views_and_paths(make_party: MakeParty) -> None:
    party, client = party_in_front_of_django(make_party)

    def endpoint(path: str) -> str | None:
        try:
            return party.ask("legacy", "match", MatchRequest("GET", path)).endpoint
        except NoAnswer:
            return None

    with override_settings(ROOT_URLCONF=__name__):
        assert endpoint("/slashed") == "slashed"
        assert endpoint("/opted-out") is None  # no_append_slash: Django would 404
        assert client.get("/opted-out").get_data(as_text=True) == "new app: not found"
        assert endpoint("/both") == "both-bare"  # resolves itself: no redirect
        assert endpoint("/slashed/x") is None


def test_explain_shows_a_new_route_shadowed_by_djangos_slash_redirect(
    make_party: MakeParty,
) -> None:
    from wsgi_party import RouteExplanation

    dispatcher = dispatcher_for("/tags")
    party = make_party(dispatcher)
    routes: dict[str | None, RouteExplanation] = {
        r.endpoint: r for r in dispatcher.explain(party) if r.member == "new"
    }
    tags = routes["tags"]
    assert (tags.probe, tags.served_by) == ("/tags", "legacy")
    assert tags.shadowed_by == (RouteShadow("legacy", ("GET",), "/tags"),)
    # As requests go: Django's redirect, never the new view.
    assert Client(party).get("/tags").status_code == 301
