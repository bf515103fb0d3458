# The wiki's conftest.py once the wiki is one app of the site.
import pytest
from werkzeug.test import Client
from wiki import main


@pytest.fixture
def app(party_for, stand_in):
    app = main({})
    party_for(app, "/wiki", stand_in.from_routes("blog"), stand_in.from_routes("accounts"))
    return app


@pytest.fixture
def testapp(app):
    return Client(app)  # webtest.TestApp(app) is used the same way
