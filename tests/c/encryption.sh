#!/usr/bin/env bash
# Encryption at rest through the C ABI: builds libpmsg with the cargo
# feature `encryption` (SQLCipher, vendored OpenSSL), builds the C tests
# against it into target/c-tests-encryption, runs them all (the misuse walk
# and the conformance runner included) and `encryption on` under valgrind.
# tests/c/run.sh covers the plain library (`encryption off`).
# Usage: tests/c/encryption.sh   (after tests/c/run.sh has installed its tools)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

cargo build --locked -p pmsg --features encryption
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
lib="$target_dir/debug/libpmsg.a"
build="$root/target/c-tests-encryption"
cmake -S tests/c -B "$build" -DPMSG_LIB="$lib" -DPMSG_ENCRYPTION=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure)
log="$build/valgrind-encryption.log"
if ! valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
  "$build/encryption" on >"$log" 2>&1; then
  cat "$log" >&2
  echo "valgrind failed on encryption on (log: $log)" >&2
  exit 1
fi
grep -E "^encryption on:|definitely lost|All heap blocks|ERROR SUMMARY" "$log"
