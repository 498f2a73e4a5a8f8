#!/usr/bin/env bash
# The Kotlin conformance runner (tests/conformance/FORMAT.md):
#
#   bindings/kotlin/conformance.sh [PATH...]    (default: tests/conformance/scenarios)
#
# Builds libpmsg_uniffi and generates the Kotlin bindings (bindings/generate.sh
# kotlin), then runs `mvn -q test` here: the JUnit conformance runner over
# the scenario files (one PASS/FAIL line each, then `N passed, M failed`),
# the usage and error-class tests. Exit status 0 only when everything passed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

scenarios=""
for p in "$@"; do
  [ -e "$p" ] || { echo "no such file or folder: $p" >&2; exit 2; }
  abs="$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
  case "$abs" in *:*) echo "a path with ':' cannot be passed: $abs" >&2; exit 2 ;; esac
  scenarios="${scenarios:+$scenarios:}$abs"
done
[ -n "$scenarios" ] || scenarios="$root/tests/conformance/scenarios"

command -v mvn >/dev/null && command -v java >/dev/null \
  || { echo "the Kotlin runner needs java and mvn (apt-get install default-jdk-headless maven)" >&2; exit 2; }

"$here/../generate.sh" kotlin

out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$here"
set +e
mvn -q -B test -Dpmsg.skipGenerate=true -Dpmsg.scenarios="$scenarios" | tee "$out"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  # Maven reported the failures after the runner's total: repeat it, last.
  grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 || true
fi
exit "$status"
