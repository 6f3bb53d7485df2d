/**
 * Queue mode (part of `npm run bench`; alone: `BENCH_QUEUE=only npm run bench`, or
 * `npx tsx bench/queue.ts`): one cluster per n8n version (2.x: per engine of
 * BENCH_QUEUE_ENGINES), Postgres, Redis, main, two `n8n webhook` processes and one
 * `n8n worker` (test/harness/queueCluster.ts), with the Voisnap Trigger (v2, store empty) and the
 * do-nothing trigger n8n answers (v2) side by side. For each, in alternating rounds:
 *   - answers/s and latency at BENCH_CONC (20) connections sent to one webhook process, then
 *     split over both; acknowledged deliveries with no execution row when the load stopped
 *     (on 2.x n8n answers once it has inserted the execution and queued its job); executions/s
 *     including the drain (until the last one finished);
 *   - the executions/s the worker sustains: the worker stopped, BENCH_QUEUE_BACKLOG deliveries
 *     answered and queued, the worker started; executions over the time from the first one's
 *     start to the last one's end, as n8n recorded them. Not for the Voisnap Trigger on 1.x,
 *     which answers from the execution's first step, i.e. only once a worker runs it.
 * Writes .tmp/bench/queue.json (report.ts renders it). Loopback only, bounded counts and
 * times, a time budget per cluster, and a hard stop (BENCH_QUEUE_TIMEOUT_S, default 600 s) that
 * stops every process.
 */
import os from 'node:os';
import { join } from 'node:path';

import { QueueCluster } from '../test/harness';
import { signedDelivery } from '../test/support/signedDelivery';
import { BENCH_SECRET, BODY_SIZES, eventBody, nthBody } from './lib/bodies';
import { armHardStop, stopAtHardStop } from './lib/hardStop';
import { KNOBS, isSmokeRun } from './lib/knobs';
import type { Delivery, Reply, RunResult } from './lib/loadgen';
import { runLoad } from './lib/loadgen';
import { cpuSample, otherCores } from './lib/proc';
import type { QueueLoadResult, QueueResults, QueueTargetResult, QueueWorkerResult } from './lib/results';
import { RESULTS_FORMAT, writeResults } from './lib/results';
import { distribution } from './lib/stats';
import type { BenchConfig } from './lib/workflows';
import { KEYS, noopN8nAnswersConfig, voisnapConfig } from './lib/workflows';

const DRAIN_TIMEOUT_MS = 180_000;

const small = eventBody(BODY_SIZES['0.5 KB']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`[bench:queue ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

let sent = 0;
const fresh = (): Delivery => signedDelivery({ secret: BENCH_SECRET, body: nthBody(small, sent++) });

/** Load at KNOBS.conc connections spread over `urls` (each URL its own share of connections). */
async function loadOver(urls: string[], count: number): Promise<RunResult> {
	const started = process.hrtime.bigint();
	const shares = urls.map((_, index) => Math.floor(KNOBS.conc / urls.length) + (index < KNOBS.conc % urls.length ? 1 : 0));
	const runs = await Promise.all(
		urls.map((url, index) =>
			runLoad({ url, delivery: fresh, count: Math.ceil((count * shares[index]) / KNOBS.conc), timeLimitMs: KNOBS.concSeconds * 1000, connections: shares[index] }),
		),
	);
	return {
		replies: runs.flatMap((run) => run.replies),
		wallMs: Number(process.hrtime.bigint() - started) / 1e6,
		errors: runs.reduce((sum, run) => sum + run.errors, 0),
		stoppedBy: runs.some((run) => run.stoppedBy === 'time') ? 'time' : 'count',
	};
}

/** Polls until `expected` executions past `base` finished (none pending); the time it happened. */
async function drained(cluster: QueueCluster, workflowId: string, base: number, expected: number): Promise<{ at: number; done: number; timedOut: boolean }> {
	const deadline = Date.now() + DRAIN_TIMEOUT_MS;
	for (;;) {
		const counts = await cluster.database.counts(workflowId);
		const done = counts.total - counts.pending - base;
		if (done >= expected && counts.pending === 0) return { at: Date.now(), done, timedOut: false };
		if (Date.now() > deadline) return { at: Date.now(), done, timedOut: true };
		await sleep(25);
	}
}

const startsExecution = (config: BenchConfig, reply: Reply) => reply.status === 200 && (config.kind !== 'voisnap' || !/"(duplicate|ignored)"/.test(reply.text));

async function throughput(cluster: QueueCluster, config: BenchConfig, processes: number, round: number): Promise<QueueLoadResult> {
	const urls = cluster.webhookUrls(config.workflow.id).slice(0, processes);
	const base = (await cluster.database.counts(config.workflow.id)).total;
	const started = Date.now();
	const run = await loadOver(urls, KNOBS.concCount);
	const atEnd = await cluster.database.counts(config.workflow.id);
	const expected = run.replies.filter((reply) => startsExecution(config, reply)).length;
	const drain = await drained(cluster, config.workflow.id, base, expected);
	const latency = distribution(run.replies.map((reply) => reply.ms));
	const result: QueueLoadResult = {
		config: config.key,
		webhookProcesses: processes,
		round,
		requests: run.replies.length,
		errors: run.errors,
		answersPerSec: run.replies.length / (run.wallMs / 1000),
		p50: latency.p50,
		p99: latency.p99,
		unstoredAtLoadEnd: Math.max(0, expected - (atEnd.total - base)),
		unfinishedAtLoadEnd: Math.max(0, expected - (atEnd.total - atEnd.pending - base)),
		executionsPerSec: drain.done / ((drain.at - started) / 1000),
		drainTimedOut: drain.timedOut,
	};
	log(
		`  ${config.key}, ${processes} webhook process(es), round ${round}: ${result.answersPerSec.toFixed(1)} answers/s ` +
			`(p50 ${result.p50.toFixed(1)} ms), ${result.executionsPerSec.toFixed(1)} executions/s with the drain, ` +
			`unstored at load end ${result.unstoredAtLoadEnd}, unfinished ${result.unfinishedAtLoadEnd}`,
	);
	return result;
}

/** The worker stopped, BACKLOG deliveries queued through both webhook processes, then the worker started. */
async function workerRate(cluster: QueueCluster, config: BenchConfig): Promise<QueueWorkerResult> {
	const [worker] = cluster.workers;
	await worker.halt();
	const base = (await cluster.database.counts(config.workflow.id)).total;
	const run = await loadOver(cluster.webhookUrls(config.workflow.id), KNOBS.queueBacklog);
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
	const result: QueueWorkerResult = {
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

/**
 * `deadline`: no new round starts after it (the first always runs), so that the last target
 * still gets its share of the time before the hard stop.
 */
async function runTarget(version: string, engine: 'default' | 'legacy', deadline: number): Promise<QueueTargetResult> {
	const started = Date.now();
	const loadStart = os.loadavg();
	const cpuStart = cpuSample();
	const major = Number(version.split('.')[0]);
	const configs = [voisnapConfig(KEYS.voisnapV2, 'Voisnap Trigger (v2), store empty'), noopN8nAnswersConfig(2)];
	log(`n8n ${version} (${engine} expression engine): starting the queue cluster`);
	const cluster = await QueueCluster.start({
		version,
		credential: { signingSecret: BENCH_SECRET },
		workflows: configs.map((config) => config.workflow),
		extraPackages: [join(__dirname, 'noop-trigger')],
		expressionEngine: engine,
	});
	const untrack = stopAtHardStop(cluster);
	try {
		for (const config of configs) await loadOver(cluster.webhookUrls(config.workflow.id), 20); // warm-up
		await cluster.waitForIdle({ quietMs: 1000, timeoutMs: 120_000 });
		const results: QueueLoadResult[] = [];
		const rounds = Math.max(1, KNOBS.concRounds);
		for (let round = 1; round <= rounds; round++) {
			if (round > 1 && Date.now() > deadline) {
				log(`  time budget reached after ${round - 1} of ${rounds} rounds`);
				break;
			}
			for (const processes of [1, 2]) {
				// Alternate the order each round so that neither configuration always goes first.
				const ordered = round % 2 === 1 ? configs : [...configs].reverse();
				for (const config of ordered) results.push(await throughput(cluster, config, processes, round));
			}
		}
		const notes: string[] = [];
		const worker: QueueWorkerResult[] = [];
		for (const config of configs) {
			if (major < 2 && config.kind === 'voisnap') {
				notes.push('Worker rate not measured for the Voisnap Trigger on 1.x: it answers from the execution’s first step, so with the worker stopped no delivery is answered (and none would be queued by a sender that waits).');
				continue;
			}
			worker.push(await workerRate(cluster, config));
		}
		return {
			version,
			engine,
			startedAt: new Date(started).toISOString(),
			loadAverage: { start: loadStart, end: os.loadavg() },
			otherCores: otherCores(cpuStart, cpuSample(), os.cpus().length),
			seconds: (Date.now() - started) / 1000,
			throughput: results,
			worker,
			notes,
		};
	} finally {
		untrack();
		await cluster.stop();
	}
}

async function main(): Promise<void> {
	const disarm = armHardStop(KNOBS.queueTimeoutS, log);
	const started = Date.now();
	const settings = { conc: KNOBS.conc, concCount: KNOBS.concCount, concSeconds: KNOBS.concSeconds, rounds: KNOBS.concRounds, backlog: KNOBS.queueBacklog, engines: KNOBS.queueEngines, workerConcurrency: 10 };
	const out: QueueResults = { format: RESULTS_FORMAT, startedAt: new Date(started).toISOString(), settings, targets: [], failures: [], smoke: isSmokeRun() };
	const save = () => {
		writeResults('queue.json', out);
	};
	const targets = KNOBS.queueVersions.flatMap((version) =>
		(Number(version.split('.')[0]) >= 2 ? KNOBS.queueEngines : (['legacy'] as const)).map((engine) => ({ version, engine })),
	);
	const hardStopAt = started + KNOBS.queueTimeoutS * 1000;
	for (const [index, { version, engine }] of targets.entries()) {
		// Half of this target's share of the time left: the worker rate comes after the rounds.
		const deadline = Date.now() + (hardStopAt - Date.now()) / (targets.length - index) / 2;
		try {
			out.targets.push(await runTarget(version, engine, deadline));
		} catch (error) {
			const message = `n8n ${version} (${engine}): ${(error as Error).stack ?? error}`;
			log(`FAILED ${message}`);
			out.failures.push(message);
		}
		save();
	}
	out.seconds = (Date.now() - started) / 1000;
	save();
	disarm();
	log(`done in ${out.seconds.toFixed(0)} s: .tmp/bench/queue.json`);
	if (out.failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	log(`FAILED: ${(error as Error).stack ?? error}`);
	process.exitCode = 1;
});
