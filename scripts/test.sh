#!/usr/bin/env bash
# Set up .venv with the test dependencies, then run the whole test suite on both cores.
# Usage: scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
# The HTML report is checked in a real headless browser: Debian's chromium (CI runs as root on Debian).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing chromium for the browser test of the HTML report" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
      || echo "test: could not install chromium; the browser tests will be skipped with a reason" >&2
  else
    echo "test: chromium is not installed and this user cannot install it; the browser tests will be skipped" >&2
  fi
fi
# The database role bootstrap (and the drills) run against real PostgreSQL servers: Debian's packages.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing PostgreSQL for the tests that need a real database" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null 2>&1 \
      || echo "test: could not install PostgreSQL; the database tests will be skipped with a reason" >&2
  else
    echo "test: PostgreSQL is not installed and this user cannot install it; the database tests will be skipped" >&2
  fi
fi
mkdir -p build
# The JUnit file is test evidence for the compliance report (drkit gate/report read build/test-results.xml).

exec .venv/bin/python -m pytest -n 2 -q --junitxml=build/test-results.xml "$@"
