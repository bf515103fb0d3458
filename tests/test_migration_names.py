"""Names that survive a migration (issue 15, part 8), with the real frameworks.

A Django member named like one of its URL namespaces, legacy names a moved
route's new owner answers for, and the URL space a member claims outside
its router.
"""

from __future__ import annotations

import typing as t

import pytest
from django.test import override_settings

from tests.django_site import setup_django
from tests.test_django import Site, build_site
from wsgi_party import HighAndDry, UrlBuildError, WSGIParty


@pytest.fixture(scope="module", autouse=True)
def _django() -> None:
    setup_django()


# -- a Django member named like its namespace ----------------------------------


@pytest.fixture
def polls_site(make_party: t.Callable[..., WSGIParty]) -> Site:
    """The test project joined as member ``polls``, which is also its namespace."""
    with override_settings(WSGI_PARTY_NAME="polls"):
        return build_site(make_party)


@pytest.mark.parametrize(
    ("endpoint", "values", "reference"),
    [
        ("polls:index", {}, "polls:index"),
        ("polls:detail", {"pk": 3}, "polls:detail"),
        ("polls:results", {"pk": 3, "kind": "final"}, "polls:results"),
        ("polls:polls:index", {}, "polls:index"),
        ("polls:polls:detail", {"pk": 3}, "polls:detail"),
        ("polls:old-polls:detail", {"pk": 3}, "old-polls:detail"),
        ("polls:home", {}, "home"),
    ],
)
def test_member_named_like_its_namespace_builds_every_namespaced_name(
    polls_site: Site, endpoint: str, values: dict[str, t.Any], reference: str
) -> None:
    assert polls_site.party.member("polls").script_name == "/legacy"
    expected = polls_site.reverse(reference, **values)["path"]
    assert expected.startswith("/legacy/")
    assert polls_site.blog_link(endpoint, **values) == expected
    assert polls_site.django_link(endpoint, **values) == expected
    assert polls_site.party.url_for(endpoint, **values) == expected


def test_member_named_like_its_namespace_in_the_template_tag(polls_site: Site) -> None:
    page = polls_site.text("/legacy/tags/")
    expected = polls_site.reverse("polls:detail", pk=5)["path"]
    assert f'id="local" href="{expected}?page=2&amp;q=x"' in page


def test_the_member_part_is_read_first_then_the_whole_name(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    # Member "api" with namespace "api": "api:item" is not a name of its
    # own once "api:" is taken off, so the whole name is built.
    with override_settings(WSGI_PARTY_NAME="api"):
        site = build_site(make_party)
    expected = site.reverse("api:item", version=2, pk=5)["path"]
    assert site.blog_link("api:item", version=2, pk=5) == expected
    assert site.blog_link("api:api:item", version=2, pk=5) == expected
    assert (
        site.blog_link("api:api:inner:thing", version=2, slug="x")
        == (site.reverse("api:inner:thing", version=2, slug="x")["path"])
    )


def test_a_name_the_member_lacks_either_way_names_the_short_name(polls_site: Site) -> None:
    with pytest.raises(UrlBuildError) as caught:
        polls_site.party.url_for("polls:nope")
    assert str(caught.value).startswith("member 'polls' could not build a URL for 'polls:nope'")
    assert "'nope'" in str(caught.value).partition(": ")[2]
    assert caught.value.asked == ("polls",)
    assert isinstance(caught.value.__cause__, HighAndDry)


def test_a_namespaced_name_missing_a_value_gives_the_namespaced_reason(polls_site: Site) -> None:
    with pytest.raises(UrlBuildError) as caught:
        polls_site.party.url_for("polls:detail")
    reason = str(caught.value.__cause__)
    assert "'polls:detail'" in reason, reason
    assert "'detail'" not in reason.replace("'polls:detail'", ""), reason


# -- moved names: the new owner answers for the legacy names --------------------


def legacy_flask(*, explore: bool = False) -> t.Any:
    """The legacy Flask app; ``explore`` keeps its own ``main.explore`` route live."""
    import flask

    from wsgi_party.flask import FlaskParty, party_url

    app = flask.Flask("legacy")
    main = flask.Blueprint("main", "legacy")

    @main.route("/")
    def home() -> str:
        return "home"

    if explore:

        def explore_view(topic: str) -> str:
            return f"old {topic}"

        main.add_url_rule("/old-explore/<topic>", "explore", explore_view)

    @main.route("/link")
    def link() -> str:
        endpoint = flask.request.args["endpoint"]
        return party_url(
            endpoint, **{k: v for k, v in flask.request.args.items() if k != "endpoint"}
        )

    app.register_blueprint(main)
    FlaskParty(app, name="legacy")
    return app


def new_shop(**party_options: t.Any) -> t.Any:
    """The new Flask app that took ``explore`` over, at ``/explore/<topic>``."""
    import flask

    from wsgi_party.flask import FlaskParty

    app = flask.Flask("shop")

    @app.route("/explore/<topic>")
    def explore(topic: str) -> str:
        return f"new {topic}"

    FlaskParty(app, name="shop", **party_options)
    return app


SHOP_ALIASES = {"legacy:main.explore": "explore", "main.explore": "explore"}


def migrated_site(
    make_party: t.Callable[..., WSGIParty], *, live_legacy: bool = False, **party_options: t.Any
) -> WSGIParty:
    from wsgi_party import RouteDispatcher

    site = RouteDispatcher(
        {"shop": new_shop(aliases=SHOP_ALIASES), "legacy": legacy_flask(explore=live_legacy)},
        default="legacy",
    )
    return make_party(site, **party_options)


def test_every_old_link_builds_the_new_url_once_the_legacy_route_is_gone(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from werkzeug.test import Client

    party = migrated_site(make_party)
    assert party.url_for("legacy:main.explore", topic="tea") == "/explore/tea"
    assert party.url_for("main.explore", topic="tea") == "/explore/tea"
    assert party.url_for("explore", topic="tea") == "/explore/tea"
    client = Client(party)
    # From the legacy app's own pages, bare and member-qualified.
    for endpoint in ("main.explore", "legacy:main.explore"):
        page = client.get("/link", query_string={"endpoint": endpoint, "topic": "tea"})
        assert page.get_data(as_text=True) == "/explore/tea"
    assert client.get("/explore/tea").get_data(as_text=True) == "new tea"
    alias = party.aliases["legacy:main.explore"]
    assert (alias.member, alias.endpoint, alias.declared_by) == ("shop", "explore", "member 'shop'")


def test_a_live_legacy_route_keeps_its_links(make_party: t.Callable[..., WSGIParty]) -> None:
    party = migrated_site(make_party, live_legacy=True)
    assert party.url_for("legacy:main.explore", topic="tea") == "/old-explore/tea"
    assert party.url_for("main.explore", topic="tea") == "/old-explore/tea"


def test_the_party_can_move_a_name_for_a_member_that_cannot_declare_it(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from wsgi_party import RouteDispatcher

    site = RouteDispatcher({"shop": new_shop(), "legacy": legacy_flask()}, default="legacy")
    party = make_party(site, moved={"legacy:main.explore": "shop:explore"})
    assert party.url_for("legacy:main.explore", topic="tea", _anchor="x") == "/explore/tea#x"
    assert party.aliases["legacy:main.explore"].declared_by == "WSGIParty(moved=...)"
    with pytest.raises(UrlBuildError, match=r"'main.explore'"):
        party.url_for("main.explore", topic="tea")  # a spelling nobody declared


def test_a_moved_name_whose_new_route_cannot_build_says_where_it_moved(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    party = migrated_site(make_party)
    with pytest.raises(UrlBuildError) as caught:
        party.url_for("legacy:main.explore")  # no topic
    message = str(caught.value)
    assert "'legacy:main.explore' moved to shop:explore" in message, message
    assert "member 'shop'" in message
    assert caught.value.asked == ("shop",)


def test_one_legacy_name_declared_twice_is_an_error_naming_both(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from wsgi_party import ConfigurationError

    party = migrated_site(make_party, moved={"main.explore": "shop:explore"})
    with pytest.raises(ConfigurationError, match=r"'main.explore' is declared twice") as caught:
        party.url_for("main.explore", topic="tea")
    assert "WSGIParty(moved=...)" in str(caught.value)
    assert "member 'shop'" in str(caught.value)


def test_moved_to_a_member_that_is_not_in_the_party_is_an_error(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from wsgi_party import ConfigurationError

    party = migrated_site(make_party, moved={"gone": "nobody:explore"})
    with pytest.raises(ConfigurationError, match=r"'nobody' is not a member \(members: 'shop'"):
        party.aliases  # noqa: B018 - the table is checked when made
    with pytest.raises(ConfigurationError, match="must be 'member:endpoint'"):
        WSGIParty(new_shop(), moved={"gone": "explore"}, invites=())


def test_aliases_from_django_and_pyramid_settings(make_party: t.Callable[..., WSGIParty]) -> None:
    from pyramid.config import Configurator
    from pyramid.response import Response

    config = Configurator(
        settings={
            "wsgi_party.name": "wiki",
            "wsgi_party.aliases": "\n# moved from the legacy blog\nblog:front = front_page\n",
        }
    )
    config.add_route("front_page", "/front/{page}")
    config.add_view(lambda request: Response("front"), route_name="front_page")
    config.include("wsgi_party.pyramid")
    pyramid_app = config.make_wsgi_app()
    with override_settings(WSGI_PARTY_ALIASES={"blog:archive": "archive"}):
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        site = build_site(make_party)
        party = site.party
        party.close()
        app = party.application
        assert isinstance(app, DispatcherMiddleware)
        app.mounts["/wiki"] = pyramid_app
        party = make_party(app)
    assert party.url_for("blog:archive", year=2024) == "/legacy/archive/2024/"
    assert party.url_for("blog:front", page="x") == "/wiki/front/x"
    assert {name: a.member for name, a in party.aliases.items()} == {
        "blog:archive": "legacy",
        "blog:front": "wiki",
    }


def test_routes_command_lists_the_legacy_names_each_member_answers_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from wsgi_party.cli import main

    assert main(["routes", "tests.cli_targets.moved:application", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    aliases = {row["endpoint"]: row for row in rows if "alias_of" in row}
    assert set(aliases) == {"legacy:main.explore", "main.explore", "gone", "legacy:main.search"}
    explore = aliases["legacy:main.explore"]
    assert (explore["member"], explore["alias_of"], explore["rule"]) == (
        "new",
        "explore",
        "/explore/<topic>",
    )
    assert explore["served_by"] == "new"
    assert "declared by member 'new'" in explore["note"]
    assert "declared by WSGIParty(moved=...)" in aliases["legacy:main.search"]["note"]
    assert aliases["gone"]["rule"] is None
    assert "which is not one of its routes" in aliases["gone"]["note"]
    assert all("alias_of" not in row for row in rows if row["endpoint"] in ("explore", "main.home"))

    assert main(["routes", "tests.cli_targets.moved:application"]) == 0
    table = capsys.readouterr().out
    line = next(
        line for line in table.splitlines() if line.startswith("new     legacy:main.explore")
    )
    assert "/explore/<topic>" in line and "alias of 'explore'" in line


def test_routes_command_fails_on_a_legacy_name_declared_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from wsgi_party.cli import main

    assert main(["routes", "tests.cli_targets.moved:conflict"]) == 1
    err = capsys.readouterr().err
    assert "'main.explore' is declared twice" in err
