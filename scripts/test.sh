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
# The suites that bound wall time while they decode photos run apart from the rest, each set in its own run: on a
# 2-core machine the end-to-end suites' daemons and the in-process decodes took each other's cores, and a bound
# that holds on an idle machine (a hostile image within twice its budget, a normal photo beside a flood) failed.
decoding='LabelDecodingTests\.'
label_socket='EndToEndTests\.LabelSocketTests'
log=$(mktemp)
status=0
run_tests() {
  set +e
  swift test --skip-build "$@" 2>&1 | tee -a "$log"
  local run_status=${PIPESTATUS[0]}
  set -e
  if [ "$run_status" -ne 0 ]; then status=1; fi
}
run_tests --skip "$decoding|$label_socket"
echo "==> testing the photo decoder's time and memory bounds apart"
run_tests --filter "$decoding"
run_tests --filter "$label_socket"

echo "==> benchmark smoke run (debug build, small sizes; figures are not meaningful here)"
bin=$(swift build --show-bin-path)
"$bin/parcel-bench" --quick --daemon "$bin/parcel-stationd" || echo "benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --flush-latency 2 --daemon "$bin/parcel-stationd" || echo "slow-disk benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --county || echo "county benchmark smoke run failed (not a test failure)"
"$bin/parcel-bench" --quick --faults --daemon "$bin/parcel-stationd" || echo "fault benchmark smoke run failed (not a test failure)"

echo "==> fuzzing each libFuzzer target briefly over its committed seeds (scripts/fuzz.sh; a crash fails the run)"
if ! scripts/fuzz.sh "${PARCEL_STATION_FUZZ_SECONDS:-15}"; then status=1; fi

# One plain closing line for CI, from Swift Testing's summary.
summaries=$(grep -E "Test run with [0-9]+ tests" "$log" || true)
# Summed over the runs (awk: a fresh Debian has no bc).
total=$(echo "$summaries" | sed -nE 's/.*Test run with ([0-9]+) tests.*/\1/p' | awk '{ n += $1 } END { if (NR) print n }')
failed=$(echo "$summaries" | sed -nE 's/.*with ([0-9]+) issues?.*/\1/p' | awk '{ n += $1 } END { if (NR) print n }')
rm -f "$log"
if [ -n "$total" ]; then
  if [ "$status" -eq 0 ]; then echo "$total passed, 0 failed"; else echo "tests: ${failed:-some} issues, see above"; fi
fi
exit "$status"
