#!/usr/bin/env bash
# npm test: unit tests, then the end-to-end tests against a real n8n of each version in
# N8N_VERSIONS (default: the newest 2.x that installs here, and 1.123.81).
# `npm run test:e2e` runs only the end-to-end part. Installs whatever is missing first.
# The end-to-end tests include queue mode (test/e2e/queue: Postgres, Redis and nginx from
# Debian's packages, installed with apt-get when missing; ~3.5 minutes on 1.123.81, 4.5-6 on
# 2.41.1, plus 3-4.5 minutes per version for front.test.ts on busy cores);
# VOISNAP_QUEUE_TESTS=0 leaves them out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
versions=(${N8N_VERSIONS:-2.41.1 1.123.81})

# Every release's install starts now, side by side and beside the unit tests (cached ones
# answer at once); each end-to-end phase waits for its own.
install_logs="$(mktemp -d "${TMPDIR:-/tmp}/voisnap-n8n-install-XXXXXX")"
declare -A installing=()
for version in "${versions[@]}"; do
  bash scripts/install-n8n.sh "$version" > "$install_logs/$version.out" 2> "$install_logs/$version.log" &
  installing[$version]=$!
done

npm run build --silent >&2

if [ "${1:-all}" != "e2e" ]; then
  npx jest --selectProjects unit
  # n8n's community-package scanner on the packed tarball and the sources (offline legs).
  npm run scan --silent
fi

for version in "${versions[@]}"; do
  echo "[test] end-to-end tests against n8n $version" >&2
  if ! wait "${installing[$version]}"; then
    cat "$install_logs/$version.log" >&2
    echo "[test] installing n8n $version failed (its log above)" >&2
    exit 1
  fi
  grep -h '^\[install-n8n\]' "$install_logs/$version.log" >&2 || true
  # The editor's browser tests (test/e2e/editor.test.ts) run on n8n 2.x only.
  if [ "${version%%.*}" -ge 2 ]; then bash scripts/ensure-chromium.sh; fi
  skip_queue=()
  if [ "${VOISNAP_QUEUE_TESTS:-1}" = "0" ]; then skip_queue=(--testPathIgnorePatterns /test/e2e/queue/); fi
  N8N_VERSION="$version" npx jest --selectProjects e2e --runInBand "${skip_queue[@]}"
done
