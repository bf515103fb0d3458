"""Targets for the ``wsgi-party`` command tests (``tests/test_cli.py``).

Each module builds its apps at import time, as a project's ``wsgi.py`` does;
the tests drop the modules from ``sys.modules`` and close their parties after
every test, so each test imports fresh app objects.
"""
