#!/usr/bin/env bash
# The Swift package of pmsg (bindings/swift):
#
#   bindings/swift/build.sh [PATH...]   generate the package; with a Swift
#                                       toolchain, `swift test` (conformance
#                                       runner over PATH, default: the
#                                       project's scenarios)
#   bindings/swift/build.sh xcframework on macOS with Xcode: also build
#                                       xcframework/pmsgFFI.xcframework
#
# Generates Sources/Pmsg/pmsg.swift, Sources/pmsgFFI/ (header + module map)
# and xcframework/Headers/ from libpmsg_uniffi (bindings/generate.sh swift). Without
# a Swift toolchain it stops there and says so plainly.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "${1:-}" = xcframework ]; then
  shift
  command -v xcodebuild >/dev/null || { echo "SKIPPED: xcframework (no xcodebuild on this machine)"; exit 0; }
  PMSG_PROFILE=release "$here/../generate.sh" swift
  targets=(aarch64-apple-darwin aarch64-apple-ios aarch64-apple-ios-sim)
  args=()
  for t in "${targets[@]}"; do
    rustup target add "$t" >/dev/null
    (cd "$root" && cargo rustc --quiet --locked --release -p pmsg-uniffi --lib --crate-type staticlib --target "$t")
    args+=(-library "${CARGO_TARGET_DIR:-$root/target}/$t/release/libpmsg_uniffi.a" -headers "$here/xcframework/Headers")
  done
  rm -rf "$here/xcframework/pmsgFFI.xcframework"
  xcodebuild -create-xcframework "${args[@]}" -output "$here/xcframework/pmsgFFI.xcframework"
  echo "built $here/xcframework/pmsgFFI.xcframework (Package.swift now uses it)"
  exit 0
fi

scenarios=""
for p in "$@"; do
  [ -e "$p" ] || { echo "no such file or folder: $p" >&2; exit 2; }
  abs="$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
  scenarios="${scenarios:+$scenarios:}$abs"
done

"$here/../generate.sh" swift
echo "generated the Swift package in $here (Sources/, xcframework/Headers/)"

# `swift` must be the Swift toolchain (Debian's `swift` package is OpenStack's).
if ! command -v swift >/dev/null || ! swift --version 2>&1 | grep -q "Swift version"; then
  echo "SKIPPED: swift build (no swift toolchain on this machine)"
  exit 0
fi

lib_dir="${CARGO_TARGET_DIR:-$root/target}/debug"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$here"
set +e
PMSG_LIB_DIR="$lib_dir" PMSG_SCENARIOS="$scenarios" LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  swift test 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
# XCTest's own summary came after the runner's total: repeat it, last.
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 || true
exit "$status"
