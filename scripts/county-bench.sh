#!/usr/bin/env bash
# The county benchmark: starts a throwaway PostgreSQL (scripts/county-test-db.sh), builds parcel-bench in
# release mode and runs `parcel-bench --county` against it, then stops the server. Extra arguments go to
# parcel-bench (e.g. --quick, --parcels 1000000, --county-stations 300, --per-day 1000). Section C3 restarts a
# PostgreSQL of its own and black-holes the link of a real daemon (Tests/Fixtures/county/link_proxy.py).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
parcel_station_install "${PARCEL_STATION_BUILD_PACKAGES[@]}" postgresql
folder=$(mktemp -d /tmp/parcel-county-bench.XXXXXX)
trap 'scripts/county-test-db.sh stop "$folder"' EXIT
scripts/county-test-db.sh start "$folder"
source "$folder/env"
swift build -c release --product parcel-bench
# C3 sends SIGTERM to a real daemon: the one beside parcel-bench.
swift build -c release --product parcel-stationd
"$(swift build -c release --show-bin-path)/parcel-bench" --county "$@"
