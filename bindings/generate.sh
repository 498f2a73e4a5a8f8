#!/usr/bin/env bash
# Generates pmsg's uniffi bindings from the built library (library mode):
#
#   bindings/generate.sh [kotlin|swift|python]...   (default: all three)
#
# 1. builds libpmsg_uniffi (cargo build -p pmsg-uniffi, bindings/uniffi/;
#    PMSG_PROFILE=release for a release build; PMSG_FEATURES="encryption"
#    adds those cargo features of pmsg-uniffi) and the pinned bindgen
#    (cargo build -p pmsg-uniffi-bindgen, bindings/uniffi-bindgen/), into
#    the workspace's target/ (or $CARGO_TARGET_DIR);
# 2. runs the bindgen on the library, with the options of bindings/uniffi.toml.
#
# Outputs (all generated, never edited, never committed: bindings/README.md):
#   kotlin  bindings/kotlin/target/generated-sources/uniffi/pmsg/pmsg.kt
#           bindings/kotlin/target/generated-resources/uniffi/linux-x86-64/libpmsg_uniffi.so
#   swift   bindings/swift/Sources/Pmsg/pmsg.swift
#           bindings/swift/Sources/pmsgFFI/{pmsgFFI.h,module.modulemap}   (SwiftPM)
#           bindings/swift/xcframework/Headers/{pmsgFFI.h,module.modulemap} (XCFramework)
#   python  bindings/python/target/generated/pmsg.py (what maturin packs; for reading)
#
# Quiet on success (it runs inside `mvn -q test`); PMSG_VERBOSE=1 says what it wrote.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
profile=${PMSG_PROFILE:-debug}
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac

langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(kotlin swift python)
for l in "${langs[@]}"; do
  case "$l" in kotlin|swift|python) ;; *) echo "generate.sh: unknown language: $l" >&2; exit 2 ;; esac
done

cargo_profile=()
[ "$profile" = debug ] || cargo_profile=(--profile "$profile")
[ "$profile" = release ] && cargo_profile=(--release)
# Two invocations, not one: built together, the bindgen's `uniffi/cli`
# feature would be unified into libpmsg_uniffi's uniffi and rebuild it.
features=()
[ -z "${PMSG_FEATURES:-}" ] || features=(--features "$PMSG_FEATURES")
(cd "$root" && cargo build --quiet --locked -p pmsg-uniffi "${cargo_profile[@]}" "${features[@]}") >&2
(cd "$root" && cargo build --quiet --locked -p pmsg-uniffi-bindgen) >&2

lib="$target_dir/$profile/libpmsg_uniffi.so"
[ "$(uname -s)" = Darwin ] && lib="$target_dir/$profile/libpmsg_uniffi.dylib"
[ -f "$lib" ] || { echo "generate.sh: $lib was not built" >&2; exit 1; }
bindgen="$target_dir/debug/pmsg-uniffi-bindgen"
bindgen_swift="$target_dir/debug/pmsg-uniffi-bindgen-swift"
config="$here/uniffi.toml"

fresh_dir() { rm -rf "$1"; mkdir -p "$1"; }
say() { [ -z "${PMSG_VERBOSE:-}" ] || echo "$@" >&2; }

for l in "${langs[@]}"; do
  case "$l" in
    kotlin)
      out="$here/kotlin/target/generated-sources/uniffi"
      res="$here/kotlin/target/generated-resources/uniffi/linux-x86-64"
      fresh_dir "$out"; mkdir -p "$res"
      (cd "$root" && "$bindgen" generate --library "$lib" --language kotlin \
        --no-format --config "$config" --out-dir "$out") >/dev/null
      # JNA looks for the library as a class-path resource of this platform.
      # Replaced only when it changed, and by a rename: a JVM still running
      # tests on the old one keeps its mapping (an overwrite in place would
      # crash it with SIGBUS), and an unchanged one is not copied on.
      if ! cmp -s "$lib" "$res/libpmsg_uniffi.so"; then
        cp "$lib" "$res/.libpmsg_uniffi.so.$$" && mv -f "$res/.libpmsg_uniffi.so.$$" "$res/libpmsg_uniffi.so"
      fi
      say "kotlin: $out, $res/libpmsg_uniffi.so" ;;
    swift)
      sources="$here/swift/Sources"
      fresh_dir "$sources/Pmsg"; fresh_dir "$sources/pmsgFFI"
      fresh_dir "$here/swift/xcframework/Headers"
      (cd "$root" && "$bindgen_swift" --config "$config" --swift-sources "$lib" "$sources/Pmsg") >/dev/null
      (cd "$root" && "$bindgen_swift" --config "$config" --headers --modulemap --module-name pmsgFFI \
        --modulemap-filename module.modulemap "$lib" "$sources/pmsgFFI") >/dev/null
      (cd "$root" && "$bindgen_swift" --config "$config" --headers --modulemap --xcframework --module-name pmsgFFI \
        --modulemap-filename module.modulemap "$lib" "$here/swift/xcframework/Headers") >/dev/null
      say "swift: $sources, $here/swift/xcframework" ;;
    python)
      out="$here/python/target/generated"
      fresh_dir "$out"
      (cd "$root" && "$bindgen" generate --library "$lib" --language python \
        --no-format --config "$config" --out-dir "$out") >/dev/null
      say "python: $out" ;;
  esac
done
say "generated from $lib"
