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
    assert site.blog_link("api:api:inner:thing", version=2, slug="x") == (
        site.reverse("api:inner:thing", version=2, slug="x")["path"]
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
