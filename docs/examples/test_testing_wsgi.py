"""Any WSGI app: a PartyMember's own tests, with stand-ins.

Run it with ``python -m pytest docs/examples/test_testing_wsgi.py``.
"""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, partyline

# [start-member]
url_map = Map([Rule("/", endpoint="index")])


@Request.application
def status_app(request: Request) -> Response:
    shop = partyline.url_for("shop:index")
    return Response(f"all good; back to {shop}")


status = PartyMember(status_app, name="status", url_map=url_map)
# [end-member]


# [start-test]
@pytest.fixture
def client(party_for: t.Any, stand_in: t.Any) -> Client:
    party_for(status, "/status", stand_in("shop", routes={"index": "/"}))
    return Client(status)  # the member itself, not the party


def test_status_links_back_to_the_shop(client: Client) -> None:
    assert client.get("/").text == "all good; back to /"


# [end-test]
