/**
 * Queue mode (`BENCH_QUEUE=1 npm run bench`, or `npx tsx bench/queue.ts`): one cluster per n8n
 * version and expression engine (Postgres, Redis, main, two `n8n webhook` processes, one
 * `n8n worker`; test/harness/queueCluster.ts), with the Voisnap Trigger (store empty) and the
 * do-nothing community trigger side by side. For each, in alternating rounds:
 *   - answers/s and latency at BENCH_CONC (20) connections sent to one webhook process, then
 *     split over both, and executions/s including the drain (until the last one succeeded);
 *   - the executions/s the worker sustains: the worker stopped, deliveries answered and queued,
 *     the worker started; executions over the time from the first one's start to the last one's
 *     end, as n8n recorded them.
 * Writes bench/results/queue.json and bench/results/queue.md. Loopback only, bounded counts and
 * times, and a hard stop (BENCH_N8N_TIMEOUT_S, default 1800 s) that stops every process.
 *
 * Environment: BENCH_N8N_VERSIONS (default "2.41.1,1.123.81"), BENCH_QUEUE_ENGINES (2.x, default
 * "legacy,default"), BENCH_CONC, BENCH_CONC_COUNT (300), BENCH_CONC_SECONDS (8),
 * BENCH_CONC_ROUNDS (2), BENCH_QUEUE_BACKLOG (deliveries queued for the worker, 300).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { QueueCluster } from '../test/harness';
import { signedDelivery } from '../test/support/signedDelivery';
import { BENCH_SECRET, BODY_SIZES, eventBody, nthBody } from './lib/bodies';
import type { Delivery, Reply, RunResult } from './lib/loadgen';
import { runLoad } from './lib/loadgen';
import { distribution } from './lib/stats';
import type { BenchConfig } from './lib/workflows';
import { noopConfig, voisnapConfig } from './lib/workflows';

const env = (name: string, fallback: number) => {
	const value = Number(process.env[name]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
};
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((value) => value.trim()).filter(Boolean);
const VERSIONS = list('BENCH_N8N_VERSIONS', '2.41.1,1.123.81');
const ENGINES = list('BENCH_QUEUE_ENGINES', 'legacy,default') as Array<'default' | 'legacy'>;
const CONC = env('BENCH_CONC', 20);
const CONC_COUNT = env('BENCH_CONC_COUNT', 300);
const CONC_SECONDS = env('BENCH_CONC_SECONDS', 8);
const ROUNDS = env('BENCH_CONC_ROUNDS', 2);
const BACKLOG = env('BENCH_QUEUE_BACKLOG', 300);
const HARD_STOP_S = env('BENCH_N8N_TIMEOUT_S', 1800);
const DRAIN_TIMEOUT_MS = 180_000;

const small = eventBody(BODY_SIZES['0.5 KB']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`[bench:queue ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const running = new Set<QueueCluster>();
const hardStop = setTimeout(async () => {
	log(`hard stop after ${HARD_STOP_S} s: stopping every process and exiting`);
	await Promise.allSettled([...running].map((cluster) => cluster.stop()));
	process.exit(2);
}, HARD_STOP_S * 1000);
hardStop.unref();

let sent = 0;
const fresh = (): Delivery => signedDelivery({ secret: BENCH_SECRET, body: nthBody(small, sent++) });

/** Load at CONC connections spread over `urls` (each URL its own share of connections). */
async function loadOver(urls: string[], count: number): Promise<RunResult> {
	const started = process.hrtime.bigint();
	const shares = urls.map((_, index) => Math.floor(CONC / urls.length) + (index < CONC % urls.length ? 1 : 0));
	const runs = await Promise.all(
		urls.map((url, index) =>
			runLoad({ url, delivery: fresh, count: Math.ceil((count * shares[index]) / CONC), timeLimitMs: CONC_SECONDS * 1000, connections: shares[index] }),
		),
	);
	return {
		replies: runs.flatMap((run) => run.replies),
		wallMs: Number(process.hrtime.bigint() - started) / 1e6,
		errors: runs.reduce((sum, run) => sum + run.errors, 0),
		stoppedBy: runs.some((run) => run.stoppedBy === 'time') ? 'time' : 'count',
	};
}

/** Polls until `expected` executions past `base` succeeded (none pending); the time it happened. */
async function drained(cluster: QueueCluster, workflowId: string, base: number, expected: number): Promise<{ at: number; done: number; timedOut: boolean }> {
	const deadline = Date.now() + DRAIN_TIMEOUT_MS;
	for (;;) {
		const counts = await cluster.database.counts(workflowId);
		const done = counts.total - counts.pending - base;
		if (done >= expected && counts.pending === 0) return { at: Date.now(), done, timedOut: false };
		if (Date.now() > deadline) return { at: Date.now(), done, timedOut: true };
		await sleep(100);
	}
}

const startsExecution = (config: BenchConfig, reply: Reply) => reply.status === 200 && (config.kind !== 'voisnap' || !/"(duplicate|ignored)"/.test(reply.text));

interface LoadResult {
	config: string;
	webhookProcesses: number;
	round: number;
	requests: number;
	errors: number;
	answersPerSec: number;
	p50: number;
	p99: number;
	backlogAtLoadEnd: number;
	executionsPerSec: number;
	drainTimedOut: boolean;
}

async function throughput(cluster: QueueCluster, config: BenchConfig, processes: number, round: number): Promise<LoadResult> {
	const urls = cluster.webhookUrls(config.workflow.id).slice(0, processes);
	const base = (await cluster.database.counts(config.workflow.id)).total;
	const started = Date.now();
	const run = await loadOver(urls, CONC_COUNT);
	const atEnd = await cluster.database.counts(config.workflow.id);
	const expected = run.replies.filter((reply) => startsExecution(config, reply)).length;
	const drain = await drained(cluster, config.workflow.id, base, expected);
	const latency = distribution(run.replies.map((reply) => reply.ms));
	const result: LoadResult = {
		config: config.key,
		webhookProcesses: processes,
		round,
		requests: run.replies.length,
		errors: run.errors,
		answersPerSec: run.replies.length / (run.wallMs / 1000),
		p50: latency.p50,
		p99: latency.p99,
		backlogAtLoadEnd: expected - (atEnd.total - atEnd.pending - base),
		executionsPerSec: drain.done / ((drain.at - started) / 1000),
		drainTimedOut: drain.timedOut,
	};
	log(
		`  ${config.key}, ${processes} webhook process(es), round ${round}: ${result.answersPerSec.toFixed(1)} answers/s ` +
			`(p50 ${result.p50.toFixed(1)} ms), ${result.executionsPerSec.toFixed(1)} executions/s with the drain, backlog ${result.backlogAtLoadEnd}`,
	);
	return result;
}

interface WorkerResult {
	config: string;
	queued: number;
	workerStartMs: number;
	drainMs: number;
	executionsPerSec: number;
	drainTimedOut: boolean;
}

/** The worker stopped, BACKLOG deliveries queued through both webhook processes, then the worker started. */
async function workerRate(cluster: QueueCluster, config: BenchConfig): Promise<WorkerResult> {
	const [worker] = cluster.workers;
	await worker.halt();
	const base = (await cluster.database.counts(config.workflow.id)).total;
	const run = await loadOver(cluster.webhookUrls(config.workflow.id), BACKLOG);
	const queued = run.replies.filter((reply) => startsExecution(config, reply)).length;
	const launchStarted = Date.now();
	await worker.launch();
	const ready = Date.now();
	const drain = await drained(cluster, config.workflow.id, base, queued);
	// The worker takes jobs before its readiness answers: time the run from the database, from
	// the first queued execution's start to the last one's end.
	const ran = (await cluster.database.executions(config.workflow.id)).slice(base);
	const first = Math.min(...ran.map((execution) => Date.parse(execution.startedAt ?? '')));
	const last = Math.max(...ran.map((execution) => Date.parse(execution.stoppedAt ?? '')));
	const result: WorkerResult = {
		config: config.key,
		queued,
		workerStartMs: ready - launchStarted,
		drainMs: last - first,
		executionsPerSec: ran.length / ((last - first) / 1000),
		drainTimedOut: drain.timedOut,
	};
	log(`  ${config.key}: the worker ran ${queued} queued executions at ${result.executionsPerSec.toFixed(1)}/s (ready ${result.workerStartMs} ms after start)`);
	return result;
}

interface TargetResult {
	version: string;
	engine: string;
	loadAverage: { start: number[]; end: number[] };
	seconds: number;
	throughput: LoadResult[];
	worker: WorkerResult[];
}

async function runTarget(version: string, engine: 'default' | 'legacy'): Promise<TargetResult> {
	const started = Date.now();
	const loadStart = os.loadavg();
	const configs = [voisnapConfig('voisnap-empty', 'Voisnap Trigger, store empty', 0), noopConfig()];
	log(`n8n ${version} (${engine} expression engine): starting the queue cluster`);
	const cluster = await QueueCluster.start({
		version,
		credential: { signingSecret: BENCH_SECRET },
		workflows: configs.map((config) => config.workflow),
		extraPackages: [join(__dirname, 'noop-trigger')],
		expressionEngine: engine,
	});
	running.add(cluster);
	try {
		for (const config of configs) await loadOver(cluster.webhookUrls(config.workflow.id), 20); // warm-up
		await cluster.waitForIdle({ quietMs: 1000 });
		const results: LoadResult[] = [];
		for (let round = 1; round <= ROUNDS; round++) {
			for (const processes of [1, 2]) {
				// Alternate the order each round so that neither configuration always goes first.
				const ordered = round % 2 === 1 ? configs : [...configs].reverse();
				for (const config of ordered) results.push(await throughput(cluster, config, processes, round));
			}
		}
		const worker: WorkerResult[] = [];
		for (const config of configs) worker.push(await workerRate(cluster, config));
		return { version, engine, loadAverage: { start: loadStart, end: os.loadavg() }, seconds: (Date.now() - started) / 1000, throughput: results, worker };
	} finally {
		running.delete(cluster);
		await cluster.stop();
	}
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

function markdown(targets: TargetResult[], settings: Record<string, unknown>): string {
	const lines = [
		'# Queue mode: throughput and worker rate',
		'',
		`Generated by \`bench/queue.ts\` (settings ${JSON.stringify(settings)}). Medians over rounds; answers/s at ${CONC} connections; ` +
			'executions/s counts until the last execution succeeded (the drain). One worker (concurrency 10), Postgres and Redis on the same 2 cores.',
		'',
		'| n8n | engine | trigger | webhook processes | answers/s | p50 ms | executions/s with drain | backlog at load end |',
		'| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const target of targets) {
		for (const config of ['voisnap-empty', 'noop']) {
			for (const processes of [1, 2]) {
				const rows = target.throughput.filter((row) => row.config === config && row.webhookProcesses === processes);
				if (rows.length === 0) continue;
				lines.push(
					`| ${target.version} | ${target.engine} | ${config === 'noop' ? 'do-nothing trigger' : 'Voisnap Trigger'} | ${processes} | ` +
						`${median(rows.map((row) => row.answersPerSec)).toFixed(1)} | ${median(rows.map((row) => row.p50)).toFixed(1)} | ` +
						`${median(rows.map((row) => row.executionsPerSec)).toFixed(1)} | ${median(rows.map((row) => row.backlogAtLoadEnd))} |`,
				);
			}
		}
	}
	lines.push('', '| n8n | engine | trigger | queued | worker executions/s |', '| --- | --- | --- | ---: | ---: |');
	for (const target of targets) {
		for (const row of target.worker) {
			lines.push(`| ${target.version} | ${target.engine} | ${row.config === 'noop' ? 'do-nothing trigger' : 'Voisnap Trigger'} | ${row.queued} | ${row.executionsPerSec.toFixed(1)}${row.drainTimedOut ? ' (timed out)' : ''} |`);
		}
	}
	lines.push('', `Load average at start/end per target: ${targets.map((target) => `${target.version} ${target.engine}: ${target.loadAverage.start[0].toFixed(2)}/${target.loadAverage.end[0].toFixed(2)}`).join('; ')}.`, '');
	return lines.join('\n');
}

async function main(): Promise<void> {
	const settings = { CONC, CONC_COUNT, CONC_SECONDS, ROUNDS, BACKLOG, ENGINES };
	const out: { settings: Record<string, unknown>; targets: TargetResult[]; failures: string[] } = { settings, targets: [], failures: [] };
	const save = () => {
		mkdirSync(join(__dirname, 'results'), { recursive: true });
		writeFileSync(join(__dirname, 'results', 'queue.json'), `${JSON.stringify(out, null, '\t')}\n`);
		writeFileSync(join(__dirname, 'results', 'queue.md'), markdown(out.targets, settings));
	};
	for (const version of VERSIONS) {
		const engines = Number(version.split('.')[0]) >= 2 ? ENGINES : (['legacy'] as const);
		for (const engine of engines) {
			try {
				out.targets.push(await runTarget(version, engine));
			} catch (error) {
				const message = `n8n ${version} (${engine}): ${(error as Error).stack ?? error}`;
				log(`FAILED ${message}`);
				out.failures.push(message);
			}
			save();
		}
	}
	clearTimeout(hardStop);
	log('done: bench/results/queue.md');
	if (out.failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	log(`FAILED: ${(error as Error).stack ?? error}`);
	process.exitCode = 1;
});
