#!/usr/bin/env bash
# Creates or refreshes the project's virtual env at .venv/ (idempotent: reinstalls only when a requirements
# file or pyproject.toml changed). Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
want_dev=${1:-}
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "setup: Python 3.11 or newer is required (found: $("$python" --version 2>&1 || echo none)); set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
if [ "$want_dev" = "--dev" ]; then
  scripts/setup-checkov.sh  # checkov pins old dependencies: it gets a virtual env of its own
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$python" --version)" >&2
  "$python" -m venv .venv
fi
if [ "$want_dev" = "--dev" ]; then
  scripts/setup-test-schemas.sh  # the JUnit schema the report tests validate against
fi
files="requirements.txt storefront/requirements.txt constraints.txt pyproject.toml policypack/requirements.txt"
[ "$want_dev" = "--dev" ] && files="$files requirements-dev.txt"
stamp=".venv/.drkit-installed${want_dev:+-dev}"
digest=$(cat $files | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi
# The test dependencies include the runtime ones: a current --dev install serves the runtime too.
dev_digest=$(cat $files requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ -z "$want_dev" ] && [ -f .venv/.drkit-installed-dev ] && [ "$(cat .venv/.drkit-installed-dev)" = "$dev_digest" ]; then
  exit 0
fi
echo "setup: installing pinned dependencies into .venv (first run takes about a minute)" >&2
# pip warns "Location ... is ignored" for configured package locations absent on this machine: noise.
quiet_pip() { .venv/bin/python -m pip --disable-pip-version-check "$@" 2>&1 | { grep -v 'is ignored' || true; } >&2; }
quiet_pip install --quiet --upgrade pip
if [ "$want_dev" = "--dev" ]; then
  quiet_pip install --quiet -r requirements-dev.txt -c constraints.txt
else
  quiet_pip install --quiet -r requirements.txt -c constraints.txt
fi
# The editable install's build backend prints a multi-line advisory on success; show its output only on failure.
if ! log=$(.venv/bin/python -m pip --disable-pip-version-check install --quiet --no-deps -e . 2>&1); then
  echo "$log" | grep -v 'is ignored' >&2
  exit 2
fi
.venv/bin/python -c 'import drkit, pulumi_policy' || { echo "setup: .venv is incomplete; delete .venv and run again" >&2; exit 2; }
echo "$digest" > "$stamp"
echo "setup: .venv ready ($(.venv/bin/drkit --version))" >&2
