"""Names that survive a migration (issue 15, part 8), with the real frameworks.

A Django member named like one of its URL namespaces, legacy names a moved
route's new owner answers for, and the URL space a member claims outside
its router.
"""

from __future__ import annotations

import re
import typing as t

import pytest
from django.test import override_settings

from tests.django_site import setup_django
from tests.test_django import Site, build_site
from wsgi_party import UrlBuildError, WSGIParty


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


def test_a_name_the_member_lacks_either_way_is_an_unknown_endpoint(polls_site: Site) -> None:
    with pytest.raises(UrlBuildError) as caught:
        polls_site.party.url_for("polls:nope")
    # Neither 'nope' nor 'polls:nope': an unknown endpoint, not a refusal.
    assert str(caught.value) == "member 'polls' has no endpoint 'polls:nope'"
    assert caught.value.asked == ("polls",)
    assert caught.value.refusals == ()


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


# -- URL space: what a member serves outside its router -------------------------


def legacy_default() -> t.Any:
    """A legacy Werkzeug app that answers 404 "legacy" for everything it has no route for."""
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    from wsgi_party import PartyMember

    url_map = Map([Rule("/", endpoint="home")])

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        adapter = url_map.bind_to_environ(request.environ)
        if adapter.test(request.path):
            return Response("legacy home")
        return Response("legacy 404", status=404)

    return PartyMember(app, name="legacy", url_map=url_map)


def claims(site: t.Any, name: str) -> list[tuple[str, str, str]]:
    return [(c.prefix, c.declared_by, c.served_by) for c in site.claims_of(name)]


def test_dispatcher_claims_send_a_prefix_to_the_member_that_serves_it(
    make_party: t.Callable[..., WSGIParty], tmp_path: t.Any
) -> None:
    import flask
    from werkzeug.middleware.shared_data import SharedDataMiddleware
    from werkzeug.test import Client

    from wsgi_party import RouteDispatcher
    from wsgi_party.flask import FlaskParty

    (tmp_path / "site.css").write_text("body {}")
    new = flask.Flask("new", static_folder=None)
    new.add_url_rule("/about", "about", lambda: "new about")
    FlaskParty(new, name="new")
    new.wsgi_app = SharedDataMiddleware(new.wsgi_app, {"/assets": str(tmp_path)})  # type: ignore[method-assign]

    def files(environ: t.Any, start_response: t.Any) -> t.Any:
        """A plain WSGI app that never joins the party."""
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain " + environ["PATH_INFO"].encode()]

    members = {"new": new, "files": files, "legacy": legacy_default()}
    unclaimed = Client(make_party(RouteDispatcher(members, default="legacy")))
    assert unclaimed.get("/assets/site.css").status_code == 404
    assert unclaimed.get("/downloads/a.zip").get_data(as_text=True) == "legacy 404"
    unclaimed.application.close()  # type: ignore[attr-defined]

    site = RouteDispatcher(
        members, default="legacy", claims={"new": ["/assets/"], "files": ["/downloads"]}
    )
    client = Client(make_party(site))
    assert client.get("/assets/site.css").get_data(as_text=True) == "body {}"
    assert client.get("/about").get_data(as_text=True) == "new about"
    assert client.get("/downloads/a.zip").get_data(as_text=True) == "plain /downloads/a.zip"
    assert client.get("/downloads").get_data(as_text=True) == "plain /downloads"
    assert client.get("/downloadsx").get_data(as_text=True) == "legacy 404"
    assert client.get("/").get_data(as_text=True) == "legacy home"
    assert claims(site, "new") == [("/assets", "RouteDispatcher(claims=...)", "new")]
    assert claims(site, "files") == [("/downloads", "RouteDispatcher(claims=...)", "files")]


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"nobody": ["/x/"]}, "'nobody', which is not one of the members"),
        ({"legacy": "/static/"}, "must be a list of paths, got the string '/static/'"),
        ({"legacy": ["static/"]}, "a path below '/'"),
        ({"legacy": ["/"]}, "a path below '/'"),
    ],
)
def test_bad_claims_are_refused_naming_them(claims: dict[str, t.Any], message: str) -> None:
    from wsgi_party import ConfigurationError, RouteDispatcher

    with pytest.raises(ConfigurationError, match=re.escape(message)):
        RouteDispatcher({"legacy": legacy_default()}, default="legacy", claims=claims)


def test_flask_static_files_and_blueprint_statics_are_claimed_by_its_router(
    make_party: t.Callable[..., WSGIParty], tmp_path: t.Any
) -> None:
    import flask
    from werkzeug.test import Client

    from wsgi_party import RouteDispatcher
    from wsgi_party.flask import FlaskParty

    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("app")
    (tmp_path / "shop_static").mkdir()
    (tmp_path / "shop_static" / "shop.css").write_text("shop")
    new = flask.Flask("new", root_path=str(tmp_path), static_url_path="/s")
    shop = flask.Blueprint(
        "shop", "new", static_folder=str(tmp_path / "shop_static"), static_url_path="/shop-files"
    )
    new.register_blueprint(shop, url_prefix="/shop")
    FlaskParty(new, name="new")
    client = Client(
        make_party(RouteDispatcher({"new": new, "legacy": legacy_default()}, default="legacy"))
    )
    assert client.get("/s/app.css").get_data(as_text=True) == "app"
    assert client.get("/shop/shop-files/shop.css").get_data(as_text=True) == "shop"


def test_pyramid_claims_its_debug_toolbar_and_static_views(
    make_party: t.Callable[..., WSGIParty], tmp_path: t.Any
) -> None:
    pytest.importorskip("pyramid_debugtoolbar")
    from pyramid.config import Configurator
    from pyramid.response import Response
    from werkzeug.test import Client

    from wsgi_party import RouteDispatcher

    (tmp_path / "wiki.css").write_text("wiki")
    config = Configurator(settings={"wsgi_party.name": "wiki", "debugtoolbar.hosts": "127.0.0.1"})
    config.include("pyramid_debugtoolbar")
    config.add_static_view("wiki-static", str(tmp_path))
    config.add_route("page", "/page")
    config.add_view(lambda request: Response("<html><body>page</body></html>"), route_name="page")
    config.include("wsgi_party.pyramid")
    wiki = config.make_wsgi_app()
    site = RouteDispatcher({"wiki": wiki, "legacy": legacy_default()}, default="legacy")
    client = Client(make_party(site))
    local = {"REMOTE_ADDR": "127.0.0.1"}  # the toolbar serves only its hosts
    assert client.get("/wiki-static/wiki.css").get_data(as_text=True) == "wiki"
    page = client.get("/page", environ_base=local).get_data(as_text=True)
    assert "/_debug_toolbar/" in page  # the toolbar injected its button
    toolbar = client.get("/_debug_toolbar/static/toolbar/toolbar.css", environ_base=local)
    assert toolbar.status_code == 200
    assert "background-color" in toolbar.get_data(as_text=True)
    assert claims(site, "wiki") == [("/_debug_toolbar", "member 'wiki'", "wiki")]


def test_django_claims_the_static_prefix_whitenoise_serves(
    make_party: t.Callable[..., WSGIParty], tmp_path: t.Any
) -> None:
    pytest.importorskip("whitenoise")
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.test import Client

    from tests.django_site import settings as django_settings
    from wsgi_party import RouteDispatcher

    (tmp_path / "site.css").write_text("django css")
    middleware = list(django_settings.MIDDLEWARE)
    middleware.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")
    with override_settings(MIDDLEWARE=middleware, STATIC_URL="/assets/", STATIC_ROOT=str(tmp_path)):
        django_app = WSGIHandler()
        site = RouteDispatcher({"legacy": django_app, "new": legacy_default()}, default="new")
        client = Client(make_party(site))
        assert claims(site, "legacy") == [("/assets", "member 'legacy'", "legacy")]
        response = client.get("/assets/site.css")
        assert response.status_code == 200
        assert b"".join(response.iter_encoded()) == b"django css"
        assert client.get("/elsewhere").get_data(as_text=True) == "legacy 404"


def test_routes_command_and_explain_show_claimed_prefixes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from tests.cli_targets import moved
    from wsgi_party.cli import main

    assert main(["routes", "tests.cli_targets.moved:claimed", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    claims = [row for row in rows if "claim" in row]
    assert [(r["member"], r["claim"], r["rule"], r["endpoint"]) for r in claims] == [
        ("new", "/assets", "/assets/*", None)
    ]
    assert "RouteDispatcher(claims=...)" in claims[0]["note"]
    logo = next(row for row in rows if row["endpoint"] == "logo")
    assert logo["served_by"] == "new"
    assert logo["shadowed_by"] == [
        {"member": "new", "methods": ["GET"], "evidence": "claim", "probe": "/assets/logo.png"}
    ]

    assert main(["routes", "tests.cli_targets.moved:claimed"]) == 0
    table = capsys.readouterr().out
    assert "/assets/*" in table and "claimed prefix" in table

    party = moved.claimed
    explained = {r.endpoint: r for r in party.application.explain(party)}
    assert explained["logo"].shadowed_by[0].evidence == "claim"
    assert explained["about"].shadowed_by == ()


# -- one app with a prefix of its own and taken-over routes ----------------------


def shop_with_a_prefix() -> t.Any:
    import flask

    from wsgi_party.flask import FlaskParty, party_url

    shop = flask.Flask("shop")
    FlaskParty(shop, name="shop")
    pages = flask.Blueprint("pages", "shop")
    pages.add_url_rule("/", "index", lambda: f"shop index; about: {party_url('about')}")
    pages.add_url_rule("/cart", "cart", lambda: "cart")
    shop.register_blueprint(pages, url_prefix="/shop")
    shop.add_url_rule("/about", "about", lambda: f"shop about; cart: {party_url('pages.cart')}")
    return shop


def test_one_app_serves_its_prefix_and_taken_over_routes_as_one_member(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    from wsgi_party import RouteDispatcher

    site = RouteDispatcher(
        {"shop": shop_with_a_prefix(), "legacy": legacy_default()}, default="legacy"
    )
    party = make_party(DispatcherMiddleware(NotFound(), {"/site": site}))
    client = Client(party)
    assert client.get("/site/shop/").get_data(as_text=True) == "shop index; about: /site/about"
    assert client.get("/site/shop/cart").get_data(as_text=True) == "cart"
    assert client.get("/site/about").get_data(as_text=True) == "shop about; cart: /site/shop/cart"
    assert client.get("/site/").get_data(as_text=True) == "legacy home"
    assert client.get("/site/contact").get_data(as_text=True) == "legacy 404"
    assert [m.name for m in party.members] == ["shop", "legacy"]
    assert party.url_for("shop:pages.cart") == "/site/shop/cart"


def test_mounting_one_app_twice_is_refused_with_the_supported_spelling(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from wsgi_party import InvitationError, RouteDispatcher

    shop = shop_with_a_prefix()
    site = RouteDispatcher({"shop": shop, "legacy": legacy_default()}, default="legacy")
    with pytest.raises(InvitationError) as caught:
        make_party(DispatcherMiddleware(site, {"/shop": shop}))
    message = str(caught.value)
    assert "already joined this party as member" in message
    assert "mount each app once" in message
    assert "one RouteDispatcher member whose own routes carry the prefix" in message


def test_pyramid_member_named_like_its_route_names_reads_them_the_same_way(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    from pyramid.config import Configurator
    from pyramid.response import Response
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    config = Configurator(settings={"wsgi_party.name": "wiki"})
    config.include("wsgi_party.pyramid")
    config.add_route("wiki:front", "/front-page")  # a route name with the member's name in it
    config.add_route("page", "/page")
    config.add_route("wiki:page", "/namespaced-page")
    config.add_route("link", "/link")
    config.add_view(lambda request: Response("x"), route_name="wiki:front")
    config.add_view(
        lambda request: Response(request.party_url(request.params["endpoint"])), route_name="link"
    )
    party = make_party(DispatcherMiddleware(legacy_default(), {"/wiki": config.make_wsgi_app()}))
    client = Client(party)

    def link(endpoint: str) -> str:
        return client.get("/wiki/link", query_string={"endpoint": endpoint}).get_data(as_text=True)

    for endpoint, expected in [
        ("wiki:front", "/wiki/front-page"),  # no route "front": the whole name
        ("wiki:wiki:front", "/wiki/front-page"),
        ("wiki:page", "/wiki/page"),  # "page" first, as the party reads it
        ("wiki:wiki:page", "/wiki/namespaced-page"),
    ]:
        assert party.url_for(endpoint) == expected, endpoint
        assert link(endpoint) == expected, endpoint


def test_a_claim_behind_an_earlier_members_route_is_reported_shadowed(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    import flask
    from werkzeug.test import Client

    from wsgi_party import RouteDispatcher
    from wsgi_party.flask import FlaskParty

    new = flask.Flask("new")  # its own /static/<path:filename> route
    FlaskParty(new, name="new")

    def files(environ: t.Any, start_response: t.Any) -> t.Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"files"]

    site = RouteDispatcher(
        {"new": new, "files": files, "legacy": legacy_default()},
        default="legacy",
        claims={"files": ["/static"]},
    )
    client = Client(make_party(site))
    assert client.get("/static/x").status_code == 404  # Flask's static route took it
    (claim,) = site.claims_of("files")
    assert (claim.prefix, claim.probe, claim.served_by) == ("/static", "/static/x", "new")
    assert [(s.member, s.evidence) for s in claim.shadowed_by] == [("new", "match")]


def test_check_command_fails_on_a_legacy_name_declared_twice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from wsgi_party.cli import main

    assert main(["check", "tests.cli_targets.moved:conflict"]) == 1
    out = capsys.readouterr().out
    assert "aliases: legacy name 'main.explore' is declared twice" in out
    assert "FAILED" in out
    assert main(["check", "tests.cli_targets.moved:application"]) == 0


def test_flask_links_to_a_django_member_named_like_its_namespace(
    make_party: t.Callable[..., WSGIParty],
) -> None:
    import flask
    from django.core.wsgi import get_wsgi_application
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    from wsgi_party.flask import FlaskParty, party_url

    shop = flask.Flask("shop")
    FlaskParty(shop, name="shop")
    shop.add_url_rule("/", "index", lambda: party_url("polls:index"))
    shop.add_url_rule(
        "/template",
        "template",
        lambda: flask.render_template_string(
            "{{ party_url('polls:polls:detail', pk=3) }} {{ party_url('polls:detail', pk=4) }}"
        ),
    )
    with override_settings(WSGI_PARTY_NAME="polls"):
        mounts = {"/shop": shop, "/legacy": get_wsgi_application()}
        client = Client(make_party(DispatcherMiddleware(NotFound(), mounts)))
    assert client.get("/shop/").get_data(as_text=True) == "/legacy/polls/"
    assert client.get("/shop/template").get_data(as_text=True) == (
        "/legacy/polls/3/ /legacy/polls/4/"
    )
