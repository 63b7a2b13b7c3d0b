#!/usr/bin/env bash
# Installs what is missing, builds, and starts parcel-stationd on its embedded default:
# the ledger in ./run/state/parcels.sqlite and the socket at ./run/parcel-station.sock (no scanner needed).
# Extra arguments go to the daemon (e.g. --config examples/parcel-station.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
parcel_station_install "${PARCEL_STATION_BUILD_PACKAGES[@]}"

echo "==> building (release)"
swift build -c release --product parcel-stationd
swift build -c release --product parcelctl
bin=$(swift build -c release --show-bin-path)

mkdir -p run/state
cat <<MSG
==> parcel-stationd is starting: ledger run/state/parcels.sqlite, socket run/parcel-station.sock
    In another terminal, from this folder (Ctrl-C here stops the daemon):
      $bin/parcelctl intake SF1234567890123 --phone-tail 5678     # take a parcel in, get its pickup code
      $bin/parcelctl pickup --phone-tail 5678                     # what is waiting for that phone tail
      $bin/parcelctl pickup --phone-tail 5678 --all               # hand it out
      $bin/parcelctl backlog                                      # what is still on the shelves
      $bin/parcelctl watch                                        # live events
    parcelctl finds ./run/parcel-station.sock by itself when run from this folder.
MSG
exec "$bin/parcel-stationd" --state-dir run/state --socket run/parcel-station.sock "$@"
