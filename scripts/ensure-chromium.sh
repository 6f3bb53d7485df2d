#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (scripts/ensure-chromium.ts:
# apt-get as root or through sudo, about 40 s from cold). puppeteer-core drives it and never
# downloads a browser of its own. CHROMIUM_PATH points the tests at another Chromium or Chrome instead.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "[setup] CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
npx tsx scripts/ensure-chromium.ts
"$chromium" --version >&2
