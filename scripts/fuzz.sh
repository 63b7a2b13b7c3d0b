#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer: builds the fuzz targets with -sanitize=fuzzer in .build-fuzz and runs
# each for SECONDS over its committed seed corpus (Tests/Fuzz/Seeds/TARGET), keeping what it finds in
# .build-fuzz/corpus/TARGET. A crash stops the run and leaves crash-* in the current folder: add it to the
# target's seeds (it then runs in every test run, see Tests/EndToEndTests/FuzzSeedTests.swift) and fix it.
#   scripts/fuzz.sh [SECONDS] [TARGET…]     (default 60 s each; targets: FuzzRequestLine FuzzScanText FuzzManifest FuzzConfiguration FuzzImage)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzRequestLine FuzzScanText FuzzManifest FuzzConfiguration FuzzImage)
scratch=.build-fuzz
flags=(--scratch-path "$scratch" --sanitize fuzzer -Xswiftc -DFUZZING)
for target in "${targets[@]}"; do
  echo "==> building $target with libFuzzer"
  swift build "${flags[@]}" --product "$target" 2>&1 | tail -n 3
done
bin=$(swift build "${flags[@]}" --show-bin-path)
status=0
for target in "${targets[@]}"; do
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus"
  echo "==> $target for ${seconds}s (seeds: Tests/Fuzz/Seeds/$target)"
  # -rss_limit_mb: a leak or a runaway allocation is a finding too; -timeout: so is one slow input.
  if ! "$bin/$target" "$corpus" "Tests/Fuzz/Seeds/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 2>"$scratch/$target.log"; then
    echo "!! $target found a failing input:"; tail -n 30 "$scratch/$target.log"; status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE" "$scratch/$target.log" | tail -n 3 || true
  fi
done
exit $status
