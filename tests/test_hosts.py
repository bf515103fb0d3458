"""External URLs take the request's host only when it is valid and trusted.

A client chooses the ``Host`` header. ``party_url(..., _external=True)`` in a
request with ``Host: good.example@evil.example`` must not answer
``http://good.example@evil.example/...`` (a poisoned password-reset link):
the party refuses the host with :class:`~wsgi_party.UntrustedHost`, and every
framework answers it with its own 400. ``WSGIParty(..., trusted_hosts=[...])``
narrows the hosts further, with Werkzeug's rules. Outside requests the
party's ``base_url`` locates external URLs.

The apps are the matrix site's (tests/matrix_site): one per framework.
"""

from __future__ import annotations

import pickle
import typing as t

import pytest
from django.test import override_settings
from pyramid.scripting import prepare
from werkzeug.exceptions import SecurityError
from werkzeug.routing import Rule
from werkzeug.test import Client, TestResponse, create_environ, run_wsgi_app

from tests.apps import werkzeug_member
from tests.django_site import setup_django
from tests.matrix_site import APPS, DJANGO_URLCONF, Apps
from tests.test_matrix import KINDS, link_query, own_path
from wsgi_party import (
    PartylineException,
    PartyMember,
    UntrustedHost,
    WSGIParty,
    partyline,
    request_host,
)

MakeParty = t.Callable[..., WSGIParty]

#: Host headers no external URL may carry: userinfo, a path, a space, a
#: second host, an underscore (Werkzeug's rules), none at all.
BAD_HOSTS = [
    "good.example@evil.example",
    "evil.example/www.example.com",
    "www.example.com evil.example",
    "www.example.com,evil.example",
    "under_score.example.com",
    "",
]

#: Each framework's helper, asked for its own route by its local name.
LOCAL_FIRST = ("flask", "pyramid", "django")


def get_link(
    client: Client, source: str, kind: str, endpoint: str, host: str, **values: t.Any
) -> TestResponse:
    """The ``link``/``tlink`` page of ``source`` asked with ``Host: host``."""
    return client.get(
        APPS[source].path(kind),
        query_string=link_query(endpoint, {"id": 1, "name": "n", **values}),
        headers={"Host": host},
    )


def targets(source: str) -> list[str]:
    """Endpoints ``source`` links to: every member's route, its own by local name too."""
    found = [app.endpoint for app in APPS.values()]
    if APPS[source].framework in LOCAL_FIRST:
        found.append(APPS[source].item)
    return found


@pytest.fixture(scope="module", autouse=True)
def _django_urls() -> t.Iterator[None]:
    """Django with the matrix URLconf, as in tests/test_matrix.py."""
    setup_django()
    with override_settings(ROOT_URLCONF=DJANGO_URLCONF):
        yield


@pytest.fixture(scope="module")
def apps(_django_urls: None) -> Apps:
    return Apps()


# -- a request's host --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", list(APPS))
def test_an_invalid_host_gets_400_and_no_link_in_every_framework(
    make_party: MakeParty, apps: Apps, source: str, kind: str
) -> None:
    client = Client(make_party(apps.dispatcher()))
    for endpoint in targets(source):
        for host in BAD_HOSTS:
            response = get_link(client, source, kind, endpoint, host, _external=True)
            assert response.status_code == 400, (endpoint, host, response.text)
            assert "://" not in response.text, (endpoint, host, response.text)
        # The same request with a good host builds the link.
        good = get_link(client, source, kind, endpoint, "www.example.com:8080", _external=True)
        assert good.status_code == 200, (endpoint, good.text)
        assert "http://www.example.com:8080/" in good.text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("source", list(APPS))
def test_trusted_hosts_refuse_other_hosts_with_400_in_every_framework(
    make_party: MakeParty, apps: Apps, source: str, kind: str
) -> None:
    party = make_party(apps.dispatcher(), trusted_hosts=["www.example.com", ".example.org"])
    client = Client(party)
    for endpoint in targets(source):
        # "localhost" is in Django's ALLOWED_HOSTS, but not trusted by the party.
        for host in ("localhost", "evil.example.com", "example.org.evil.net", "www.example.co"):
            response = get_link(client, source, kind, endpoint, host, _external=True)
            assert response.status_code == 400, (endpoint, host, response.text)
        for host, origin in [
            ("www.example.com", "http://www.example.com"),
            ("www.example.com:8443", "http://www.example.com:8443"),  # the port is ignored
            ("example.org", "http://example.org"),  # ".example.org" trusts it
            ("shop.eu.example.org", "http://shop.eu.example.org"),  # and every subdomain
        ]:
            if source == "legacy" and host.endswith(".org"):
                continue  # Django's ALLOWED_HOSTS refuses .org hosts on its own
            response = get_link(client, source, kind, endpoint, host, _external=True)
            assert response.status_code == 200, (endpoint, host, response.text)
            assert f"{origin}/" in response.text, (endpoint, host)


@pytest.mark.parametrize("source", list(APPS))
def test_relative_links_need_no_trusted_host(
    make_party: MakeParty, apps: Apps, source: str
) -> None:
    client = Client(make_party(apps.dispatcher(), trusted_hosts=["www.example.com"]))
    target = APPS["flask" if source != "flask" else "pyramid"]
    response = get_link(client, source, "link", target.endpoint, "localhost")
    assert response.status_code == 200, response.text
    assert response.text == f"{target.mount}{own_path(apps, target, 1, 'n')}"


def test_django_keeps_honouring_allowed_hosts(make_party: MakeParty, apps: Apps) -> None:
    # "api.example.net" is a valid host the party would accept, but not in
    # the test project's ALLOWED_HOSTS: Django answers 400 itself.
    client = Client(make_party(apps.dispatcher()))
    for kind in KINDS:
        for endpoint in targets("legacy"):
            response = get_link(client, "legacy", kind, endpoint, "api.example.net", _external=True)
            assert response.status_code == 400, (kind, endpoint)


def test_django_honours_allowed_hosts_without_a_middleware_checking_the_host(
    make_party: MakeParty, apps: Apps
) -> None:
    # No CommonMiddleware (which reads request.get_host() on every request):
    # party_url itself holds external URLs to ALLOWED_HOSTS.
    from django.core.wsgi import get_wsgi_application

    middleware = [
        "wsgi_party.django.PartyMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    with override_settings(MIDDLEWARE=middleware):
        django = get_wsgi_application()
        client = Client(make_party(apps.dispatcher(root=django)))
        for endpoint in targets("legacy"):
            refused = get_link(
                client, "legacy", "link", endpoint, "api.example.net", _external=True
            )
            assert refused.status_code == 400, (endpoint, refused.text)
            allowed = get_link(
                client, "legacy", "link", endpoint, "www.example.com", _external=True
            )
            assert allowed.text.startswith("http://www.example.com/"), endpoint


def test_django_party_url_refuses_an_untrusted_host_with_or_without_request(
    make_party: MakeParty, apps: Apps
) -> None:
    from django.test import RequestFactory

    from wsgi_party import bind_request, unbind_request
    from wsgi_party.django import party_url

    party = make_party(apps.dispatcher(), trusted_hosts=["www.example.com"])
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    token = bind_request(party.member("legacy").operator, request.META)
    try:
        for endpoint in ("matrix:item", "legacy:matrix:item", "flask:item"):
            for given in (request, None):
                with pytest.raises(UntrustedHost, match="'localhost'"):
                    party_url(endpoint, request=given, id=1, name="n", _external=True)
            assert party_url(endpoint, request=request, id=1, name="n").startswith("/")
    finally:
        unbind_request(token)


def test_a_webob_member_answers_a_refused_host_with_400(make_party: MakeParty) -> None:
    import webob
    import webob.dec

    @webob.dec.wsgify
    def app(request: webob.Request) -> webob.Response:
        return webob.Response(partyline.url_for("wz:index", _external=True))

    member = PartyMember(app, name="webob")
    wz = werkzeug_member("wz", name="wz")
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    party = make_party(DispatcherMiddleware(member, {"/wz": wz}), trusted_hosts=["example.com"])
    client = Client(party)
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert "evil.example" in refused.text  # the message names the host, escaped
    assert client.get("/", headers={"Host": "example.com"}).text == "http://example.com/wz/"


# -- outside requests: base_url --------------------------------------------------


def test_outside_a_request_base_url_locates_external_links_in_every_framework(
    make_party: MakeParty, apps: Apps
) -> None:
    from wsgi_party.django import party_url as django_url
    from wsgi_party.flask import party_url as flask_url

    base_url = "https://www.example.com/app"
    party = make_party(apps.dispatcher(), base_url=base_url, trusted_hosts=["www.example.com"])
    for app in APPS.values():
        expected = f"{base_url}{app.mount}{own_path(apps, app, 2, 'b')}"
        values = {"id": 2, "name": "b", "_external": True}
        with apps.flask.app_context():
            from_flask = flask_url(app.endpoint, **values)
        with prepare(registry=apps.pyramid.registry) as env:
            from_pyramid = env["request"].party_url(app.endpoint, **values)
        built = [party.url_for(app.endpoint, **values), from_flask, from_pyramid]
        built.append(django_url(app.endpoint, **values))
        assert built == [expected] * 4, app.member


# -- no Host header ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "port", "origin"),
    [
        ("http", "80", "http://example.org"),
        ("https", "443", "https://example.org"),
        ("http", "8080", "http://example.org:8080"),
        ("https", "80", "https://example.org:80"),
    ],
)
def test_without_a_host_header_the_server_name_is_used_without_its_default_port(
    make_party: MakeParty, apps: Apps, scheme: str, port: str, origin: str
) -> None:
    party = make_party(apps.dispatcher())
    allowed = override_settings(ALLOWED_HOSTS=["example.org"])  # Django's own check
    for source in APPS.values():
        target = APPS["wz"] if source.member != "wz" else APPS["flask"]
        environ = create_environ(
            source.path("link"),
            query_string=link_query(target.endpoint, {"id": 3, "name": "h", "_external": True}),
        )
        del environ["HTTP_HOST"]
        environ.update({"SERVER_NAME": "example.org", "SERVER_PORT": port})
        environ["wsgi.url_scheme"] = scheme
        with allowed:
            body, status, _headers = run_wsgi_app(party, environ, buffered=True)
        text = b"".join(body).decode()
        assert status.startswith("200"), (source.member, status, text)
        assert text == f"{origin}{target.mount}{own_path(apps, target, 3, 'h')}", source.member


# -- request_host and UntrustedHost ----------------------------------------------------


def environ_for(host: str | None, scheme: str = "http") -> dict[str, t.Any]:
    environ = create_environ("/", f"{scheme}://localhost/")
    if host is None:
        del environ["HTTP_HOST"]
    else:
        environ["HTTP_HOST"] = host
    return environ


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.com", "example.com"),
        ("EXAMPLE.com:8080", "EXAMPLE.com:8080"),
        ("example.com:80", "example.com"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:8080", "[::1]:8080"),
        ("[2001:db8::1]", "[2001:db8::1]"),
    ],
)
def test_request_host_accepts_valid_hosts(host: str, expected: str) -> None:
    assert request_host(environ_for(host)) == expected


@pytest.mark.parametrize("host", [*BAD_HOSTS, "example.com:80x", "[::1", "ex\u00e4mple.com"])
def test_request_host_refuses_invalid_hosts_naming_them(host: str) -> None:
    with pytest.raises(UntrustedHost) as caught:
        request_host(environ_for(host))
    assert repr(host) in str(caught.value) if host else "no host" in str(caught.value)
    assert caught.value.host == host


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("example.com", True),
        ("example.com:8443", True),
        ("a.b.example.com", True),
        ("shop.example.net", True),
        ("example.net", False),  # "shop.example.net" is not a suffix entry
        ("badexample.com", False),
        ("example.com.evil.net", False),
        ("evil.net", False),
    ],
)
def test_trusted_hosts_follow_werkzeugs_rules(host: str, trusted: bool) -> None:
    hosts = [".example.com", "shop.example.net"]
    if trusted:
        assert request_host(environ_for(host), hosts) == host
    else:
        with pytest.raises(UntrustedHost, match="trusted_hosts"):
            request_host(environ_for(host), hosts)


def test_untrusted_host_is_a_partyline_exception_and_a_400() -> None:
    with pytest.raises(UntrustedHost) as caught:
        request_host(environ_for("evil.example"), ["example.com"])
    exc = caught.value
    assert isinstance(exc, PartylineException)
    assert isinstance(exc, SecurityError)
    assert exc.code == 400
    assert "'evil.example'" in str(exc)
    copy = pickle.loads(pickle.dumps(exc))
    assert (type(copy), str(copy), copy.host) == (UntrustedHost, str(exc), "evil.example")


def test_trusted_hosts_must_be_host_names(make_party: MakeParty) -> None:
    wz = werkzeug_member("wz", [Rule("/", endpoint="index")], name="wz")
    assert make_party(wz, trusted_hosts="example.com").trusted_hosts == ("example.com",)
    with pytest.raises(PartylineException, match="trusted_hosts"):
        make_party(wz, trusted_hosts=[None])
