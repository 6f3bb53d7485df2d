#!/usr/bin/env bash
# Installs the project's dev dependencies when they are missing or older than the lock file,
# so that `npm test`, `npm start` and `npm run bench` work right after `git clone`.
# (npm runs no pre-scripts here: the project's .npmrc turns install scripts off, see README.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/jest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing dev dependencies (npm ci, about a minute the first time)" >&2
  npm ci --no-audit --no-fund >&2
fi
