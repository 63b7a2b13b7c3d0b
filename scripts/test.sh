#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, store, engine, end-to-end against the real
# daemon, systemd unit checks), then a quick benchmark smoke run. Exit status is the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
parcel_station_install "${PARCEL_STATION_BUILD_PACKAGES[@]}" "${PARCEL_STATION_TEST_PACKAGES[@]}"

echo "==> building"
swift build --build-tests

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
