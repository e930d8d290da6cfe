#!/usr/bin/env bash
# The main job: set up .venv and checkov's own env, then gate a stack (default: prod) in one go —
# the policy-gated offline preview, checkov on the program, and the compliance report in five formats.
# Usage: scripts/gate.sh [STACK] [extra drkit gate arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-checkov.sh
stack=${1:-prod}
shift || true
exec .venv/bin/drkit gate --stack "$stack" --out "build/gate-$stack" "$@"
