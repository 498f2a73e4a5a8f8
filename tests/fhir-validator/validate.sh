#!/usr/bin/env bash
# Offline HL7 FHIR R4 validation of pmsg chart exports (HAPI FHIR, no terminology server).
# Usage: tests/fhir-validator/validate.sh [--verbose] [--strict-refs] [--timing] PATH...
# Builds target/fhir-validator.jar when it is missing or older than pom.xml / src/, then runs it.
# Exit: 0 all valid, 1 some file invalid, 2 usage error / unreadable file / no files, 3 validator failed to start.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/fhir-validator.jar"

needs_build=0
if [[ ! -f "$jar" ]]; then
    needs_build=1
elif [[ -n "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit)" ]]; then
    needs_build=1
fi
if [[ $needs_build -eq 1 ]]; then
    echo "fhir-validator: building $jar ..." >&2
    (cd "$here" && mvn -q -B package -DskipTests) >&2
fi

exec java -jar "$jar" "$@"
