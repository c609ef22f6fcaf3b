#!/usr/bin/env bash
# Builds the KQL parser+binder fuzz target (libFuzzer + ASan + UBSan) with clang in BUILD_DIR and
# runs it for SECONDS, seeded with tests/fuzz/kql_seeds. Fails on any crash, leak, sanitizer report
# or timeout (the failing input is left in BUILD_DIR as crash-*/leak-*/timeout-*).
# Exits 77 (ctest's skip code) when no suitable clang is installed.
#
# Clang 14 (Debian's default `clang`) cannot compile intake: libstdc++ 12 only declares
# std::expected when __cpp_concepts >= 202002L, which clang reports from version 19 on. So the
# first clang++ (19 or newer) with libFuzzer is used: scripts/setup installs clang-19 and
# libclang-rt-19-dev. CXX=... overrides the choice.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)

# A compiler qualifies when it builds a libFuzzer program that uses std::expected in C++23 mode.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
cat > "$probe_dir/probe.cpp" <<'CPP'
#include <cstddef>
#include <cstdint>
#include <expected>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t n) {
  std::expected<size_t, int> e = n;
  return e ? 0 : 1;
}
CPP
qualifies() {
  command -v "$1" >/dev/null 2>&1 &&
    "$1" -std=c++2b -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" -o "$probe_dir/probe" >/dev/null 2>&1
}
cxx=""
if [ -n "${CXX:-}" ]; then
  qualifies "$CXX" && cxx=$CXX
else
  for c in clang++-21 clang++-20 clang++-19 clang++; do
    if qualifies "$c"; then
      cxx=$c
      break
    fi
  done
fi
if [ -z "$cxx" ]; then
  echo "kql_fuzz: SKIPPED: no clang++ >= 19 with libFuzzer found (clang 14 cannot use libstdc++ 12's std::expected);" \
       "install clang-19 and libclang-rt-19-dev (scripts/setup does)" >&2
  exit 77
fi
cc=${cxx/clang++/clang}
echo "kql_fuzz: compiler $cxx ($("$cxx" --version | head -1))"

# Only the fuzz target and the libraries it links (core, json, kql) are built. The libraries get
# coverage instrumentation (fuzzer-no-link); the target itself links libFuzzer's main.
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=$cc CXX=$cxx cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" -DINTAKE_TESTS=ON -DINTAKE_BENCH=OFF -DINTAKE_FUZZ=ON >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
fi
cmake --build "$build" --target kql_fuzz

# Symbolized stack traces in reports: any llvm-symbolizer will do (clang-19 ships none of its own).
symbolizer=""
for s in "$(dirname "$(readlink -f "$(command -v "$cxx")")")/llvm-symbolizer" "$(command -v llvm-symbolizer || true)" \
         /usr/lib/llvm-*/bin/llvm-symbolizer; do
  if [ -n "$s" ] && [ -x "$s" ]; then
    symbolizer=$s
    break
  fi
done
sym_opt=${symbolizer:+:external_symbolizer_path=$symbolizer}

corpus="$build/kql_corpus"  # grows across runs; the checked-in seeds stay untouched
mkdir -p "$corpus"
cd "$build"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1$sym_opt} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1$sym_opt} \
  "$build/tests/kql_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -dict="$here/kql.dict" -artifact_prefix="$build/" -print_final_stats=1 "$corpus" "$here/kql_seeds"
