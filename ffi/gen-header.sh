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
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
"$cbindgen" --quiet --config "$root/ffi/cbindgen.toml" --crate pmsg --output "$raw" "$root/ffi"

# cbindgen's C output is C99 and C++11; three edits make it C89 and C++98
# clean as well (tests/c/run.sh compiles it with -std=c89/c++98 -pedantic):
#   1. the fixed base of enum pmsg_status (`: int32_t`) only where the
#      language has it, C++11 and C23 (and every __cplusplus/__STDC_VERSION__
#      test guarded by defined(), for hosts that build with -Wundef); C
#      before C23 keeps `typedef int32_t pmsg_status`, C++98 the plain enum;
#   2. no `//` comment after #endif or a closing brace;
#   3. no comma after an enum's last enumerator.
# Nothing else changes: names, values and comments are cbindgen's.
awk '
  /^#(if|elif|endif)/ {
    gsub(/defined\(__cplusplus\) \|\|/, "(defined(__cplusplus) \\&\\& __cplusplus >= 201103L) ||")
    gsub(/__STDC_VERSION__ >= 202311L/, "(defined(__STDC_VERSION__) \\&\\& __STDC_VERSION__ >= 202311L)")
  }
  /^(#endif|})[ ]+\/\/ / { sub(/[ ]+\/\/ /, "  /* "); $0 = $0 " */" }
  /^}( [A-Za-z_][A-Za-z0-9_]*)?;$/ && held ~ /,$/ { sub(/,$/, "", held) }
  NR > 1 { print held }
  { held = $0 }
  END { print held }
' "$raw" >"$out"

# The edits must have taken: a newer cbindgen that writes these lines
# differently fails here rather than in a host's C89 build.
if grep -nE '^(#|}).*//|^#(if|elif).*([^&] __STDC_VERSION__|defined\(__cplusplus\) \|\|)' "$out" >&2; then
  echo "ffi/gen-header.sh: the lines above are not C89-clean; adapt the edits to this cbindgen" >&2
  exit 1
fi
