#!/usr/bin/env bash
# packaging/install.sh PREFIX: builds libpmsg (cargo build --release -p pmsg)
# and installs it for C and C++ hosts into PREFIX: include/pmsg.h,
# lib/libpmsg.{a,so}, lib/pkgconfig/pmsg.pc, lib/cmake/pmsg/ (find_package).
# The same as the three cmake commands at the top of packaging/CMakeLists.txt.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: packaging/install.sh PREFIX" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
build="$root/target/packaging"
cmake -S "$root/packaging" -B "$build" -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$build"
cmake --install "$build"
