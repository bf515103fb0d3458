"""``python -m wsgi_party``: the ``wsgi-party`` command (see :mod:`wsgi_party.cli`)."""

from wsgi_party.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
