#!/usr/bin/env bash
# `npm run bench`: builds the package, then runs every part and writes bench/RESULTS.md and
# bench/latency.svg (see bench/README.md). On 2 quiet cores the full run takes ~35 minutes, and
# at most ~45 (the parts' hard stops):
#   micro benchmarks (verification, dedup store)                        ~1 min
#   real n8n: 2.41.1 default, lazy acquire, legacy, pool size 3; 1.123.81;
#             memory (bench/n8n.ts)                                     ~27 min (hard stop 32.5)
#   queue mode: 2.41.1 default engine, 1.123.81 (bench/queue.ts)       ~6 min (hard stop 10)
#
#   BENCH_QUICK=1              micro benchmarks only
#   BENCH_MICRO=0              skip the micro benchmarks (the report uses the last .tmp/bench/micro.json, if any)
#   BENCH_MICRO_QUICK=1        fewer micro-benchmark batches (~20 s)
#   BENCH_N8N=0                skip the real-n8n part
#   BENCH_QUEUE=0              skip queue mode; BENCH_QUEUE=only: queue mode only (no micro, no n8n)
# Further knobs (versions, settings, counts, floods, time budgets): bench/lib/knobs.ts.
# Everything runs on 127.0.0.1 and stops by itself (bounded counts, time budgets, hard stops).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bench] %s\n' "$*" >&2; }
start=$SECONDS
status=0

log "building the package"
npm run --silent build >/dev/null
# Raw results go to .tmp/bench/ (ignored by git); only bench/RESULTS.md and bench/latency.svg
# are committed, and bench/report.ts replaces them only with a report that has every part.
mkdir -p .tmp/bench

micro="${BENCH_MICRO:-1}"
n8n="${BENCH_N8N:-1}"
queue="${BENCH_QUEUE:-1}"
if [ "$queue" = "only" ]; then micro=0; n8n=0; fi

if [ "$micro" != "0" ]; then
  log "micro benchmarks (verification, dedup store)"
  npx tsx bench/micro.ts ${BENCH_MICRO_QUICK:+--quick}
fi

if [ "${BENCH_QUICK:-0}" = "1" ]; then
  log "BENCH_QUICK=1: skipping the n8n part and queue mode"
  npx tsx bench/report.ts --no-n8n
  log "done in $((SECONDS - start)) s"
  exit 0
fi

# A part that runs replaces its results; the report names each part's date (and says so when
# they come from different runs, e.g. after BENCH_QUEUE=only).
if [ "$n8n" != "0" ]; then
  rm -f .tmp/bench/n8n.json
  log "real n8n (${BENCH_N8N_VERSIONS:-2.41.1,1.123.81})"
  # Its hard stop ends it, its n8n processes included, should anything hang.
  npx tsx bench/n8n.ts || status=$?
fi
if [ "$queue" != "0" ]; then
  rm -f .tmp/bench/queue.json
  log "queue mode (${BENCH_QUEUE_VERSIONS:-2.41.1,1.123.81})"
  npx tsx bench/queue.ts || status=$?
fi

npx tsx bench/report.ts
if [ "$status" -ne 0 ]; then
  log "a part failed (exit $status); the report lists what was measured"
  exit "$status"
fi
log "done in $((SECONDS - start)) s"
