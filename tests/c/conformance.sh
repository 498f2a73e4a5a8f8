#!/usr/bin/env bash
# tests/c/conformance.sh [--typed] [PATH...]: the C conformance runner (FORMAT.md);
# --typed runs every operation through the typed C API instead of its JSON form.
# Builds libpmsg (cargo build -p pmsg) and tests/c/conformance_runner.c (CMake,
# into target/c-conformance), then runs it on the scenario files or folders
# given (default: tests/conformance/scenarios). Build output goes to stderr;
# stdout is the runner's, unchanged (PASS/FAIL lines, then "N passed, M
# failed"), and the exit status is the runner's (0: nothing failed).
# Needs cargo, cmake, a C compiler and cJSON (libcjson-dev); as root, the
# missing ones among the last three are installed with apt-get.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

need() { command -v "$1" >/dev/null 2>&1; }
have_cjson() { echo '#include <cjson/cJSON.h>' | cc -E -x c - >/dev/null 2>&1; }
need cargo || { echo "tests/c/conformance.sh needs cargo (Rust)" >&2; exit 1; }
if ! { need cmake && need cc && have_cjson; }; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    echo "installing cmake, gcc, libcjson-dev" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake gcc g++ libcjson-dev >/dev/null
  else
    echo "tests/c/conformance.sh needs cmake, a C compiler and cJSON (libcjson-dev)" >&2; exit 1
  fi
fi

(cd "$root" && cargo build --quiet -p pmsg) >&2
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
lib="$target_dir/debug/libpmsg.a"
[ -f "$lib" ] || { echo "no $lib after cargo build -p pmsg" >&2; exit 1; }

build="$root/target/c-conformance"
cmake -S "$root/tests/c" -B "$build" -DPMSG_LIB="$lib" >/dev/null
cmake --build "$build" --target conformance_runner -j "$(nproc)" >&2

exec "$build/conformance_runner" "$@"
