"""Errors a user can fix. The CLI prints their message as one line and exits 2 — never a traceback."""


class UsageError(Exception):
    """Bad input: arguments, config, a graph file, a policy pack. The message says what and how to fix it."""

    exit_code = 2
