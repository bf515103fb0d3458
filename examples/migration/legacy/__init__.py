"""The legacy Django project of the migration demo: the shop.

One Django app that is also the project (settings, URLconf, WSGI file). It
owns the database, login (``django.contrib.auth``) and the site's chrome,
which it renders for the whole party through ``WSGI_PARTY_FRAGMENTS``.
Its product page has moved to the new Flask app ``shopfront``; see
``urls.py``.
"""
