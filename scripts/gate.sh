#!/usr/bin/env bash
# The main job: set up .venv, then run the policy-gated offline preview of a stack (default: prod).
# Usage: scripts/gate.sh [STACK] [extra drkit preview arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-checkov.sh
stack=${1:-prod}
shift || true
mkdir -p build
exec .venv/bin/drkit preview --stack "$stack" --policy-pack policypack --graph-out "build/$stack.graph.json" "$@"
