#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]: builds the cargo-fuzz targets (libFuzzer
# + AddressSanitizer; RUSTC_BOOTSTRAP=1 lets the stable toolchain take the
# sanitizer flags) and runs each for SECONDS (default 60) over the committed
# corpus. New inputs go to target/fuzz-corpus, never into the committed one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(c_abi requests scenario)
tools="$root/target/tools"
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "installing cargo-fuzz into $tools" >&2
  cargo install --locked --quiet cargo-fuzz --version 0.13.2 --root "$tools"
fi
export RUSTC_BOOTSTRAP=1
cd "$here"
cargo fuzz build -O >&2
for t in "${targets[@]}"; do
  scratch="$root/target/fuzz-corpus/$t"
  mkdir -p "$scratch"
  echo "== fuzz $t for ${seconds}s"
  log="$root/target/fuzz-$t.log"
  status=0
  cargo fuzz run -O "$t" "$scratch" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
    -print_final_stats=1 > "$log" 2>&1 || status=$?
  grep -E '^(Done|==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz target $t found a crash (exit $status; input in fuzz/artifacts/$t)" >&2
    exit 1
  fi
done
echo "fuzzing: ${#targets[@]} targets, ${seconds}s each, no crash"
