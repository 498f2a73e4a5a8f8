#!/usr/bin/env bash
# tests/c/static_link.sh: the INSTALLED libpmsg.a defines only the pmsg_*
# API, so a host that has its own SQLite links it without a clash.
#   1. packaging/install.sh into a temporary prefix (cargo build --release
#      -p pmsg: nothing to do after tests/c/example.sh), whose libpmsg.a is
#      made by packaging/localize-static.sh;
#   2. `nm --defined-only -g libpmsg.a` lists only pmsg_* symbols, exactly
#      the functions declared in pmsg.h (readelf agrees), and `nm -D
#      --defined-only libpmsg.so` has the same pmsg_* symbols and nothing
#      else (the uniffi bindings are another library, libpmsg_uniffi:
#      tests/symbols.sh);
#   3. tests/c/static_link.c, a host on the system SQLite (libsqlite3-dev),
#      linked with libpmsg.a and -lsqlite3 -lm -ldl -lpthread, in both
#      orders: it links, its sqlite3_* calls go to the system library
#      (version, source id, json_extract) and pmsg's calls work;
#   4. the negative control: the same host linked with cargo's own
#      target/release/libpmsg.a (not localized) must fail (it gets pmsg's
#      SQLite, which has no json_extract), or this test proves nothing.
# Usage: tests/c/static_link.sh   (needs cargo, cmake, cc, binutils and
#                                  libsqlite3-dev; as root the missing ones
#                                  are installed)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "tests/c/static_link.sh: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1; }
need cargo || fail "needs cargo (Rust)"
has_sqlite_dev() { printf '#include <sqlite3.h>\n' | cc -E -x c - >/dev/null 2>&1; }
if ! { need cmake && need cc && need nm && need readelf && has_sqlite_dev; }; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake gcc binutils libsqlite3-dev >/dev/null
  else
    fail "needs cmake, a C compiler, binutils and libsqlite3-dev"
  fi
fi

prefix=$(mktemp -d /tmp/pmsg-prefix-XXXXXX)
work=$(mktemp -d /tmp/pmsg-static-link-XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT

step "packaging/install.sh $prefix (cargo build --release -p pmsg)"
packaging/install.sh "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "install failed"; }
grep 'global symbols, all pmsg_' "$work/install.log" || fail "the install did not localize libpmsg.a"
lib="$prefix/lib/libpmsg.a"
so="$prefix/lib/libpmsg.so"
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
raw="$target_dir/release/libpmsg.a"
[ -f "$lib" ] && [ -f "$so" ] && [ -f "$raw" ] || fail "the install or the cargo build lacks a library"

step "the symbols libpmsg defines for its hosts"
# Every function that pmsg.h declares, but the test-only one.
grep -E '^[A-Za-z].*[ *]pmsg_[a-z0-9_]+\(' include/pmsg.h |
  sed -E 's/.*[ *](pmsg_[a-z0-9_]+)\(.*/\1/' | grep -vx pmsg_test_force_panic | sort -u >"$work/api"
[ -s "$work/api" ] || fail "found no function in include/pmsg.h"
nm --defined-only -g "$lib" | awk 'NF == 3 { print $3 }' | sort -u >"$work/nm"
readelf -sW "$lib" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }' | sort -u >"$work/readelf"
nm -D --defined-only "$so" | awk '{ print $3 }' | sort -u >"$work/so"
# Before: cargo's archive, every member's globals (readelf: binutils' nm
# lists none for members that carry LLVM bitcode when the LLVM plugin is
# installed, so its count there is partial).
readelf -sW "$raw" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" { print $8 }' | sort -u >"$work/raw"
echo "cargo's $raw: $(grep -c '' "$work/raw") global symbols," \
  "$(grep -c '^sqlite3_' "$work/raw") of them sqlite3_*, $(grep -c '^pmsg_' "$work/raw") pmsg_*"
echo "installed libpmsg.a: nm lists $(grep -c '' "$work/nm"), readelf $(grep -c '' "$work/readelf");" \
  "pmsg.h declares $(grep -c '' "$work/api")"
diff -u "$work/api" "$work/nm" >&2 || fail "nm --defined-only -g libpmsg.a is not exactly pmsg.h's functions"
diff -u "$work/api" "$work/readelf" >&2 || fail "readelf: libpmsg.a's global symbols are not exactly pmsg.h's functions"
grep '^pmsg_' "$work/so" | diff -u "$work/api" - >&2 || fail "libpmsg.so's pmsg_* symbols are not pmsg.h's functions"
other=$(grep -v '^pmsg_' "$work/so" || true)
[ -z "$other" ] || fail "libpmsg.so exports symbols beyond pmsg_*: $other"
echo "libpmsg.so (nm -D --defined-only): $(grep -c '' "$work/so") symbols, all pmsg_*"

step "a host on the system SQLite, linked with the installed libpmsg.a"
flags=(-std=c99 -Wall -Wextra -Werror -pedantic -I"$prefix/include")
cc "${flags[@]}" -c tests/c/static_link.c -o "$work/static_link.o"
nm -u "$work/static_link.o" | awk '$2 ~ /^sqlite3_/ { print $2 }' | sort >"$work/host-sqlite"
link_and_run() { # NAME ARCHIVE ORDER: links, runs; 0 only if all holds
  local name=$1 archive=$2 exe="$work/$1"
  if [ "$3" = pmsg-first ]; then
    cc "$work/static_link.o" "$archive" -lsqlite3 -lm -ldl -lpthread -o "$exe" || return 1
  else
    cc "$work/static_link.o" -lsqlite3 "$archive" -lm -ldl -lpthread -o "$exe" || return 1
  fi
  "$exe" || return 1
  # Exactly the host's own sqlite3_* calls are bound to libsqlite3.so.
  nm -D --undefined-only "$exe" | awk '$2 ~ /^sqlite3_/ { sub(/@.*/, "", $2); print $2 }' | sort |
    diff -u "$work/host-sqlite" - >&2 || { echo "$name: its sqlite3_* imports are not the host's calls" >&2; return 1; }
}
for order in pmsg-first sqlite-first; do
  echo "--- libpmsg.a $([ $order = pmsg-first ] && echo before || echo after) -lsqlite3"
  link_and_run "installed-$order" "$lib" "$order" || fail "the host with the installed libpmsg.a ($order) failed"
done

step "negative control: the same host with cargo's libpmsg.a, not localized, must fail"
for order in pmsg-first sqlite-first; do
  log="$work/raw-$order.log"
  if link_and_run "raw-$order" "$raw" "$order" >"$log" 2>&1; then
    cat "$log" >&2
    fail "the host passed with cargo's unlocalized archive ($order): this test cannot fail"
  fi
  echo "--- $order, as it must: $(grep -c '' "$log") lines, among them"
  grep -E "sqlite3_libversion\(\) is|no such function|multiple definition" "$log" | sort -u
done

echo
echo "tests/c/static_link.sh: libpmsg.a defines only pmsg.h's $(grep -c '' "$work/api") functions;" \
  "a host keeps its own SQLite beside it; in $(($(date +%s) - started)) s"
