#!/usr/bin/env bash
# tests/c/example.sh: examples/c/send_message.c against the INSTALLED package.
#   1. packaging/install.sh into a temporary prefix (cargo build --release -p pmsg);
#   2. the installed layout: header, both libraries, pmsg.pc, the CMake package;
#   3. the example built three ways: CMake find_package(pmsg) with pmsg::pmsg as
#      libpmsg.so, the same with pmsg_USE_STATIC_LIBS=ON (libpmsg.a), and plain
#      cc with pkg-config's flags;
#   4. each build run under valgrind: it must exit 0, with no memory error and
#      no definite leak.
# Usage: tests/c/example.sh   (needs cargo, cmake, cc, pkg-config, valgrind;
#                              as root the missing ones are installed)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "tests/c/example.sh: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1; }
need cargo || fail "needs cargo (Rust)"
if ! { need cmake && need cc && need pkg-config && need valgrind; }; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake gcc pkg-config valgrind >/dev/null
  else
    fail "needs cmake, a C compiler, pkg-config and valgrind"
  fi
fi

prefix=$(mktemp -d /tmp/pmsg-prefix-XXXXXX)
work=$(mktemp -d /tmp/pmsg-example-build-XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT

step "packaging/install.sh $prefix (cargo build --release -p pmsg)"
packaging/install.sh "$prefix"

step "the installed package"
for f in include/pmsg.h lib/libpmsg.a lib/libpmsg.so lib/pkgconfig/pmsg.pc \
  lib/cmake/pmsg/pmsgConfig.cmake lib/cmake/pmsg/pmsgConfigVersion.cmake; do
  [ -f "$prefix/$f" ] || fail "the install lacks $f"
  echo "$f"
done
cmp -s include/pmsg.h "$prefix/include/pmsg.h" || fail "the installed pmsg.h is not include/pmsg.h"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
step "pkg-config: pmsg $(pkg-config --modversion pmsg)"
echo "cflags: $(pkg-config --cflags pmsg)"
echo "libs:   $(pkg-config --libs pmsg)"
echo "static: $(pkg-config --libs --static pmsg)"

step "CMake find_package(pmsg): pmsg::pmsg = libpmsg.so"
cmake -S examples/c -B "$work/cmake-shared" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-shared"

step "CMake find_package(pmsg) with pmsg_USE_STATIC_LIBS=ON: pmsg::pmsg = libpmsg.a"
cmake -S examples/c -B "$work/cmake-static" -DCMAKE_PREFIX_PATH="$prefix" -Dpmsg_USE_STATIC_LIBS=ON >/dev/null
cmake --build "$work/cmake-static"

step "pkg-config and plain cc"
mkdir -p "$work/pkg-config"
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -std=c99 -Wall -Wextra -Werror -pedantic examples/c/send_message.c $(pkg-config --cflags --libs pmsg) \
  -Wl,-rpath,"$(pkg-config --variable=libdir pmsg)" -o "$work/pkg-config/send_message"
echo "built $work/pkg-config/send_message"

step "each build links what it should"
soname=$(readelf -d "$prefix/lib/libpmsg.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ -n "$soname" ] || fail "the installed libpmsg.so has no SONAME"
[ -L "$prefix/lib/$soname" ] || fail "the install lacks the link $soname"
echo "libpmsg.so -> $(readlink "$prefix/lib/libpmsg.so") -> $(readlink "$prefix/lib/$soname"), SONAME $soname"
needed() { readelf -d "$1" | grep -c "NEEDED.*\[$soname\]" || true; }
[ "$(needed "$work/cmake-shared/send_message")" = 1 ] || fail "the CMake shared build does not load $soname"
[ "$(needed "$work/pkg-config/send_message")" = 1 ] || fail "the pkg-config build does not load $soname"
[ "$(needed "$work/cmake-static/send_message")" = 0 ] || fail "the static build loads $soname"
echo "cmake-shared and pkg-config load $soname; cmake-static has libpmsg.a inside"

step "run each under valgrind (exit 0, no errors, no definite leaks)"
for build in cmake-shared cmake-static pkg-config; do
  log="$work/$build.log"
  if ! valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$work/$build/send_message" >"$log" 2>&1; then
    cat "$log" >&2
    fail "send_message ($build) failed"
  fi
  grep -q '^conversation closed$' "$log" || { cat "$log" >&2; fail "send_message ($build) did not finish"; }
  echo "--- $build: $(grep -c '' "$log") lines of output, then:"
  grep -E "^conversation closed$|in use at exit|definitely lost|ERROR SUMMARY" "$log"
done
[ -z "$(find /tmp -maxdepth 1 -name 'pmsg-example-??????' -newer "$prefix" 2>/dev/null)" ] ||
  fail "send_message left its temporary store behind"

step "the first run's output (cmake-shared)"
grep -v '^==' "$work/cmake-shared.log"

echo
echo "tests/c/example.sh: send_message built 3 ways against the installed package, ran clean, in $(( $(date +%s) - started )) s"
