#!/usr/bin/env bash
# Installs the Debian packages parcel-station needs, only those missing. Sourced by run.sh and test.sh.
#   build:  libsqlite3-dev pkg-config libusb-1.0-0-dev libzbar-dev, libturbojpeg0-dev libpng-dev libwebp-dev (label photos),
#           libqrencode-dev (the console's receipt QR codes)
#   tests:  systemd (systemd-analyze, systemd-socket-activate, systemd-sysusers), util-linux (runuser, unshare),
#           umockdev libumockdev-dev gir1.2-umockdev-1.0 python3-gi (emulated USB scanners), udev (udevadm test of the rules),
#           postgresql (the county database the sync tests upload to, started in a temporary folder),
#           chromium chromium-driver fonts-noto-cjk (the console's browser tests and parcel-bench --web)
set -euo pipefail

parcel_station_install() {
  local wanted=("$@") missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.1 or newer is required)" >&2; exit 1; }
}

PARCEL_STATION_BUILD_PACKAGES=(libsqlite3-dev pkg-config libusb-1.0-0-dev libzbar-dev libturbojpeg0-dev libpng-dev libwebp-dev libzxing-dev libqrencode-dev)
PARCEL_STATION_TEST_PACKAGES=(systemd util-linux umockdev libumockdev-dev gir1.2-umockdev-1.0 python3-gi udev postgresql chromium chromium-driver fonts-noto-cjk)
