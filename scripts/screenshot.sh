#!/usr/bin/env bash
# npm run screenshot: refreshes docs/editor-test-event.png (see scripts/screenshot.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-chromium.sh
npm run build --silent >&2
exec npx tsx scripts/screenshot.ts
