#!/usr/bin/env bash
# The C tests of libpmsg, from a clean checkout:
#   1. the header drift check (ffi/check-header.sh);
#   2. cargo build -p pmsg (debug, with the test-only `test-panic` export),
#      then packaging/localize-static.sh, as for the installed libpmsg.a:
#      the tests link an archive that defines only pmsg_* symbols;
#   3. CMake build into target/c-tests, then ctest (the tests, and the
#      header alone as strict C89, C99, C++98, C++11 and C++17);
#   4. the test programs, and the conformance runner over every scenario
#      (through the JSON functions, then through the typed API: --typed),
#      under valgrind (errors and definite leaks fail);
#   5. a second build with -fsanitize=address,undefined into target/c-tests-asan,
#      run by ctest with LeakSanitizer on;
#   6. the leak checkers are not vacuous: both must fail on leak_canary.
# Usage: tests/c/run.sh        (needs cargo, cmake, a C/C++ compiler, valgrind, cJSON)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n=== %s\n' "$*"; }

need() { command -v "$1" >/dev/null 2>&1; }
need cargo || { echo "tests/c/run.sh needs cargo (Rust)" >&2; exit 1; }
if ! { need cmake && need ctest && need cc && need c++ && need valgrind; }; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake valgrind gcc g++ >/dev/null
  else
    echo "tests/c/run.sh needs cmake, a C and C++ compiler and valgrind" >&2; exit 1
  fi
fi

step "header drift check"
ffi/check-header.sh

step "cargo build -p pmsg --features test-panic"
cargo build --locked -p pmsg --features test-panic
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
cargo_lib="$target_dir/debug/libpmsg.a"
[ -f "$cargo_lib" ] || { echo "no $cargo_lib after cargo build" >&2; exit 1; }

step "packaging/localize-static.sh: the archive the tests link exports only pmsg_*"
lib="$root/target/c-tests-lib/libpmsg.a"
mkdir -p "$(dirname "$lib")"
packaging/localize-static.sh "$cargo_lib" "$lib"

build="$root/target/c-tests"
step "CMake build (C99, -Wall -Wextra -Werror -pedantic) into $build"
cmake -S tests/c -B "$build" -DPMSG_LIB="$lib" -DPMSG_TEST_PANIC=ON >/dev/null
cmake --build "$build" -j "$(nproc)"

step "ctest"
(cd "$build" && ctest --output-on-failure)

# Panics in misuse print Rust's report to stderr; keep it short here.
export RUST_BACKTRACE=0

step "valgrind (memcheck: errors and definite leaks fail)"
# conformance_runner with no argument runs every scenario of tests/conformance.
# (`encryption off`: this library has no encryption; tests/c/encryption.sh
# runs `encryption on` against a library built with it.)
for run in abi_smoke misuse threads typed "encryption off" conformance_runner "conformance_runner --typed"; do
  read -r program args <<<"$run"
  log="$build/valgrind-${run//[ -]/_}.log"
  # shellcheck disable=SC2086 # $args is a word list
  if ! valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    "$build/$program" $args >"$log" 2>&1; then
    cat "$log" >&2
    echo "valgrind failed on $program (log: $log)" >&2
    exit 1
  fi
  echo "--- valgrind $run"
  grep -E "^(abi_smoke|misuse|threads|typed|encryption (on|off)):|^[0-9]+ passed, [0-9]+ failed$|in use at exit|definitely lost|All heap blocks|ERROR SUMMARY" "$log"
done

asan="$root/target/c-tests-asan"
step "AddressSanitizer + UBSan build into $asan, ctest with detect_leaks=1"
cmake -S tests/c -B "$asan" -DPMSG_LIB="$lib" -DPMSG_TEST_PANIC=ON -DPMSG_SANITIZE=ON >/dev/null
cmake --build "$asan" -j "$(nproc)"
(cd "$asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure)

step "the leak checkers are not vacuous: both must fail on leak_canary"
if valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
  "$build/leak_canary" >/dev/null 2>&1; then
  echo "valgrind did not report leak_canary's leak" >&2; exit 1
fi
if ASAN_OPTIONS=detect_leaks=1 "$asan/leak_canary" >/dev/null 2>&1; then
  echo "LeakSanitizer did not report leak_canary's leak" >&2; exit 1
fi
echo "valgrind and LeakSanitizer both caught the deliberate leak"

echo
echo "tests/c/run.sh: all C tests passed in $(( $(date +%s) - started )) s"
