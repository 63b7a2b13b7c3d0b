#!/usr/bin/env bash
# Installs what is missing, builds, and starts parcel-stationd on its embedded default:
# the ledger in ./run/state/parcels.sqlite and the socket at ./run/parcel-station.sock (no scanner needed),
# and beside it the station console, parcel-station-web, on http://127.0.0.1:8080/ (run/console.json).
# Extra arguments go to the daemon (e.g. --config examples/parcel-station.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
parcel_station_install "${PARCEL_STATION_BUILD_PACKAGES[@]}"

echo "==> building (release)"
swift build -c release --product parcel-stationd
swift build -c release --product parcelctl
swift build -c release --product parcel-station-web
bin=$(swift build -c release --show-bin-path)

mkdir -p run/state
# The console's staff: on the first run, one 站长 with a random PIN, printed below (stored only as a hash).
pin="the PIN printed when run/console.json was made"
if [ ! -f run/console.json ]; then
  pin=$(printf '%04d' $((RANDOM % 10000)))
  hash=$(echo "$pin" | "$bin/parcel-station-web" hash-pin)
  printf '{"staff": [{"name": "站长", "pin": "%s", "role": "head"}], "listen": "127.0.0.1:%s"}\n' "$hash" "${PARCEL_STATION_WEB_PORT:-8080}" > run/console.json
  chmod 600 run/console.json
fi
"$bin/parcel-station-web" --config run/console.json --socket run/parcel-station.sock &
web=$!
trap 'kill "$web" 2>/dev/null || true' EXIT
cat <<MSG
==> the station console: http://127.0.0.1:${PARCEL_STATION_WEB_PORT:-8080}/ (sign in as 站长 with PIN $pin)
    staff and PINs: run/console.json (a PIN hash: echo 1234 | $bin/parcel-station-web hash-pin); the customer screen: /display
MSG
cat <<MSG
==> parcel-stationd is starting: ledger run/state/parcels.sqlite, socket run/parcel-station.sock
    In another terminal, from this folder (Ctrl-C here stops the daemon and the console):
      $bin/parcelctl intake SF1234567890123 --phone-tail 5678     # take a parcel in, get its pickup code
      $bin/parcelctl pickup --phone-tail 5678                     # what is waiting for that phone tail
      $bin/parcelctl pickup --phone-tail 5678 --all               # hand it out
      $bin/parcelctl backlog                                      # what is still on the shelves
      $bin/parcelctl watch                                        # live events
    parcelctl finds ./run/parcel-station.sock by itself when run from this folder.
MSG
"$bin/parcel-stationd" --state-dir run/state --socket run/parcel-station.sock "$@"
