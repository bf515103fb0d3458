# The blog's conftest.py once the blog is one app of the site: the same
# fixtures, the app put in a party with stand-ins for the apps it links to.
import pytest
from blog import create_app


@pytest.fixture
def app(party_for, stand_in):
    app = create_app({"TESTING": True})
    docs = stand_in.from_routes("docs")  # the real site's routes (pytest.ini)
    accounts = stand_in.from_routes("accounts", identity=None)
    party_for(app, "/blog", docs, accounts)
    return app


@pytest.fixture
def client(app):
    return app.test_client()
