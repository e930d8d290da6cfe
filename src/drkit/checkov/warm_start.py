"""checkov's own entry point with a pause between its import and its run, executed by .checkov-venv's Python.

checkov takes about 3.5 s of CPU to import (every framework's runner) before it reads a file. The gate starts the
plan scan through this script when it starts the program, so the import runs while the program runs; once the
plan is written the gate sends its path on stdin and the scan starts at once. What runs then is what
.checkov-venv/bin/checkov runs (`sys.exit(Checkov().run())`, SyntaxWarnings silenced), with `-f <plan>` added.
An empty line or end of input (the gate stopped before writing a plan) ends it with exit code 3, having run nothing.

Standalone on purpose: it runs in checkov's virtual env, which has none of drkit's packages.
"""
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=SyntaxWarning)
    from checkov.main import Checkov

NOTHING_TO_SCAN = 3


def main() -> int:
    target = sys.stdin.readline().strip()
    if not target:
        return NOTHING_TO_SCAN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        return Checkov(argv=[*sys.argv[1:], "-f", target]).run() or 0


if __name__ == "__main__":
    sys.exit(main())
