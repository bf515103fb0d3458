"""App test suites written as each app's own team writes them.

They are not part of this suite: ``tests/test_testing.py`` copies one into
a fresh directory and runs it with pytest there, without and with the
stand-ins, to show that an app's unchanged tests stay green in a party.
"""

collect_ignore_glob = ["*"]
