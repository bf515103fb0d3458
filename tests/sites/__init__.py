"""Sites served by real servers in the reliability tests.

Point a server at one of the modules here, from the repository root::

    gunicorn -w 4 tests.sites.eager:application
    waitress-serve --threads 16 tests.sites.lazy:application

Both serve the site built by :func:`tests.sites.party_site.build_site`; its
pages report what the tests check (built URLs, the process, the objects that
answered, the invitations sent in the process).
"""
