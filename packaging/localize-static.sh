#!/usr/bin/env bash
# packaging/localize-static.sh IN.a OUT.a: makes the libpmsg.a that C hosts
# link, one that defines no global symbol but the pmsg_* functions of
# include/pmsg.h.
#
# cargo's staticlib (target/*/libpmsg.a) is an archive of libpmsg's objects
# and of everything they use, each object with its global symbols: the
# bundled SQLite's ~250 sqlite3_* (a trimmed build: no JSON functions, no
# extensions), Rust's standard library, compiler_builtins (with weak sqrt,
# fmod, round...). Linked into a host that has its own
# SQLite, the linker quietly takes whichever it meets first, with no error:
# the host's SQLite calls may land in pmsg's build (json_extract then fails
# with "no such function"), or pmsg's in the host's. So:
#   1. ld -r --whole-archive IN.a: one relocatable object, in which every
#      reference between libpmsg's objects is resolved;
#   2. objcopy --keep-global-symbols: every defined global symbol but the
#      pmsg_* ones becomes local (references to the C library, libm, libdl,
#      libpthread and the unwinder stay undefined, for the host's link);
#      LLVM's embedded bitcode sections go (.llvmbc, .llvmcmd,
#      .llvm_addrsig: joined by ld -r they are no valid bitcode, and
#      binutils' LLVM plugin, when installed, then fails on the file);
#   3. ar: OUT.a with that one object;
#   4. checks: OUT.a defines exactly the pmsg_* symbols IN.a did, nothing
#      else, and `nm` reads it.
# Section names, debug information and the code itself are untouched, so a
# host's -Wl,--gc-sections still drops what it does not use.
#
# Needs GNU binutils and an ELF target; LD, OBJCOPY, AR, NM and READELF
# from the environment override the tools (e.g. for a cross build).
# packaging/CMakeLists.txt runs it for the installed libpmsg.a, tests/c/run.sh
# for the library the C tests link.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: packaging/localize-static.sh IN.a OUT.a" >&2; exit 2; }
in=$1 out=$2
ld=${LD:-ld} objcopy=${OBJCOPY:-objcopy} ar=${AR:-ar} nm=${NM:-nm} readelf=${READELF:-readelf}
fail() { echo "packaging/localize-static.sh: $*" >&2; exit 1; }
[ -f "$in" ] || fail "no $in"

work=$(mktemp -d "${TMPDIR:-/tmp}/pmsg-localize-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The defined global (or weak) symbols of an object or archive, one a line.
# readelf, not nm: binutils' nm hands objects with LLVM bitcode to the LLVM
# plugin when one is installed, and then lists no symbol for them.
defined_globals() {
  "$readelf" -sW "$1" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }' | sort -u
}

"$ld" -r --whole-archive "$in" -o "$work/pmsg.o"
defined_globals "$work/pmsg.o" | grep '^pmsg_' >"$work/keep" || fail "$in defines no pmsg_* symbol"
"$objcopy" --remove-section=.llvmbc --remove-section=.llvmcmd --remove-section=.llvm_addrsig \
  --keep-global-symbols="$work/keep" "$work/pmsg.o" "$work/libpmsg.o"
rm -f "$out.tmp"
"$ar" rcD "$out.tmp" "$work/libpmsg.o"

defined_globals "$out.tmp" >"$work/exported"
if ! diff -u "$work/keep" "$work/exported" >&2; then
  rm -f "$out.tmp"
  fail "the localized archive's global symbols are not the pmsg_* ones of $in (diff above)"
fi
if [ -n "$("$nm" --defined-only -g "$out.tmp" | awk 'NF == 3 && $3 !~ /^pmsg_/')" ]; then
  rm -f "$out.tmp"
  fail "nm lists a global symbol other than pmsg_* in the localized archive"
fi
mv -f "$out.tmp" "$out"
echo "$out: $(grep -c '' "$work/keep") global symbols, all pmsg_* (from $(defined_globals "$in" | grep -c '') in $in)"
