#!/usr/bin/env bash
# Regenerates the C header of libpmsg from ffi/src with the pinned cbindgen.
#
#   ffi/gen-header.sh            writes include/pmsg.h
#   ffi/gen-header.sh FILE       writes FILE instead (ffi/check-header.sh)
#
# cbindgen is a build tool, not a dependency: the pinned version below is
# taken from $CBINDGEN, from PATH, or from target/tools/bin, and installed
# there with `cargo install --locked` when none of them has it.
set -euo pipefail
CBINDGEN_VERSION=0.29.4

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-"$root/include/pmsg.h"}

has_pinned() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "cbindgen $CBINDGEN_VERSION" ]; }

cbindgen=""
for candidate in "${CBINDGEN:-}" "$(command -v cbindgen || true)" "$root/target/tools/bin/cbindgen"; do
  if [ -n "$candidate" ] && has_pinned "$candidate"; then cbindgen=$candidate; break; fi
done
if [ -z "$cbindgen" ]; then
  echo "installing cbindgen $CBINDGEN_VERSION into $root/target/tools" >&2
  cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION" --root "$root/target/tools" >&2
  cbindgen="$root/target/tools/bin/cbindgen"
fi

mkdir -p "$(dirname "$out")"
"$cbindgen" --quiet --config "$root/ffi/cbindgen.toml" --crate pmsg --output "$out" "$root/ffi"
