#!/usr/bin/env bash
# tests/symbols.sh: the C ABI and the uniffi bindings are separate libraries.
#   - libpmsg (ffi/, the C ABI of include/pmsg.h) carries no uniffi
#     scaffolding: no uniffi_*, ffi_pmsg_* or UNIFFI_META_* symbol, and
#     libpmsg.so exports exactly pmsg.h's functions (with the test-only
#     pmsg_test_force_panic when a build enabled it);
#   - libpmsg_uniffi.so (bindings/uniffi/, what the Python wheel, the Kotlin
#     jar and the Swift package load) defines no pmsg_* C function, and
#     exports uniffi's scaffolding only.
# It reads the dynamic symbols of both .so files and the defined globals of
# libpmsg.a with readelf (binutils' nm lists nothing for archive members
# holding LLVM bitcode when the LLVM plugin is installed; readelf reads them).
# Usage: tests/symbols.sh [debug|release]   (default: debug; builds both
#                                           crates first, a no-op when fresh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
profile=${1:-debug}
fail() { echo "tests/symbols.sh: $*" >&2; exit 1; }
command -v readelf >/dev/null || fail "needs readelf (binutils)"

flags=()
[ "$profile" = release ] && flags=(--release)
cargo build --quiet --locked -p pmsg -p pmsg-uniffi "${flags[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
dir="$target_dir/$profile"
work=$(mktemp -d /tmp/pmsg-symbols-XXXXXX)
trap 'rm -rf "$work"' EXIT

# The defined global (or weak) symbols of an ELF file or archive, one a line.
defined() { # OPTION FILE
  readelf "$1" -W "$2" |
    awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && NF >= 8 { sub(/@.*/, "", $8); print $8 }' |
    sort -u
}
uniffi_re='^(uniffi_|ffi_pmsg_|UNIFFI_META_)'

for f in libpmsg.so libpmsg.a libpmsg_uniffi.so; do
  [ -f "$dir/$f" ] || fail "no $dir/$f after cargo build"
done
defined --dyn-syms "$dir/libpmsg.so" >"$work/pmsg.so"
defined -s "$dir/libpmsg.a" >"$work/pmsg.a"
defined --dyn-syms "$dir/libpmsg_uniffi.so" >"$work/uniffi.so"
# Its defined functions and data, local ones too: no pmsg_* C function is linked in.
readelf -sW "$dir/libpmsg_uniffi.so" |
  awk '($4 == "FUNC" || $4 == "OBJECT") && $7 != "UND" && NF >= 8 { sub(/@.*/, "", $8); print $8 }' |
  sort -u >"$work/uniffi.all"

# Every function pmsg.h declares, but the test-only one (feature test-panic).
grep -E '^[A-Za-z].*[ *]pmsg_[a-z0-9_]+\(' include/pmsg.h |
  sed -E 's/.*[ *](pmsg_[a-z0-9_]+)\(.*/\1/' | grep -vx pmsg_test_force_panic | sort -u >"$work/api"
[ -s "$work/api" ] || fail "found no function in include/pmsg.h"

for f in pmsg.so pmsg.a; do
  if grep -E "$uniffi_re" "$work/$f" >"$work/bad"; then
    fail "lib$f defines uniffi's symbols ($(grep -c '' "$work/bad")), e.g. $(head -n 3 "$work/bad" | tr '\n' ' ')"
  fi
done
grep -vx pmsg_test_force_panic "$work/pmsg.so" | diff -u "$work/api" - >&2 ||
  fail "libpmsg.so does not export exactly pmsg.h's functions"

if grep -E '^pmsg_[a-z0-9_]+$' "$work/uniffi.all" >"$work/bad"; then
  fail "libpmsg_uniffi.so defines C-ABI symbols: $(head -n 3 "$work/bad" | tr '\n' ' ')"
fi
if grep -vE "$uniffi_re" "$work/uniffi.so" >"$work/bad"; then
  fail "libpmsg_uniffi.so exports more than uniffi's scaffolding: $(head -n 5 "$work/bad" | tr '\n' ' ')"
fi
grep -q '^uniffi_pmsg_uniffi_fn_' "$work/uniffi.so" || fail "libpmsg_uniffi.so exports no uniffi function"

echo "tests/symbols.sh ($profile): libpmsg.so exports $(grep -c '' "$work/pmsg.so") symbols," \
  "pmsg.h's $(grep -c '' "$work/api") functions, no uniffi_*/ffi_pmsg_*/UNIFFI_META_* (nor libpmsg.a);" \
  "libpmsg_uniffi.so exports $(grep -c '' "$work/uniffi.so"), uniffi's only, and defines no pmsg_*"
