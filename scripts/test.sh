#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, store, engine, end-to-end against the real
# daemon, systemd unit checks), then a quick benchmark smoke run. Exit status is the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
parcel_station_install "${PARCEL_STATION_BUILD_PACKAGES[@]}" "${PARCEL_STATION_TEST_PACKAGES[@]}"

echo "==> checking the module rules and the code format"
# Every import a declared dependency (SwiftPM checks only the package's own targets; this covers other packages').
python3 scripts/check-target-imports.py
# swift-format lint with .swift-format: any warning fails the run (none are left).
lint=$(swift format lint --recursive --parallel Package.swift Sources Tests 2>&1 || true)
if [ -n "$lint" ]; then echo "$lint"; echo "swift format lint: $(echo "$lint" | wc -l) warnings (fix with: swift format --in-place --recursive Sources Tests)"; exit 1; fi

echo "==> building"
# An import of a package target that is not a declared dependency fails the build.
swift build --build-tests --explicit-target-dependency-import-check=error

echo "==> starting a throwaway PostgreSQL for the county sync tests"
county_db=$(mktemp -d /tmp/parcel-county-test.XXXXXX)
trap 'scripts/county-test-db.sh stop "$county_db"' EXIT
scripts/county-test-db.sh start "$county_db"
source "$county_db/env"

echo "==> testing"
log=$(mktemp)
set +e
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo "==> benchmark smoke run (debug build, small sizes; figures are not meaningful here)"
bin=$(swift build --show-bin-path)
"$bin/parcel-bench" --quick --daemon "$bin/parcel-stationd" || echo "benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --flush-latency 2 --daemon "$bin/parcel-stationd" || echo "slow-disk benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --county || echo "county benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --faults --daemon "$bin/parcel-stationd" || echo "fault benchmark smoke run failed (not a test failure)"

echo "==> fuzzing each libFuzzer target briefly over its committed seeds (scripts/fuzz.sh; a crash fails the run)"
if ! scripts/fuzz.sh "${PARCEL_STATION_FUZZ_SECONDS:-15}"; then status=1; fi

# One plain closing line for CI, from Swift Testing's summary.
summary=$(grep -E "Test run with [0-9]+ tests" "$log" | tail -n 1 || true)
total=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests.*/\1/p')
failed=$(echo "$summary" | sed -nE 's/.*with ([0-9]+) issues?.*/\1/p')
rm -f "$log"
if [ -n "$total" ]; then
  if [ "$status" -eq 0 ]; then echo "$total passed, 0 failed"; else echo "tests: ${failed:-some} issues, see above"; fi
fi
exit "$status"
