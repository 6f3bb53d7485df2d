#!/usr/bin/env bash
# npm start: installs what is missing (dev dependencies, n8n, Node.js 24 for n8n 2.x), builds,
# then runs a local n8n with this package until Ctrl-C. N8N_VERSION and N8N_PORT are honoured;
# `npm start -- --queue` (or N8N_MODE=queue) runs it in queue mode (scripts/lib/queueStart.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent >&2
exec npx tsx scripts/start.ts "$@"
