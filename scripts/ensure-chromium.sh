#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (about 40 s from cold:
# apt-get update plus ~120 MB of packages). puppeteer-core drives it and never downloads a
# browser of its own. CHROMIUM_PATH points the tests at another Chromium or Chrome instead.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "[setup] CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
if ! command -v apt-get > /dev/null; then
  echo "[setup] no Chromium at /usr/bin/chromium and no apt-get: install Chromium or set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
echo "[setup] installing Debian's chromium for the browser tests (apt-get, about 40 s)" >&2
started=$SECONDS
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
"$chromium" --version >&2
echo "[setup] chromium installed in $((SECONDS - started)) s" >&2
