#!/usr/bin/env bash
# Puts the XML schema the JUnit report is validated against into .venv/share/drkit-schemas/ (idempotent).
#
# JUnit XML has no official schema; its readers (Jenkins, GitLab, GitHub test-report actions) follow the Jenkins
# xunit-plugin's junit-10.xsd. The package index publishes that file inside pytest's source distribution
# (testing/example_scripts/junit-10.xsd, which pytest's own tests validate against), so it comes from there,
# at the pytest version requirements-dev.txt pins and checked against that archive's hash.
# Usage: scripts/setup-test-schemas.sh (called by scripts/setup.sh --dev once .venv exists)
set -euo pipefail
cd "$(dirname "$0")/.."
target=.venv/share/drkit-schemas/junit-10.xsd
pytest_pin=$(grep -E '^pytest==' requirements-dev.txt)
# sha256 of pytest-9.2.0.tar.gz on the package index; a new pytest pin needs its archive's hash here.
declare -A sdist_sha256=([pytest==9.2.0]=97c4f3b1f3c7414aa36465e09b8220f1d03627993bd51b1282e193753c80557b)
stamp="$target.source"
if [ -f "$target" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pytest_pin" ]; then
  exit 0
fi
hash=${sdist_sha256[$pytest_pin]:-}
if [ -z "$hash" ]; then
  echo "setup-test-schemas: no archive hash recorded for $pytest_pin; add its sha256 to scripts/setup-test-schemas.sh" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "$pytest_pin --hash=sha256:$hash" > "$work/requirement.txt"
if ! .venv/bin/python -m pip --disable-pip-version-check download --quiet --no-deps --no-binary :all: \
    --require-hashes -r "$work/requirement.txt" -d "$work" 2>"$work/pip.log"; then
  grep -v 'is ignored' "$work/pip.log" >&2
  echo "setup-test-schemas: could not download the $pytest_pin source archive from the package index" >&2
  exit 2
fi
version=${pytest_pin#pytest==}
mkdir -p "$(dirname "$target")"
tar -xzf "$work/pytest-$version.tar.gz" -O "pytest-$version/testing/example_scripts/junit-10.xsd" > "$target.partial"
mv "$target.partial" "$target"
echo "$pytest_pin" > "$stamp"
echo "setup-test-schemas: junit-10.xsd from the $pytest_pin source archive" >&2
