#!/usr/bin/env bash
# Creates or reuses .checkov-venv/, a virtual env holding only checkov: checkov pins old versions of libraries
# the project also uses (boto3, jsonschema, ...), so it cannot share .venv. Idempotent: a stamp file records what
# was installed, so a re-run with nothing changed returns at once. Usage: scripts/setup-checkov.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.checkov-venv
lock=scripts/checkov-requirements.txt
if ! "$python" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
  echo "setup-checkov: checkov 3.3 needs Python 3.9 to 3.12 (found: $("$python" --version 2>&1 || echo none)); set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
stamp="$venv/.drkit-checkov-installed"
digest=$(sha256sum "$lock" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && [ -x "$venv/bin/checkov" ]; then
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-checkov: creating $venv with $("$python" --version)" >&2
  "$python" -m venv "$venv"
fi
echo "setup-checkov: installing checkov (pinned in $lock) into $venv (first run takes about a minute)" >&2
# pip warns "Location ... is ignored" for configured package locations absent on this machine: noise.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock" 2>&1 \
  | { grep -v 'is ignored' || true; } >&2
"$venv/bin/python" -m pip check >/dev/null 2>&1 || {
  echo "setup-checkov: $venv has conflicting packages after install ('$venv/bin/python -m pip check' says which); delete $venv and run again" >&2
  exit 2
}
echo "$digest" > "$stamp"
# From package metadata: running checkov itself would ask PyPI for a newer version.
version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))')
echo "setup-checkov: $venv ready (checkov $version)" >&2
