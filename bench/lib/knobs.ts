/**
 * Every environment variable the n8n and queue parts of the benchmark read, with its default
 * (the full run's). bench/README.md lists them too. Counts below the defaults make a smoke run,
 * which RESULTS.md then says at the top.
 */

function numberFrom(name: string, fallback: number): number {
	const value = Number(process.env[name]);
	return process.env[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}
function listFrom(name: string, fallback: string): string[] {
	return (process.env[name] ?? fallback).split(',').map((value) => value.trim()).filter(Boolean);
}
function switchFrom(name: string, fallback: boolean): boolean {
	const value = process.env[name];
	return value === undefined || value === '' ? fallback : value !== '0' && value !== 'false';
}

const DEFAULTS = {
	rounds: 4,
	seqCount: 60,
	seqLarge: 5,
	warmup: 20,
	conc: 20,
	concRounds: 2,
	concCount: 300,
	concSeconds: 6,
	floodRate: 50,
	floodConnections: 4,
	targetBudgetS: 540,
	queueBacklog: 200,
} as const;

export const KNOBS = {
	/** n8n versions; 2.x runs once per setting, 1.x once (legacy engine, the only one on Node 20). */
	versions: listFrom('BENCH_N8N_VERSIONS', '2.41.1,1.123.81'),
	/** 2.x settings (bench/lib/targets.ts): default, lazy, legacy, pool3. */
	settings: listFrom('BENCH_N8N_SETTINGS', 'default,lazy,legacy,pool3'),
	/** Sequential rounds, 0.5 KB and 16 KB deliveries per configuration and round. */
	rounds: numberFrom('BENCH_ROUNDS', DEFAULTS.rounds),
	seqCount: numberFrom('BENCH_SEQ_COUNT', DEFAULTS.seqCount),
	seqLarge: numberFrom('BENCH_SEQ_LARGE', DEFAULTS.seqLarge),
	warmup: numberFrom('BENCH_WARMUP', DEFAULTS.warmup),
	/** Connections, rounds, and each round's bound (deliveries, seconds). */
	conc: numberFrom('BENCH_CONC', DEFAULTS.conc),
	concRounds: numberFrom('BENCH_CONC_ROUNDS', DEFAULTS.concRounds),
	concCount: numberFrom('BENCH_CONC_COUNT', DEFAULTS.concCount),
	concSeconds: numberFrom('BENCH_CONC_SECONDS', DEFAULTS.concSeconds),
	/** Junk and forgery floods beside genuine traffic (issue 10): on/off, rate bound, connections. */
	flood: switchFrom('BENCH_FLOOD', true),
	floodRate: numberFrom('BENCH_FLOOD_RATE', DEFAULTS.floodRate),
	floodConnections: numberFrom('BENCH_FLOOD_CONNS', DEFAULTS.floodConnections),
	/** The hand-built chain and its correctness cases (issue 4). */
	chain: switchFrom('BENCH_CHAIN', true),
	/** Further store caps measured at the cap (none by default; the default cap, 2,000, always). */
	extraCaps: listFrom('BENCH_EXTRA_CAPS', '').map(Number).filter((cap) => cap > 0),
	memory: switchFrom('BENCH_MEMORY', true),
	/**
	 * A git ref (commit, tag, branch) of an earlier version to measure beside this one in the
	 * same n8n (bench/lib/previousRelease.ts), e.g. the last release when checking for a
	 * regression. Off by default.
	 */
	previousRef: process.env.BENCH_PREVIOUS_REF?.trim() || undefined,
	/**
	 * A full target's time budget (a settings target gets half; both shrink to their share of
	 * what is left before the hard stop): no new sequential round starts past half of it, no new
	 * concurrent round past 80%.
	 */
	targetBudgetS: numberFrom('BENCH_TARGET_BUDGET_S', DEFAULTS.targetBudgetS),
	/** Hard stop of the n8n part: every n8n is stopped and the part ends. */
	n8nTimeoutS: numberFrom('BENCH_N8N_TIMEOUT_S', 1950),
	/** Queue mode: versions, 2.x engines, deliveries queued for the worker, hard stop. */
	queueVersions: listFrom('BENCH_QUEUE_VERSIONS', '2.41.1,1.123.81'),
	queueEngines: listFrom('BENCH_QUEUE_ENGINES', 'default') as Array<'default' | 'legacy'>,
	queueBacklog: numberFrom('BENCH_QUEUE_BACKLOG', DEFAULTS.queueBacklog),
	queueTimeoutS: numberFrom('BENCH_QUEUE_TIMEOUT_S', 600),
};

/** Whether any count is below the full run's: figures from such a run are not to be quoted. */
export function isSmokeRun(): boolean {
	const below = (value: number, full: number) => value < full;
	return (
		below(KNOBS.rounds, DEFAULTS.rounds) ||
		below(KNOBS.seqCount, DEFAULTS.seqCount) ||
		below(KNOBS.concRounds, DEFAULTS.concRounds) ||
		below(KNOBS.concCount, DEFAULTS.concCount) ||
		below(KNOBS.concSeconds, DEFAULTS.concSeconds) ||
		below(KNOBS.queueBacklog, DEFAULTS.queueBacklog)
	);
}
