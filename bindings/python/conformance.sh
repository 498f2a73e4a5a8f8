#!/usr/bin/env bash
# The Python conformance runner (tests/conformance/FORMAT.md):
#
#   bindings/python/conformance.sh [PATH...]    (default: tests/conformance/scenarios)
#
# Creates (or reuses) a venv under target/bindings-python/, builds the pmsg
# wheel with maturin (uniffi bindings, dev profile, into the workspace's
# target/), installs it, and runs pytest over bindings/python/tests: the
# scenario files (one PASS/FAIL line each, then `N passed, M failed` last),
# the usage, error-class and checksum tests. Exit status 0 only when
# everything passed. PMSG_PROFILE=release builds a release wheel instead;
# PMSG_FEATURES="encryption" builds it with those cargo features of ffi/
# (tests/test_encryption.py checks the library is the build it names).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0

paths=()
for p in "$@"; do
  [ -e "$p" ] || { echo "no such file or folder: $p" >&2; exit 2; }
  paths+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
done
[ ${#paths[@]} -gt 0 ] || paths=("$root/tests/conformance/scenarios")

work="$root/target/bindings-python"
venv="$work/venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv" >&2
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
if ! "$venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $MATURIN_VERSION" \
   || ! "$py" -c "import pytest, sys; sys.exit(pytest.__version__ != '$PYTEST_VERSION')" 2>/dev/null; then
  "$py" -m pip install --quiet --disable-pip-version-check \
    "maturin==$MATURIN_VERSION" "pytest==$PYTEST_VERSION" >&2
fi

profile=${PMSG_PROFILE:-dev}
[ "$profile" = debug ] && profile=dev
features=()
[ -z "${PMSG_FEATURES:-}" ] || features=(--features "$PMSG_FEATURES")
rm -rf "$work/wheels"
# maturin runs `uniffi-bindgen` from PATH: tools/ holds the workspace's one.
(cd "$here" && PATH="$here/tools:$PATH" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
  "$venv/bin/maturin" build --quiet --locked --profile "$profile" "${features[@]}" --out "$work/wheels") >&2
wheel=$(ls "$work/wheels"/pmsg-*.whl)
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel" >&2

args=()
for p in "${paths[@]}"; do args+=(--scenarios "$p"); done
cd "$here/tests"
exec "$py" -m pytest -q -p no:cacheprovider "${args[@]}" .
