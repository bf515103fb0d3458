"""Build errors keep the reason, in every framework and every helper.

The site is tests/matrix_site: Django (member ``legacy``), Flask, Pyramid, a
Werkzeug app and a WebOb app in one party. Every caller builds a link
to every other member's ``items`` route (``items/<int:id>/<name>/``):

* from a view and from a template of each app (Flask ``party_url`` and its
  Jinja global, Pyramid ``request.party_url`` and its renderer global,
  Django ``party_url`` and ``{% party_url %}``, ``partyline.url_for`` in
  the Werkzeug and WebOb apps), and with ``party.url_for``;
* with an endpoint the member does not have, with a value missing, and with
  a value the route's converter refuses.

An unknown endpoint reads "has no endpoint"; a missing value reads "has
'...' but could not build it: missing value 'name'", naming the member, the
endpoint and the value, and the error's cause is the target framework's
own error. Each caller raises its own framework's kind of error.
"""

from __future__ import annotations

import typing as t

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch
from werkzeug.routing import BuildError
from werkzeug.test import Client

from tests.django_site import setup_django
from tests.matrix_site import APPS, DJANGO_URLCONF, TOPOLOGIES, Apps, wrap
from tests.test_matrix import Site
from wsgi_party import CannotBuild, UrlBuildError, WSGIParty

#: Who builds the link: an app's view or template, or the party itself.
CALLERS = [(source, kind) for source in APPS for kind in ("link", "tlink")] + [("party", "")]

#: The error each caller raises: its own framework's kind (all are UrlBuildErrors).
RAISES: dict[str, type[Exception]] = {
    "legacy": NoReverseMatch,
    "flask": BuildError,
    "pyramid": KeyError,
    "wz": UrlBuildError,
    "webob": UrlBuildError,
    "party": UrlBuildError,
}

#: The framework's own error each target's refusal is caused by: a value missing.
MISSING_CAUSE: dict[str, type[Exception]] = {
    "legacy": NoReverseMatch,
    "flask": BuildError,
    "pyramid": KeyError,
    "wz": BuildError,
    "webob": BuildError,
}

#: ... and a value its converter refuses (Pyramid has no converters: it builds).
REFUSED_CAUSE: dict[str, type[Exception]] = {
    "legacy": NoReverseMatch,
    "flask": ValueError,
    "wz": ValueError,
    "webob": ValueError,
}


@pytest.fixture(scope="module")
def site() -> t.Iterator[Site]:
    """One party over the matrix apps for the whole module (no test changes it)."""
    setup_django()
    with override_settings(ROOT_URLCONF=DJANGO_URLCONF):
        apps = Apps()
        party = WSGIParty(apps.dispatcher())
        topology = TOPOLOGIES["plain"]
        try:
            yield Site(party, apps, topology, Client(wrap(party, topology)))
        finally:
            party.close()


def build_error(
    site: Site, caller: str, kind: str, endpoint: str, values: dict[str, t.Any]
) -> Exception:
    """The error ``caller`` raises building ``endpoint`` with ``values``."""
    with pytest.raises(RAISES[caller]) as caught:
        if caller == "party":
            site.party.url_for(endpoint, **values)
        else:
            site.link(APPS[caller], kind, endpoint, values)
    error = caught.value
    assert isinstance(error, UrlBuildError), (type(error), error)
    return error


def targets(caller: str, kind: str = "") -> list[str]:
    """The members ``caller`` links to; Pyramid not from a Django template.

    The Django link template passes every value it knows of, ``None`` for
    those not given, and Pyramid builds ``name=None`` into the path as
    ``request.route_path`` does (``/items/7/None/``): there it is no
    missing value.
    """
    skip = {caller, "pyramid"} if (caller, kind) == ("legacy", "tlink") else {caller}
    return [target for target in APPS if target not in skip]


@pytest.mark.parametrize(("caller", "kind"), CALLERS)
def test_a_missing_value_names_member_endpoint_and_value_with_the_frameworks_cause(
    site: Site, caller: str, kind: str
) -> None:
    for target in targets(caller, kind):
        endpoint = APPS[target].endpoint  # "flask:item"
        error = build_error(site, caller, kind, endpoint, {"id": 7})
        message = str(error)
        said = f"member {target!r} has {endpoint!r} but could not build it: missing value 'name'"
        assert said in message, (target, message)
        assert "no endpoint" not in message
        assert "no other" not in message
        cause = error.__cause__
        assert isinstance(cause, MISSING_CAUSE[target]), (target, repr(cause))
        assert not isinstance(cause, UrlBuildError)  # the framework's own, not the party's
        [refusal] = error.refusals
        assert isinstance(refusal, CannotBuild)
        assert (refusal.member, refusal.missing) == (target, ("name",))


@pytest.mark.parametrize(("caller", "kind"), CALLERS)
def test_an_unknown_endpoint_reads_differently_from_a_missing_value(
    site: Site, caller: str, kind: str
) -> None:
    for target in targets(caller):
        endpoint = f"{target}:nope"
        error = build_error(site, caller, kind, endpoint, {"id": 7})
        message = str(error)
        assert f"member {target!r} has no endpoint {endpoint!r}" in message, message
        assert "could not build it" not in message
        assert error.refusals == ()


@pytest.mark.parametrize(("caller", "kind"), CALLERS)
def test_a_refused_value_names_the_value_and_what_was_given(
    site: Site, caller: str, kind: str
) -> None:
    for target in targets(caller):
        if target == "pyramid":
            continue  # no converters: Pyramid builds /items/x7/... as route_path does
        endpoint = APPS[target].endpoint
        error = build_error(site, caller, kind, endpoint, {"id": "x7", "name": "n"})
        message = str(error)
        said = (
            f"member {target!r} has {endpoint!r} but could not build it:"
            " the converter of 'id' refused 'x7'"
        )
        assert said in message, (target, message)
        cause = error.__cause__
        assert isinstance(cause, REFUSED_CAUSE[target]), (target, repr(cause))
        assert not isinstance(cause, UrlBuildError)
        assert error.refusals[0].refused == "id"


@pytest.mark.parametrize(("caller", "kind"), CALLERS)
def test_a_bare_endpoint_one_member_has_names_it_when_asked_around(
    site: Site, caller: str, kind: str
) -> None:
    # Only Django has the URL name "matrix:item" ("matrix" is no member).
    error = build_error(site, caller, kind, "matrix:item", {"id": 7})
    message = str(error)
    said = "member 'legacy' has 'matrix:item' but could not build it: missing value 'name'"
    assert said in message, message
    assert "no member could build" not in message
    assert "no other" not in message
    assert isinstance(error.__cause__, NoReverseMatch)
    assert not isinstance(error.__cause__, UrlBuildError)


# Not from a Django template: Pyramid would build its "item" with name=None (see targets).
@pytest.mark.parametrize(("caller", "kind"), [c for c in CALLERS if c != ("legacy", "tlink")])
def test_a_bare_endpoint_several_members_have_names_each(
    site: Site, caller: str, kind: str
) -> None:
    # "item" is a route of Flask, Pyramid, the Werkzeug and the WebOb app.
    having = {"flask", "pyramid", "wz", "webob"}
    if caller in ("flask", "pyramid"):
        having = {caller}  # the app's own route is built by the app itself first
    elif caller in having:
        having.discard(caller)  # partyline.url_for never asks the asking app
    error = build_error(site, caller, kind, "item", {"id": 7})
    message = str(error)
    for member in having:
        assert f"member {member!r} has 'item' but could not build it: missing value 'name'" in (
            message
        )
    assert {refusal.member for refusal in error.refusals} == having
    first = next(r for r in error.refusals)
    assert error.__cause__ is first.__cause__
    assert isinstance(error.__cause__, MISSING_CAUSE[first.member or ""])


def test_an_unknown_bare_endpoint_still_says_nobody_could_build_it(site: Site) -> None:
    error = build_error(site, "party", "", "nope", {})
    assert str(error) == (
        "no member could build a URL for endpoint 'nope'"
        " (asked: 'legacy', 'flask', 'pyramid', 'webob', 'wz')"
    )
    assert error.__cause__ is None


def test_outside_a_request_the_apps_own_route_says_the_same(site: Site) -> None:
    # A background job or a shell: no request, the party is live.
    from wsgi_party.django import party_url as django_party_url
    from wsgi_party.flask import party_url as flask_party_url

    with pytest.raises(NoReverseMatch) as django_error:
        django_party_url("matrix:item", id=7)
    said = "member 'legacy' has 'matrix:item' but could not build it: missing value 'name'"
    assert said in str(django_error.value)
    assert "not a URL name" not in str(django_error.value)
    assert isinstance(django_error.value.__cause__, NoReverseMatch)
    with site.apps.flask.app_context(), pytest.raises(BuildError) as flask_error:
        flask_party_url("item", id=7)
    said = "member 'flask' has 'flask:item' but could not build it: missing value 'name'"
    assert said in str(flask_error.value)
    assert isinstance(flask_error.value.__cause__, BuildError)
    assert not isinstance(flask_error.value.__cause__, UrlBuildError)


@pytest.mark.parametrize("kind", ["link", "tlink"])
@pytest.mark.parametrize(("caller", "cause"), [("legacy", NoReverseMatch), ("flask", ValueError)])
def test_the_apps_own_route_with_a_refused_value_names_it(
    site: Site, caller: str, cause: type[Exception], kind: str
) -> None:
    # The app's own route, by its own name: built by the app itself first.
    endpoint = APPS[caller].item
    error = build_error(site, caller, kind, endpoint, {"id": "x7", "name": "n"})
    said = f"member {caller!r} has {endpoint!r} but could not build it"
    said += ": the converter of 'id' refused 'x7'"
    assert said in str(error)
    assert isinstance(error.__cause__, cause)
    assert not isinstance(error.__cause__, UrlBuildError)
