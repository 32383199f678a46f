#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (preset "fuzz": Debian's clang 14 with ASan and
# UBSan) and runs each for FUZZ_SECONDS (default 30) on a copy of its checked-in seed corpus,
# so the repository stays clean. Prints the executions per target; fails when any target
# crashes, leaks, hangs past the per-input timeout or runs out of memory. A failing input is
# kept in build/fuzz/run/<target>/ (crash-*, leak-*, timeout-*, oom-*): rerun it with
#   build/fuzz/tests/fuzz/fuzz_<target> build/fuzz/run/<target>/crash-...
# Usage: scripts/fuzz.sh [target ...]   (default: every tests/fuzz/fuzz_*.cpp)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
packages=(clang libclang-rt-14-dev cmake make ccache pkg-config)

# As ./quickstart does: only what is missing, from Debian's packages.
install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  echo "== installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run as root, or install sudo: missing ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_missing
echo "== building the fuzzers (fuzz preset, $(nproc) cores)"
cmake --preset fuzz >/dev/null
if ! cmake --build --preset fuzz -j"$(nproc)" >build/fuzz/build.log 2>&1; then
  tail -n 60 build/fuzz/build.log >&2
  echo "== the fuzz build failed (build/fuzz/build.log)" >&2
  exit 1
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name#fuzz_}")
  done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== fuzzing ${#targets[@]} targets, ${seconds}s each"
failed=()
for target in "${targets[@]}"; do
  binary=build/fuzz/tests/fuzz/fuzz_$target
  if [ ! -x "$binary" ]; then
    echo "   $target: not built" >&2
    failed+=("$target")
    continue
  fi
  work=build/fuzz/run/$target
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp -R "tests/fuzz/corpus/$target/." "$work/corpus/"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384
           -print_final_stats=1 -artifact_prefix="$work/")
  if [ -f "tests/fuzz/dict/$target.dict" ]; then
    options+=(-dict="tests/fuzz/dict/$target.dict")
  fi
  status=0
  "$binary" "${options[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?
  # libFuzzer's last line on success: "Done 123456 runs in 31 second(s)".
  runs=$(grep -Eo 'Done [0-9]+ runs' "$work/log" | tail -n 1 | awk '{print $2}' || true)
  if [ "$status" -ne 0 ] || [ -z "$runs" ]; then
    # The first line that says what broke: our invariant, an exception, a sanitizer report.
    reason=$(grep -aE -m 1 'fuzz invariant broken|what\(\):|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' \
      "$work/log" || true)
    echo "   $target: FAILED (exit $status): $reason" >&2
    echo "     input kept: $(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s|^|$work/|" | tr '\n' ' ')" >&2
    echo "     last lines of $work/log:" >&2
    tail -n 25 "$work/log" | sed 's/^/     /' >&2
    failed+=("$target")
    continue
  fi
  printf '   %-16s %10s executions in %ss\n' "$target" "$runs" "$seconds"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzzing FAILED: ${failed[*]} (inputs kept in build/fuzz/run/<target>/)" >&2
  exit 1
fi
echo "== fuzzing passed"
