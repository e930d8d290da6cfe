#!/usr/bin/env bash
# Set up .venv with the test dependencies, then run the whole test suite on both cores.
# Usage: scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest -n 2 -q "$@"
