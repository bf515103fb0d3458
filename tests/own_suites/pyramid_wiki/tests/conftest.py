import pytest
from werkzeug.test import Client
from wiki import main


@pytest.fixture
def app():
    return main({})


@pytest.fixture
def testapp(app):
    return Client(app)  # webtest.TestApp(app) is used the same way
