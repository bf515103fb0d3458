"""Runnable examples of wsgi_party.

* ``examples/migration/``: a whole site migrating from Django, one app and one
  route at a time (``python -m examples.migration``).
* ``examples/flask/`` and ``examples/pyramid/``: two apps of one framework
  linking to each other (``python examples/flask/two_apps.py``).
* ``examples/minimal.py``: the smallest party, two plain Werkzeug apps.
"""
