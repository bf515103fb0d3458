"""Settings of the polls project, as its team wrote them (plus wsgi_party)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-a-secret-for-real-sites"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
INSTALLED_APPS = ["polls", "wsgi_party.django"]
MIDDLEWARE = [
    "wsgi_party.django.PartyMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "pollsite.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
WSGI_PARTY_NAME = "polls"
USE_TZ = True
