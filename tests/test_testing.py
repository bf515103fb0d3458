"""``wsgi_party.testing`` and its pytest plugin: one app tested alone, with stand-ins.

Stand-ins answer as members; ``party_for`` puts a real app of each framework
in a live party with them, and the framework's own test client then works
unchanged; ``StandIn.from_routes`` follows real ``wsgi-party routes --json``
output; the plugin's fixtures are run by pytest itself (``pytester``); and an
app's own test suite, unchanged, is run with and without the stand-ins.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import typing as t
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import BuildError
from werkzeug.test import Client

from wsgi_party import (
    HighAndDry,
    Identity,
    Match,
    MatchRequest,
    PartyClosed,
    PartylineException,
    PartyMember,
    UrlBuildError,
    WSGIParty,
    partyline,
)
from wsgi_party.flask import FlaskParty, party_url
from wsgi_party.testing import StandIn, _werkzeug_rule, party_for

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent
OWN_SUITES = Path(__file__).resolve().parent / "own_suites"


def plain_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """A WSGI app that links to the docs through the partyline."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [partyline.url_for("docs:page", name="intro").encode()]


def routes_json(capsys: pytest.CaptureFixture[str], target: str) -> str:
    """The real output of ``wsgi-party routes TARGET --json``."""
    from wsgi_party.cli import main

    capsys.readouterr()
    assert main(["routes", target, "--json"]) == 0
    return capsys.readouterr().out


DOCS = {"index": "/", "page": "/<path:name>.html"}


# -- StandIn answers as a member ---------------------------------------------------


def test_a_stand_in_builds_urls_from_werkzeug_rules_under_its_mount():
    docs = StandIn("docs", routes={**DOCS, "book": "/book/<int:pk>/"}, mount="/docs")
    with party_for(PartyMember(plain_app, name="blog"), "/blog", docs) as party:
        assert party.url_for("docs:index") == "/docs/"
        assert party.url_for("docs:page", name="a/b", q="x y") == "/docs/a/b.html?q=x+y"
        assert party.url_for("book", pk=3, _anchor="top") == "/docs/book/3/#top"
        assert party.url_for("docs:book", pk=3, _external=True) == "http://localhost/docs/book/3/"
        assert Client(party).get("/blog/").text == "/docs/intro.html"


def test_a_stand_in_refuses_an_unknown_endpoint_or_a_missing_value_by_name():
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    with party_for(PartyMember(plain_app, name="blog"), "/blog", docs) as party:
        with pytest.raises(UrlBuildError, match=r"stand-in 'docs' has no endpoint 'nope'"):
            party.url_for("docs:nope")
        with pytest.raises(
            UrlBuildError,
            match=r"^member 'docs' has 'docs:page' but could not build it: missing value 'name'$",
        ):
            party.url_for("docs:page")
        with pytest.raises(UrlBuildError, match=r"asked: 'docs'"):
            party.url_for("nowhere")


def test_a_stand_in_answers_identity_fixed_or_from_the_environ_and_can_change():
    ann = Identity("7", "ann", roles={"editor"})
    accounts = StandIn("accounts", identity=ann)
    with party_for(PartyMember(plain_app, name="blog"), "/blog", accounts) as party:
        assert party.ask_first("identity", None) == ann
        accounts.identity = None
        assert party.ask_first("identity", None) is None
        accounts.identity = lambda environ: Identity(environ.get("HTTP_X_USER", "0"), "x")
        assert party.ask_first("identity", None).id == "0"  # outside a request: {}


def test_the_identity_callable_gets_the_current_requests_environ():
    seen: list[str] = []

    def who(environ: WSGIEnvironment) -> Identity | None:
        seen.append(environ.get("HTTP_X_USER", ""))
        return None

    def asks(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        identity = partyline.ask_first("identity", None)
        start_response("200 OK", [])
        return [repr(identity).encode()]

    with party_for(PartyMember(asks), "/app", StandIn("accounts", identity=who)) as party:
        assert Client(party).get("/app/", headers={"X-User": "bob"}).text == "None"
    assert seen == ["bob"]


def test_an_identity_set_before_joining_makes_the_stand_in_answer_identity():
    # As a test writes it: the stand-in from the route table, then who is logged in.
    accounts = StandIn("accounts", routes={"login": "/login"})
    accounts.identity = None
    with party_for(
        PartyMember(plain_app, name="blog"), "/blog", accounts, owners={"identity": "accounts"}
    ) as party:
        assert "identity" in party.member("accounts").services
        assert party.ask_first("identity", None) is None
        accounts.identity = Identity("7", "ann")
        assert party.ask_first("identity", None) == Identity("7", "ann")


def test_setting_identity_on_a_live_stand_in_that_does_not_answer_it_is_refused():
    docs = StandIn("docs", routes=DOCS)
    with party_for(PartyMember(plain_app), "/blog", docs) as party:
        with pytest.raises(PartylineException, match=r"stand-in 'docs' joined .* identity="):
            docs.identity = Identity("7", "ann")
        assert "identity" not in party.member("docs").services


def test_a_stand_in_without_identity_does_not_answer_identity():
    with party_for(PartyMember(plain_app), "/blog", StandIn("docs", routes=DOCS)) as party:
        assert "identity" not in party.member("docs").services
        assert "layout" not in party.member("docs").services


def test_a_stand_in_answers_layout_with_its_fragments():
    chrome = StandIn("chrome", fragments={"header": "<nav/>", "who": lambda e: e["PATH_INFO"]})
    with party_for(PartyMember(plain_app), "/blog", chrome) as party:
        assert party.ask_first("layout", "header") == "<nav/>"
        with pytest.raises(PartylineException, match=r"no layout fragment 'footer'"):
            party.ask("chrome", "layout", "footer")


def test_a_stand_in_answers_routes_match_and_ping():
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    with party_for(PartyMember(plain_app), "/blog", docs) as party:
        rules = {(r.endpoint, r.rule) for r in party.ask("docs", "routes", None)}
        assert rules == {("index", "/docs/"), ("page", "/docs/<path:name>.html")}
        assert party.ask("docs", "match", MatchRequest("GET", "/x.html")) == Match(
            "docs", "page", True, ()
        )
        with pytest.raises(PartylineException, match="no route"):
            party.ask("docs", "match", MatchRequest("GET", "/x.txt"))
        assert party.ask("docs", "ping", None).member == "docs"
        client = Client(party)
        assert client.get("/docs/x.html").text == "stand-in 'docs': page\n"
        assert client.get("/docs/x.txt").status_code == 404


def test_a_bad_rule_or_name_is_refused_when_the_stand_in_is_made():
    with pytest.raises(PartylineException, match=r"'/<nope:x>' of 'a' is not a Werkzeug rule"):
        StandIn("docs", routes={"a": "/<nope:x>"})
    with pytest.raises(PartylineException, match="starting with '/'"):
        StandIn("docs", routes={"a": "a"})
    with pytest.raises(PartylineException, match="without ':'"):
        StandIn("a:b")
    with pytest.raises(PartylineException, match="must start with '/'"):
        StandIn("docs", mount="docs")


# -- party_for ----------------------------------------------------------------------


def test_party_for_mounts_the_app_and_the_stand_ins_and_closes_on_exit():
    app = PartyMember(plain_app, name="blog")
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    root = StandIn("legacy", routes={"home": "/"})
    with party_for(app, "/blog", docs, root) as party:
        assert isinstance(party, WSGIParty)
        assert [(m.name, m.script_name) for m in party.members] == [
            ("legacy", ""),
            ("blog", "/blog"),
            ("docs", "/docs"),
        ]
        assert party.url_for("home") == "/"
    assert party.closed
    assert docs.operator is None
    assert app.operator is None
    with pytest.raises(PartyClosed):
        party.url_for("docs:index")


def test_party_for_can_be_made_again_with_the_same_app_and_stand_ins():
    app = PartyMember(plain_app, name="blog")
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    for _ in range(3):
        with party_for(app, "/", docs) as party:
            assert Client(party).get("/").text == "/docs/intro.html"


def test_the_app_under_test_may_be_the_root():
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    with party_for(PartyMember(plain_app, name="blog"), "/", docs) as party:
        assert party.member("blog").script_name == ""


def test_stand_ins_sharing_a_mount_serve_their_own_routes_and_the_app_the_rest():
    # As a RouteDispatcher shares one prefix in the real site: a route moved
    # to a new member at the same URL as the legacy app.
    howdy = StandIn("howdy", routes={"greet": "/howdy"}, mount="/accounts")
    accounts = StandIn("accounts", routes={"login": "/login"}, mount="/accounts")
    docs = StandIn("docs", routes=DOCS)
    with party_for(PartyMember(plain_app, name="blog"), "/", docs, howdy, accounts) as party:
        assert {m.name: m.script_name for m in party.members} == {
            "blog": "",
            "docs": "",
            "howdy": "/accounts",
            "accounts": "/accounts",
        }
        assert party.url_for("howdy:greet") == "/accounts/howdy"
        assert party.url_for("accounts:login") == "/accounts/login"
        client = Client(party)
        assert client.get("/accounts/howdy").text == "stand-in 'howdy': greet\n"
        assert client.get("/accounts/login").text == "stand-in 'accounts': login\n"
        assert client.get("/intro.html").text == "stand-in 'docs': page\n"
        assert client.get("/anything").text == "/intro.html"  # the app under test


def test_two_apps_at_one_mount_with_one_name_are_refused_naming_both():
    with pytest.raises(PartylineException, match=r"'a' at '/x'> and <StandIn 'a' at '/x'.*same"):
        party_for(PartyMember(plain_app), "/", StandIn("a", mount="/x"), StandIn("a", mount="/x/"))


def test_stand_ins_from_routes_answer_for_the_moved_names_of_the_real_site(capsys):
    # The real site: 'new' took explore over from 'legacy' and answers for its
    # legacy names (declared by itself and by the party's moved=).
    rows = routes_json(capsys, "tests.cli_targets.moved:application")
    new = StandIn.from_routes(rows, "new")
    legacy = StandIn.from_routes(rows, "legacy")
    assert new.aliases["legacy:main.explore"] == "explore"
    assert "legacy:main.explore" not in new.routes
    app = Flask(__name__)
    FlaskParty(app, name="blog")

    @app.route("/")
    def home() -> str:
        bare = party_url("main.explore", topic="y")
        return party_url("legacy:main.explore", topic="x") + " " + bare

    with party_for(app, "/blog", new, legacy):
        assert app.test_client().get("/").text == "/explore/x /explore/y"


def test_a_moved_name_without_its_new_owner_names_the_stand_in_to_add(capsys):
    rows = routes_json(capsys, "tests.cli_targets.moved:application")
    legacy = StandIn.from_routes(rows, "legacy")
    moved = r"builds 'legacy:main.explore' as new:explore, an alias member 'new' declares"
    with (
        party_for(PartyMember(plain_app, name="blog"), "/blog", legacy) as party,
        pytest.raises(UrlBuildError, match=moved + r"; add a stand-in for 'new'"),
    ):
        party.url_for("legacy:main.explore")


def not_a_member(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("404 Not Found", [])
    return [b"no such page"]


def test_an_app_that_does_not_join_is_an_error_and_leaves_no_party_open():
    docs = StandIn("docs", routes=DOCS, mount="/docs")
    with pytest.raises(
        PartylineException,
        match=r"app under test at '/blog' did not join \(answered '404 Not Found'.*FlaskParty",
    ):
        party_for(not_a_member, "/blog", docs)
    assert docs.operator is None
    with party_for(PartyMember(plain_app), "/blog", docs):
        pass


def test_an_app_still_in_a_live_party_is_named_when_it_cannot_join():
    app = PartyMember(plain_app, name="blog")
    with party_for(app, "/blog"), pytest.raises(PartylineException, match="another live party"):
        party_for(app, "/blog")


def test_party_for_passes_options_to_the_party():
    with party_for(
        PartyMember(plain_app), "/blog", StandIn("docs", routes=DOCS), base_url="https://ex.org"
    ) as party:
        assert party.url_for("docs:index", _external=True) == "https://ex.org/"


# -- from_routes ---------------------------------------------------------------------


def test_from_routes_follows_the_real_sites_route_table(capsys, tmp_path):
    text = routes_json(capsys, "tests.cli_targets.site:application")
    routes_file = tmp_path / "routes.json"
    routes_file.write_text(text)
    for source in (routes_file, str(routes_file), text, json.loads(text)):
        blog = StandIn.from_routes(source, "blog")
        shop = StandIn.from_routes(source, "shop")
        assert (blog.mount, shop.mount) == ("/blog", "/")
        with party_for(PartyMember(plain_app, name="app"), "/app", blog, shop) as party:
            assert party.url_for("blog:post", id=3) == "/blog/post/3"
            assert party.url_for("shop:cart") == "/cart"
            assert party.url_for("blog:index") == "/blog/"
            refused = party.ask("shop", "match", MatchRequest("DELETE", "/cart"))
            assert (refused.allowed, refused.methods) == (False, ("GET", "HEAD", "POST"))
            assert Client(party).delete("/cart").status_code == 405


def test_a_link_to_an_endpoint_the_real_site_no_longer_has_fails_naming_the_file(capsys, tmp_path):
    routes_file = tmp_path / "routes.json"
    routes_file.write_text(routes_json(capsys, "tests.cli_targets.site:application"))
    blog = StandIn.from_routes(routes_file, "blog")
    with (
        party_for(PartyMember(plain_app), "/app", blog) as party,
        pytest.raises(UrlBuildError) as caught,
    ):
        party.url_for("blog:archive", year=2020)
    message = str(caught.value)
    assert isinstance(caught.value.__cause__, HighAndDry)
    assert "stand-in 'blog'" in message
    assert str(routes_file) in message
    assert "no endpoint 'archive'" in message
    assert "'index', 'post'" in message


MIGRATION_SITE = "examples.migration.site:application"


def test_from_routes_reads_django_pyramid_and_flask_rules_of_a_real_site():
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_party", "routes", MIGRATION_SITE, "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    rows = json.loads(result.stdout)
    members = {row["member"] for row in rows if row["endpoint"]}
    stand_ins = [StandIn.from_routes(rows, name) for name in sorted(members)]
    mounts = {s.name: s.mount for s in stand_ins}
    assert mounts["blog"] == "/blog"
    assert mounts["admin"] == "/admin"
    with party_for(PartyMember(plain_app, name="test"), "/test-app", *stand_ins) as party:
        for row in rows:
            if row["endpoint"] is None:
                continue
            values = {"pk": 1, "slug": "x"}
            # A legacy name the member answers for is built as the site's links say it.
            name = row["endpoint"] if row.get("alias_of") else f"{row['member']}:{row['endpoint']}"
            url = party.url_for(name, **values)
            # Werkzeug, Django and Pyramid rules (<int:pk>), and Starlette's ({pk}).
            filled = row["rule"].replace("<int:pk>", "1").replace("{pk}", "1")
            assert url.split("?")[0] in {filled, row["rule"].replace("<slug>", "x")}, (row, url)


def test_from_routes_names_the_members_when_the_name_is_not_one(capsys):
    text = routes_json(capsys, "tests.cli_targets.site:application")
    with pytest.raises(PartylineException, match=r"no member 'docs' \(members: 'shop', 'blog'\)"):
        StandIn.from_routes(text, "docs")


def test_from_routes_says_what_is_wrong_with_its_input(tmp_path):
    with pytest.raises(PartylineException, match=r"cannot read the routes file '.*missing.json'"):
        StandIn.from_routes(tmp_path / "missing.json", "docs")
    with pytest.raises(PartylineException, match="is not the JSON of 'wsgi-party routes"):
        StandIn.from_routes("[1,", "docs")
    with pytest.raises(PartylineException, match="is not the output of 'wsgi-party routes"):
        StandIn.from_routes("[1]", "docs")


def test_from_routes_keeps_a_rule_with_no_werkzeug_spelling_as_a_clear_refusal():
    rows = [
        {"member": "legacy", "endpoint": "home", "rule": "/"},
        {"member": "legacy", "endpoint": "odd", "rule": "/odd/(?:a|b)?$"},
    ]
    legacy = StandIn.from_routes(rows, "legacy")
    refused = r"rule '/odd/\(\?:a\|b\)\?\$' cannot be written"
    with (
        party_for(PartyMember(plain_app), "/app", legacy) as party,
        pytest.raises(UrlBuildError, match=refused),
    ):
        party.url_for("legacy:odd")


@pytest.mark.parametrize(
    ("rule", "werkzeug"),
    [
        ("/post/<int:id>", "/post/<int:id>"),
        ("/wiki/{page}", "/wiki/<string:page>"),
        ("/wiki/{page:\\d+}/edit", "/wiki/<int:page>/edit"),
        ("/static/*subpath", "/static/<path:subpath>"),
        ("/polls/<int:pk>/", "/polls/<int:pk>/"),
        ("/x/<slug:slug>/", "/x/<string:slug>/"),
        ("/archive/<yyyy:year>/", "/archive/<string:year>/"),
        ("/regex/(?P<slug>[a-z-]+)/(?P<num>[0-9]+)/", "/regex/<string:slug>/<int:num>/"),
        ("^articles/(?P<rest>.*)$", "/articles/<path:rest>"),
        ("/a\\.b", "/a.b"),
        ("/odd/(?:a|b)?", None),
        ("/year/[0-9]{4}/", None),
    ],
)
def test_framework_rules_become_werkzeug_rules(rule, werkzeug):
    assert _werkzeug_rule(rule) == werkzeug


# -- each framework's own test client, unchanged ---------------------------------


def test_flasks_test_client_links_across_apps_through_the_live_party():
    from flask import Flask, render_template_string

    from wsgi_party.flask import FlaskParty

    app = Flask("blog")
    app.testing = True
    FlaskParty(app, name="blog")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ party_url('docs:page', name='intro') }} {{ party_identity().name }}"
            " {{ party_fragment('footer') }}"
        )

    docs = StandIn("docs", routes=DOCS, mount="/docs")
    accounts = StandIn("accounts", identity=Identity("1", "ann"), fragments={"footer": "<f/>"})
    with party_for(app, "/blog", docs, accounts):
        assert app.test_client().get("/").text == "/docs/intro.html ann <f/>"
        with app.test_request_context("/"):
            assert render_template_string("{{ party_url('docs:index') }}") == "/docs/"
    with pytest.raises(BuildError, match="docs:page"):
        app.test_client().get("/")


def test_djangos_test_client_and_request_factory_link_through_the_live_party():
    from django.core.wsgi import get_wsgi_application
    from django.test import Client as DjangoClient
    from django.test import RequestFactory
    from django.urls import reverse

    from tests.django_site import setup_django, views

    setup_django()
    blog = StandIn(
        "blog",
        routes={"index": "/", "post": "/post/<int:id>"},
        fragments={"sidebar": "<aside/>"},
        mount="/blog",
    )
    with party_for(get_wsgi_application(), "/legacy", blog):
        assert reverse("polls:detail", kwargs={"pk": 5}) == "/polls/5/"
        page = DjangoClient().get("/tags/").content.decode()
        assert 'href="/blog/post/3"' in page
        assert 'href="/blog/post/4?page=2#c"' in page
        assert 'href="/polls/5/?page=2&amp;q=x"' in page
        made = views.tags(RequestFactory().get("/tags/")).content.decode()
        assert 'href="/blog/post/3"' in made


def test_a_pyramid_app_called_directly_links_through_the_live_party():
    from pyramid.config import Configurator
    from pyramid.response import Response

    def home(request: t.Any) -> Response:
        return Response(request.party_url("docs:page", name="intro"))

    with Configurator(settings={"wsgi_party.name": "wiki"}) as config:
        config.include("wsgi_party.pyramid")
        config.add_route("home", "/")
        config.add_view(home, route_name="home")
        app = config.make_wsgi_app()
    with party_for(app, "/wiki", StandIn("docs", routes=DOCS, mount="/docs")):
        # What WebTest's TestApp(app) does: the app itself, not the party.
        assert Client(app).get("/").text == "/docs/intro.html"


# -- the pytest plugin ----------------------------------------------------------------


def plugin_args() -> list[str]:
    """Load the plugin from this checkout, whether or not its entry point is installed.

    ``-p no:wsgi_party`` keeps an installed entry point (named ``wsgi_party``)
    from registering the same module a second time, which pytest refuses.
    """
    return ["-p", "no:wsgi_party", "-p", "wsgi_party.pytest_plugin"]


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {
        "wsgi_party": "wsgi_party.pytest_plugin"
    }


def test_the_installed_entry_point_loads_the_plugin_by_itself(pytester):
    from importlib.metadata import entry_points

    if not any(ep.value == "wsgi_party.pytest_plugin" for ep in entry_points(group="pytest11")):
        pytest.skip("wsgi_party is not installed with its entry points here (pip install -e .)")
    pytester.makepyfile("def test_it(party_for, stand_in):\n    assert stand_in('docs').name")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_plugin_imports_no_framework_when_it_loads():
    code = (
        "import sys, wsgi_party.pytest_plugin;"
        "print(sorted(m for m in ('flask', 'django', 'pyramid', 'webob', 'jinja2',"
        " 'wsgi_party.testing', 'wsgi_party.cli') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


def test_the_plugin_fixtures_build_parties_and_close_them_after_each_test(pytester):
    pytester.makepyfile(
        """
        from wsgi_party import PartyMember, partyline

        def app(environ, start_response):
            start_response("200 OK", [])
            return [partyline.url_for("docs:index").encode()]

        member = PartyMember(app, name="blog")
        seen = []

        def test_one(party_for, stand_in):
            party = party_for(member, "/blog", stand_in("docs", routes={"index": "/"}, mount="/d"))
            seen.append(party)
            assert party.url_for("docs:index") == "/d/"

        def test_the_party_of_the_last_test_is_closed_and_the_app_joins_again(party_for):
            assert seen[0].closed and member.operator is None
            party_for(member, "/")
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_stand_in_from_routes_reads_the_file_named_in_the_ini(pytester, capsys):
    (pytester.path / "site_routes.json").write_text(
        routes_json(capsys, "tests.cli_targets.site:application")
    )
    pytester.makeini("[pytest]\nwsgi_party_routes = site_routes.json\n")
    pytester.makepyfile(
        """
        import pytest
        from wsgi_party import PartyMember, UrlBuildError

        def test_links(party_for, stand_in):
            app = PartyMember(lambda e, s: [], name="app")
            party = party_for(app, "/app", stand_in.from_routes("blog"))
            assert party.url_for("blog:post", id=3) == "/blog/post/3"
            with pytest.raises(UrlBuildError, match="site_routes.json"):
                party.url_for("blog:gone")
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_stand_in_from_routes_without_routes_or_ini_says_how_to_set_it(pytester):
    pytester.makepyfile(
        """
        def test_it(stand_in):
            stand_in.from_routes("blog")
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*set 'wsgi_party_routes = path/to/routes.json'*"])


# -- an app's own test suite, unchanged --------------------------------------------


def copy_suite(pytester: pytest.Pytester, name: str) -> Path:
    target = pytester.path / name
    shutil.copytree(OWN_SUITES / name, target)
    return target


def own_environ(where: Path) -> dict[str, str]:
    """The environment of a suite's own process: its code first, and no settings of ours."""
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return {**environ, "PYTHONPATH": os.pathsep.join([str(where), str(REPO)])}


def write_routes(where: Path, attribute: str) -> None:
    """``wsgi-party routes realsite:ATTRIBUTE --json > routes.json``, in ``where``."""
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_party", "routes", f"realsite:{attribute}", "--json"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=own_environ(where),
    )
    (where / "routes.json").write_text(result.stdout)


@pytest.fixture
def flask_blog(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = copy_suite(pytester, "flask_blog")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(where), str(REPO)]))
    monkeypatch.chdir(where)
    return where


def test_the_flask_blogs_own_tests_fail_once_its_templates_link_across_apps(pytester, flask_blog):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*Could not build url for endpoint 'docs:*"])


def test_the_flask_blogs_unchanged_tests_pass_with_stand_ins_from_the_real_routes(
    pytester, flask_blog
):
    write_routes(flask_blog, "application")
    shutil.copy(flask_blog / "tests" / "conftest_party.py", flask_blog / "tests" / "conftest.py")
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=6)


def test_the_flask_blogs_tests_fail_loudly_when_the_real_site_renames_a_linked_endpoint(
    pytester, flask_blog
):
    write_routes(flask_blog, "renamed")
    shutil.copy(flask_blog / "tests" / "conftest_party.py", flask_blog / "tests" / "conftest.py")
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(
        ["*stand-in 'docs' (routes from '*routes.json') has no endpoint 'page'*"]
    )


def run_django_tests(where: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """``python manage.py test polls``: Django's own runner, in its own process."""
    return subprocess.run(
        [sys.executable, "manage.py", "test", "polls", *settings],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=own_environ(where),
    )


def test_a_django_projects_own_tests_fail_once_its_templates_link_across_apps(tmp_path):
    where = tmp_path / "django_polls"
    shutil.copytree(OWN_SUITES / "django_polls", where)
    result = run_django_tests(where)
    assert "Ran 5 tests" in result.stderr
    assert result.stderr.rstrip().endswith("FAILED (errors=2)"), result.stderr
    assert "Reverse for 'blog:index' not found" in result.stderr


def test_a_django_projects_unchanged_tests_pass_with_the_party_test_runner(tmp_path):
    where = tmp_path / "django_polls"
    shutil.copytree(OWN_SUITES / "django_polls", where)
    write_routes(where, "application")
    result = run_django_tests(where, "--settings=pollsite.settings_party")
    assert "Ran 5 tests" in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("OK"), result.stderr
    assert result.returncode == 0


@pytest.fixture
def pyramid_wiki(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = copy_suite(pytester, "pyramid_wiki")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(where), str(REPO)]))
    monkeypatch.chdir(where)
    return where


def test_a_pyramid_apps_own_tests_fail_once_its_views_link_across_apps(pytester, pyramid_wiki):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=3, failed=1)


def test_a_pyramid_apps_unchanged_tests_pass_with_stand_ins(pytester, pyramid_wiki):
    write_routes(pyramid_wiki, "application")
    tests = pyramid_wiki / "tests"
    shutil.copy(tests / "conftest_party.py", tests / "conftest.py")
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=4)
