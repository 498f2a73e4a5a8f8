#!/usr/bin/env bash
# The header drift check (CI): regenerates the header into a temporary
# file and fails, showing the difference, unless include/pmsg.h is
# exactly what ffi/src and ffi/cbindgen.toml generate.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$root/ffi/gen-header.sh" "$fresh"
if ! diff -u "$root/include/pmsg.h" "$fresh"; then
  echo "include/pmsg.h is stale: run ffi/gen-header.sh and commit the result" >&2
  exit 1
fi
echo "include/pmsg.h is up to date"
