#!/usr/bin/env bash
# `npm run bench`: builds the package, runs the micro benchmarks (verification, dedup store;
# ~1 minute), then the real-n8n part (latency, throughput, drain, memory; ~15-20 minutes on
# 2 cores), and writes bench/RESULTS.md and bench/latency.svg. See bench/README.md.
#
#   BENCH_QUICK=1                       micro benchmarks only
#   BENCH_N8N_VERSIONS=2.41.1,1.123.81  n8n versions (2.x: default and legacy expression engines)
#   BENCH_N8N_ENGINES=default,legacy    2.x expression engines
#   BENCH_QUEUE=1                       also queue mode (bench/queue.ts: Postgres, Redis, main,
#                                       2 webhook processes, a worker; ~5 minutes per target)
#   BENCH_QUEUE=only                    queue mode only (after the micro benchmarks)
# Further knobs (counts, rounds, concurrency): the header of bench/n8n.ts.
# Everything runs on 127.0.0.1 and stops by itself (bounded counts, time limits, hard stop).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bench] %s\n' "$*" >&2; }
start=$SECONDS

log "building the package"
npm run --silent build >/dev/null

mkdir -p bench/results
log "micro benchmarks (verification, dedup store)"
npx tsx bench/micro.ts ${BENCH_MICRO_QUICK:+--quick}

if [ "${BENCH_QUICK:-0}" = "1" ]; then
  log "BENCH_QUICK=1: skipping the n8n part"
  npx tsx bench/report.ts --no-n8n
elif [ "${BENCH_QUEUE:-0}" = "only" ]; then
  log "BENCH_QUEUE=only: queue mode only"
  npx tsx bench/queue.ts
else
  rm -f bench/results/n8n.json
  log "real n8n (${BENCH_N8N_VERSIONS:-2.41.1,1.123.81})"
  # The hard stop inside n8n.ts ends it, its n8n processes included, should anything hang.
  status=0
  npx tsx bench/n8n.ts || status=$?
  npx tsx bench/report.ts
  if [ "${BENCH_QUEUE:-0}" = "1" ]; then
    log "queue mode (${BENCH_N8N_VERSIONS:-2.41.1,1.123.81}): bench/results/queue.md"
    npx tsx bench/queue.ts || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    log "the n8n part failed (exit $status); bench/RESULTS.md lists what was measured"
    exit "$status"
  fi
fi
log "done in $((SECONDS - start)) s: bench/RESULTS.md"
