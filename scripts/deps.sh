#!/usr/bin/env bash
# Installs the Debian packages parcel-station needs, only those missing. Sourced by run.sh and test.sh.
#   build:  libsqlite3-dev pkg-config libusb-1.0-0-dev libzbar-dev, libturbojpeg0-dev libpng-dev libwebp-dev (label photos),
#           libqrencode-dev (the console's receipt QR codes),
#           libtesseract-dev libleptonica-dev tesseract-ocr-chi-sim (the phone tail read from label photos: Tesseract's
#           C API and its chi_sim data, which the daemon and LabelDecodingTests load at run time)
#   tests:  systemd (systemd-analyze, systemd-socket-activate, systemd-sysusers), util-linux (runuser, unshare),
#           umockdev libumockdev-dev gir1.2-umockdev-1.0 python3-gi (emulated USB scanners), udev (udevadm test of the rules),
#           postgresql (the county database the sync tests upload to, started in a temporary folder),
#           chromium chromium-driver fonts-noto-cjk (the console's browser tests and parcel-bench --web)
#   not installed here: label-bench's fresh sets and peers need zint fonts-wqy-microhei python3-pil python3-numpy
#           (the label generator), zbar-tools (zbarimg) and `pip install zxing-cpp pyzbar pillow` (scripts/*_peer.py,
#           scripts/peer_cascade.py)
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

PARCEL_STATION_BUILD_PACKAGES=(libsqlite3-dev pkg-config libusb-1.0-0-dev libzbar-dev libturbojpeg0-dev libpng-dev libwebp-dev libzxing-dev libqrencode-dev libtesseract-dev libleptonica-dev tesseract-ocr-chi-sim)
PARCEL_STATION_TEST_PACKAGES=(systemd util-linux umockdev libumockdev-dev gir1.2-umockdev-1.0 python3-gi udev postgresql chromium chromium-driver fonts-noto-cjk)
