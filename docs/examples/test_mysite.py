"""Pytest fixtures: a fresh party per test, always closed.

Run it with ``python -m pytest docs/examples/test_mysite.py``.
"""

from __future__ import annotations

# [start-fixtures]
import typing as t

import pytest
from mysite import create_party
from werkzeug.test import Client

from wsgi_party import WSGIParty


@pytest.fixture
def party() -> t.Iterator[WSGIParty]:
    """A new party of new apps for each test, closed when the test ends."""
    with create_party(base_url="https://shop.test") as party:
        yield party


@pytest.fixture
def client(party: WSGIParty) -> Client:
    return Client(party)


def test_shop_links_to_the_blog(client: Client) -> None:
    assert client.get("/").text == "shop; read /blog/post/1"


def test_links_outside_requests_use_base_url(party: WSGIParty) -> None:
    assert party.url_for("blog:post", id=2, _external=True) == "https://shop.test/blog/post/2"


# [end-fixtures]


def test_one_app_object_cannot_be_in_two_live_parties() -> None:
    """Why the fixture closes its party: a second party would be declined."""
    from mysite import create_blog

    blog = create_blog()
    with WSGIParty(blog) as first:
        assert [m.name for m in first.members] == ["blog"]
        with WSGIParty(blog) as second:
            assert second.members == ()
            assert "already member 'blog' of another live party" in second.declined[0].reason
    with WSGIParty(blog) as third:  # closed: it may join again
        assert [m.name for m in third.members] == ["blog"]
