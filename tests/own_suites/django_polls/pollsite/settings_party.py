"""The settings the polls tests run with inside the site: stand-ins for the blog."""

from .settings import *  # noqa: F403

TEST_RUNNER = "wsgi_party.django.testing.PartyTestRunner"
WSGI_PARTY_TEST = {
    "routes": BASE_DIR / "routes.json",  # noqa: F405 - wsgi-party routes realsite:application --json
    "stand_ins": ["blog"],
}
