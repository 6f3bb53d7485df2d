/**
 * Where the raw results go (micro.json, n8n.json, queue.json: ignored by git, only RESULTS.md
 * and the chart are committed), and the shapes of n8n.json and queue.json, shared by the
 * scripts that write them (n8n.ts, queue.ts) and the one that reads them (report.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_DIR } from '../../test/harness/install';

/** .tmp/bench in the checkout. */
export const RESULTS_DIR = join(REPO_DIR, '.tmp', 'bench');

/** Writes one part's raw results into RESULTS_DIR; returns the path, relative to the checkout. */
export function writeResults(name: string, results: unknown): string {
	mkdirSync(RESULTS_DIR, { recursive: true });
	writeFileSync(join(RESULTS_DIR, name), `${JSON.stringify(results, null, '\t')}\n`);
	return `.tmp/bench/${name}`;
}

/** Bumped when these shapes change: the report ignores results written in another format. */
export const RESULTS_FORMAT = 2;
import type { Distribution } from './stats';

export interface SequentialResult {
	body: string;
	rounds: Array<{ n: number; p50: number; p90: number; p99: number }>;
	latency: Distribution;
	/** Raw latencies (ms), for the chart (0.5 KB only). */
	samples: number[];
	statuses: Record<string, number>;
}

/** One bounded run at many connections, followed until every execution it started finished. */
export interface ConcurrentRound {
	connections: number;
	requests: number;
	errors: number;
	stoppedBy: string;
	wallMs: number;
	answersPerSec: number;
	latency: Distribution;
	statuses: Record<string, number>;
	/** Answers that mean an execution is (to be) stored. */
	executionsExpected: number;
	/** Acknowledged deliveries with no execution row yet when the load stopped (acknowledged, not stored). */
	unstoredAtLoadEnd: number;
	/** Acknowledged deliveries whose execution had not finished when the load stopped. */
	unfinishedAtLoadEnd: number;
	/** From the last answer until the last execution finished. */
	drainMs: number;
	/** Executions finished ÷ time from the first request until the last one finished. */
	executionsPerSec: number;
	drainTimedOut: boolean;
}

/** `unparsable`: invalid JSON, which n8n itself answers 422 before the trigger runs (the control). */
export type FloodKind = 'none' | 'unparsable' | 'junk' | 'forgery';

export interface FloodRun {
	kind: FloodKind;
	/** The genuine deliveries, measured as any concurrent round. */
	genuine: ConcurrentRound;
	/** The flood beside them (absent for `none`). */
	flood?: { sent: number; perSec: number; statuses: Record<string, number>; errors: number };
}

export interface ConfigResult {
	key: string;
	label: string;
	kind: string;
	/** The do-nothing configuration this one is compared with. */
	reference: string;
	prefilled?: number;
	/** An attribution configuration (sequential only). */
	attribution?: boolean;
	staticDataBytes?: number;
	sequential: Record<string, SequentialResult>;
	concurrent: ConcurrentRound[];
}

export interface Check {
	case: string;
	expected: string;
	chain: number;
	voisnap: number;
	voisnapBody: string;
}

/** Whether other work on the machine was running: load average and other processes' CPU. */
export interface MachineState {
	loadAverage: { start: number[]; end: number[] };
	/** Cores' worth of CPU that work outside this benchmark used meanwhile. */
	otherCores?: number;
}

export interface TargetResult extends MachineState {
	version: string;
	/** `default`, `lazy`, `pool3`, `legacy`: see bench/lib/targets.ts. */
	setting: string;
	/** What the setting means, e.g. "default engine, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true". */
	settingLabel: string;
	engine: string;
	env: Record<string, string>;
	node: string;
	startedAt: string;
	seconds: number;
	/** Rounds done of those asked for (fewer when the target ran out of its time budget). */
	rounds: { sequential: number; concurrent: number; sequentialAsked: number; concurrentAsked: number };
	configs: ConfigResult[];
	checks: Check[];
	/** Genuine traffic to the Voisnap Trigger (v2) alone, and beside each flood. */
	floods: FloodRun[];
	floodSettings?: { ratePerSec: number; connections: number; trigger: string };
}

export interface MemoryResult {
	version: string;
	engine: string;
	key: string;
	label: string;
	afterStart: { rss: number; hwm: number };
	afterRun: { rss: number; hwm: number };
	deliveries: number;
}

export interface N8nResults {
	format: typeof RESULTS_FORMAT;
	startedAt: string;
	machine: MachineState;
	previousRelease?: { commit: string; packageDir: string };
	targets: TargetResult[];
	memory: MemoryResult[];
	failures: string[];
	settings: Record<string, unknown>;
	/** Settings below the full run's (a smoke run): the report says so at the top. */
	smoke: boolean;
	seconds?: number;
}

export interface QueueLoadResult {
	config: string;
	webhookProcesses: number;
	round: number;
	requests: number;
	errors: number;
	answersPerSec: number;
	p50: number;
	p99: number;
	/** Acknowledged deliveries with no execution row yet when the load stopped. */
	unstoredAtLoadEnd: number;
	/** Acknowledged deliveries whose execution had not finished when the load stopped. */
	unfinishedAtLoadEnd: number;
	executionsPerSec: number;
	drainTimedOut: boolean;
}

export interface QueueWorkerResult {
	config: string;
	queued: number;
	workerStartMs: number;
	drainMs: number;
	executionsPerSec: number;
	drainTimedOut: boolean;
}

export interface QueueTargetResult extends MachineState {
	version: string;
	engine: string;
	startedAt: string;
	seconds: number;
	throughput: QueueLoadResult[];
	worker: QueueWorkerResult[];
	/** Why a measurement was left out on this version. */
	notes: string[];
}

export interface QueueResults {
	format: typeof RESULTS_FORMAT;
	startedAt: string;
	settings: Record<string, unknown>;
	targets: QueueTargetResult[];
	failures: string[];
	smoke: boolean;
	seconds?: number;
}
