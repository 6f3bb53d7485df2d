/**
 * The n8n part of the benchmark (parts 3 and 4 of bench/RESULTS.md): acknowledgement latency,
 * throughput, executions/s including the drain, and resident memory, for the Voisnap Trigger
 * (store empty and at its cap) against a do-nothing community trigger, n8n's Webhook node and
 * the hand-built Webhook → Crypto → IF → Respond chain, on each n8n version and expression
 * engine. Everything runs on loopback, bounded in count and time. Writes bench/results/n8n.json.
 *
 * Environment: BENCH_N8N_VERSIONS (default "2.41.1,1.123.81"), BENCH_N8N_ENGINES (2.x engines,
 * default "default,legacy"), BENCH_SEQ_COUNT, BENCH_SEQ_LARGE, BENCH_ROUNDS, BENCH_CONC,
 * BENCH_CONC_ROUNDS, BENCH_CONC_COUNT, BENCH_CONC_SECONDS, BENCH_EXTRA_CAPS (default "5000"), BENCH_MEMORY=0 to skip
 * the memory part, BENCH_ATTRIBUTION=0 to skip the attribution probes (BENCH_ATTRIBUTION_COUNT per round), BENCH_N8N_TIMEOUT_S (hard stop, default 1800).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { DEFAULT_MAX_ENTRIES } from '../nodes/VoisnapTrigger/contract/constants';
import type { N8nInstance as N8nInstanceType } from '../test/harness';
import { N8nInstance, installN8n } from '../test/harness';
import { eventFixture, nowSeconds, signedDelivery } from '../test/support/signedDelivery';
import { BENCH_SECRET, BODY_SIZES, eventBody, nthBody } from './lib/bodies';
import type { Delivery, Reply, RunResult } from './lib/loadgen';
import { runLoad, sendOnce } from './lib/loadgen';
import { cpuSample, findN8nPid, otherCores, residentMiB } from './lib/proc';
import type { Distribution } from './lib/stats';
import { distribution, median } from './lib/stats';
import type { BenchConfig } from './lib/workflows';
import { attributionConfigs, chainConfig, noopConfig, voisnapConfig, webhookConfig } from './lib/workflows';

const env = (name: string, fallback: number) => {
	const value = Number(process.env[name]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
};
const VERSIONS = (process.env.BENCH_N8N_VERSIONS ?? '2.41.1,1.123.81').split(',').map((v) => v.trim()).filter(Boolean);
const ENGINES = (process.env.BENCH_N8N_ENGINES ?? 'default,legacy').split(',').map((e) => e.trim()) as Array<'default' | 'legacy'>;
// Short blocks in many rounds, interleaved across configurations: whatever else the machine
// does then lands on every configuration alike.
const ROUNDS = env('BENCH_ROUNDS', 5);
const SEQ_COUNT = env('BENCH_SEQ_COUNT', 100); // per round: 5 x 100 = 500 sequential deliveries
const SEQ_LARGE = env('BENCH_SEQ_LARGE', 10); // 16 KB, per round
const CONC_ROUNDS = env('BENCH_CONC_ROUNDS', 2);
const WARMUP = env('BENCH_WARMUP', 20);
const CONC = env('BENCH_CONC', 20);
const CONC_COUNT = env('BENCH_CONC_COUNT', 300);
const CONC_SECONDS = env('BENCH_CONC_SECONDS', 8);
const EXTRA_CAPS = (process.env.BENCH_EXTRA_CAPS ?? '5000').split(',').map(Number).filter((n) => n > 0);
const MEMORY = process.env.BENCH_MEMORY !== '0';
const ATTRIBUTION = process.env.BENCH_ATTRIBUTION !== '0';
/** Sequential deliveries per round for the attribution configurations (fewer than the others). */
const ATTRIBUTION_COUNT = env('BENCH_ATTRIBUTION_COUNT', 40);
const HARD_STOP_S = env('BENCH_N8N_TIMEOUT_S', 1800);
const DRAIN_TIMEOUT_MS = 120_000;

const small = eventBody(BODY_SIZES['0.5 KB']);
const large = eventBody(BODY_SIZES['16 KB']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
	process.stderr.write(`[bench:n8n ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const running = new Set<N8nInstanceType>();
const hardStop = setTimeout(async () => {
	log(`hard stop after ${HARD_STOP_S} s: stopping n8n and exiting`);
	await Promise.allSettled([...running].map((instance) => instance.stop()));
	process.exit(2);
}, HARD_STOP_S * 1000);
hardStop.unref();

/** Every delivery distinct (id and body), signed as it is sent. */
let sent = 0;
function fresh(body: Buffer): () => Delivery {
	return () => signedDelivery({ secret: BENCH_SECRET, body: nthBody(body, sent++) });
}

/** Whether a reply means an execution is (to be) stored. */
function startsExecution(config: BenchConfig, reply: Reply): boolean {
	if (config.kind === 'chain') return reply.status === 200 || reply.status === 401;
	if (reply.status !== 200) return false;
	return config.kind !== 'voisnap' || !/"(duplicate|ignored)"/.test(reply.text);
}

async function storedCount(n8n: N8nInstanceType, workflowId: string): Promise<{ total: number; pending: number }> {
	const counts = await n8n.database.counts(workflowId);
	return { total: counts.total, pending: counts.pending };
}

/** Polls until `expected` executions past `base` are stored and none is pending. */
async function drained(n8n: N8nInstanceType, workflowId: string, base: number, expected: number): Promise<{ at: number; stored: number; timedOut: boolean }> {
	const deadline = Date.now() + DRAIN_TIMEOUT_MS;
	for (;;) {
		const counts = await storedCount(n8n, workflowId);
		const stored = counts.total - counts.pending - base;
		if (stored >= expected && counts.pending === 0) return { at: Date.now(), stored, timedOut: false };
		if (Date.now() > deadline) return { at: Date.now(), stored, timedOut: true };
		await sleep(100);
	}
}

function urlOf(n8n: N8nInstanceType, config: BenchConfig): string {
	return config.url ? config.url(n8n.baseUrl) : n8n.webhookUrl(config.workflow.id);
}

function statusCounts(replies: readonly Reply[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const reply of replies) counts[reply.status] = (counts[reply.status] ?? 0) + 1;
	return counts;
}

// ---------------------------------------------------------------- correctness of the chain

interface Check {
	case: string;
	expected: string;
	chain: number;
	voisnap: number;
	voisnapBody: string;
}

/** What each receiver answers to the cases that tell a real verifier from the chain. */
async function correctness(n8n: N8nInstanceType, chain: BenchConfig, voisnap: BenchConfig): Promise<Check[]> {
	const checks: Check[] = [];
	const both = async (name: string, expected: string, make: () => Delivery, sendTwice = false) => {
		const deliveryForChain = make();
		const deliveryForVoisnap = make();
		let chainReply = await sendOnce(urlOf(n8n, chain), deliveryForChain);
		let voisnapReply = await sendOnce(urlOf(n8n, voisnap), deliveryForVoisnap);
		if (sendTwice) {
			chainReply = await sendOnce(urlOf(n8n, chain), deliveryForChain);
			voisnapReply = await sendOnce(urlOf(n8n, voisnap), deliveryForVoisnap);
		}
		checks.push({ case: name, expected, chain: chainReply.status, voisnap: voisnapReply.status, voisnapBody: voisnapReply.text });
	};
	await both('genuine delivery, compact JSON', '200', fresh(small));
	await both('signature made with another secret', '401', () => signedDelivery({ secret: 'whsec_not_the_secret', body: small }));
	await both('no signature header', '401', () => signedDelivery({ secret: BENCH_SECRET, body: small, signature: null }));
	// A real delivery whose bytes are not what JSON.stringify gives back (white space, as the
	// fixtures and many senders have): the chain's HMAC is over other bytes.
	await both('genuine delivery, pretty-printed JSON (the fixture file)', '200', () =>
		signedDelivery({ secret: BENCH_SECRET, body: eventFixture('AnalysisCompleted') }),
	);
	// Bytes that were never signed, under a genuine signature: the same JSON re-spaced.
	await both('signed body re-spaced (bytes never signed), genuine signature', '401', () => {
		const genuine = signedDelivery({ secret: BENCH_SECRET, body: small });
		return { headers: genuine.headers, body: Buffer.from(JSON.stringify(JSON.parse(small.toString()), null, 1)) };
	});
	// Non-ASCII escaped vs raw: `\u00e9` is `é` once parsed, so a signature over one covers both.
	await both('é swapped for \\u00e9 (bytes never signed), genuine signature', '401', () => {
		const signedText = small.toString().replace('"positive"', '"café"');
		const genuine = signedDelivery({ secret: BENCH_SECRET, body: Buffer.from(signedText) });
		return { headers: genuine.headers, body: Buffer.from(signedText.replace('café', 'caf\\u00e9')) };
	});
	await both('timestamp an hour old, correctly signed (replay)', '400', () =>
		signedDelivery({ secret: BENCH_SECRET, body: small, timestamp: nowSeconds() - 3600 }),
	);
	await both('same delivery sent twice (retry): second answer', '200 duplicate, no second run', fresh(small), true);
	return checks;
}

// ---------------------------------------------------------------- one n8n target

interface SequentialResult {
	body: string;
	rounds: Array<{ n: number; p50: number; p90: number; p99: number }>;
	latency: Distribution;
	/** Raw latencies (ms), for the chart. */
	samples: number[];
	statuses: Record<string, number>;
}

interface ConcurrentRound {
	requests: number;
	errors: number;
	stoppedBy: RunResult['stoppedBy'];
	wallMs: number;
	answersPerSec: number;
	latency: Distribution;
	statuses: Record<string, number>;
	executionsExpected: number;
	storedAtLoadEnd: number;
	backlogAtLoadEnd: number;
	drainMs: number;
	executionsPerSec: number;
	drainTimedOut: boolean;
}

interface ConfigResult {
	key: string;
	label: string;
	kind: string;
	prefilled?: number;
	/** An attribution configuration (sequential only). */
	attribution?: boolean;
	sequential: Record<string, SequentialResult>;
	concurrent: ConcurrentRound[];
	staticDataBytes?: number;
}

interface TargetResult {
	version: string;
	engine: string;
	node: string;
	startedAt: string;
	loadAverage: { start: number[]; end: number[] };
	/** Cores' worth of CPU that other work (not this benchmark) used while the target ran. */
	otherCores?: number;
	seconds: number;
	configs: ConfigResult[];
	checks: Check[];
	residentMiB?: { rss: number; hwm: number };
}

function configsFor(): BenchConfig[] {
	return [
		noopConfig(),
		webhookConfig(),
		voisnapConfig('voisnap-empty', 'Voisnap Trigger, store empty', 0),
		voisnapConfig('voisnap-cap', `Voisnap Trigger, store at its cap (${DEFAULT_MAX_ENTRIES.toLocaleString('en')})`, DEFAULT_MAX_ENTRIES),
		...EXTRA_CAPS.filter((cap) => cap !== DEFAULT_MAX_ENTRIES).map((cap) =>
			voisnapConfig(`voisnap-cap-${cap}`, `Voisnap Trigger, cap ${cap.toLocaleString('en')}, at it`, cap, cap),
		),
		chainConfig(BENCH_SECRET),
		...(ATTRIBUTION ? attributionConfigs() : []),
	];
}

async function waitRegistered(n8n: N8nInstanceType, configs: BenchConfig[]): Promise<void> {
	for (const config of configs) {
		const url = urlOf(n8n, config);
		const deadline = Date.now() + 60_000;
		while (!(await n8n.isRegistered(url))) {
			if (Date.now() > deadline) throw new Error(`${config.key}: ${url} never registered`);
			await sleep(200);
		}
	}
}

async function runTarget(version: string, engine: 'default' | 'legacy', noopDir: string, probeDir: string): Promise<TargetResult> {
	const startedAt = new Date();
	const loadStart = os.loadavg();
	const configs = configsFor();
	log(`n8n ${version} (${engine} expression engine): starting with ${configs.length} workflows`);
	const n8n = await N8nInstance.start({
		version,
		credential: { signingSecret: BENCH_SECRET },
		workflows: configs.map((config) => config.workflow),
		extraPackages: [noopDir, probeDir],
		expressionEngine: engine,
	});
	running.add(n8n);
	const n8nPid = findN8nPid(n8n.install.n8nBin, n8n.userFolder);
	const cpuStart = cpuSample(n8nPid);
	try {
		await waitRegistered(n8n, configs);
		const results = new Map<string, ConfigResult>(
			configs.map((config) => [config.key, { key: config.key, label: config.label, kind: config.kind, prefilled: config.prefilled, attribution: config.sequentialOnly, sequential: {}, concurrent: [] }]),
		);
		for (const config of configs) {
			if (!config.prefilled) continue;
			const stored = (await n8n.staticData(config.workflow.id)) as { global?: Record<string, { d?: string }> } | null;
			const snapshot = stored?.global?.[`voisnap:${config.workflow.nodes[0].webhookId}`];
			const ids = (snapshot?.d?.length ?? 0) / 19;
			if (ids !== config.prefilled) throw new Error(`${config.key}: static data holds ${ids} ids, not ${config.prefilled}: was it imported?`);
			results.get(config.key)!.staticDataBytes = Buffer.byteLength(JSON.stringify(stored));
		}

		log('warm-up and correctness checks');
		for (const config of configs) {
			await runLoad({ url: urlOf(n8n, config), delivery: fresh(small), count: WARMUP, timeLimitMs: 60_000, connections: 1 });
		}
		const chain = configs.find((config) => config.kind === 'chain')!;
		const voisnap = configs.find((config) => config.key === 'voisnap-empty')!;
		const checks = await correctness(n8n, chain, voisnap);
		for (const check of checks) log(`  ${check.case}: chain ${check.chain}, Voisnap Trigger ${check.voisnap} (want ${check.expected})`);
		await n8n.waitForIdle({ quietMs: 1000 });

		const sequentialSamples = new Map<string, Reply[][]>();
		for (let round = 0; round < ROUNDS; round++) {
			for (let k = 0; k < configs.length; k++) {
				// Rotate the order each round so that no configuration always follows the same one.
				const config = configs[(k + round) % configs.length];
				const sizes = config.sequentialOnly ? ([['0.5 KB', small, ATTRIBUTION_COUNT]] as const) : ([['0.5 KB', small, SEQ_COUNT], ['16 KB', large, SEQ_LARGE]] as const);
				for (const [label, body, count] of sizes) {
					const base = (await storedCount(n8n, config.workflow.id)).total;
					const run = await runLoad({ url: urlOf(n8n, config), delivery: fresh(body), count, timeLimitMs: 240_000, connections: 1 });
					const key = `${config.key}|${label}`;
					sequentialSamples.set(key, [...(sequentialSamples.get(key) ?? []), run.replies]);
					await drained(n8n, config.workflow.id, base, run.replies.filter((reply) => startsExecution(config, reply)).length);
				}
				const ms = sequentialSamples.get(`${config.key}|0.5 KB`)!.at(-1)!.map((reply) => reply.ms);
				log(`  sequential round ${round + 1}, ${config.key}: median ${median(ms).toFixed(1)} ms`);
			}
		}
		for (const config of configs) {
			for (const label of ['0.5 KB', '16 KB']) {
				const rounds = sequentialSamples.get(`${config.key}|${label}`) ?? [];
				if (rounds.length === 0) continue;
				const all = rounds.flat();
				results.get(config.key)!.sequential[label] = {
					body: label,
					rounds: rounds.map((replies) => {
						const d = distribution(replies.map((reply) => reply.ms));
						return { n: d.n, p50: d.p50, p90: d.p90, p99: d.p99 };
					}),
					latency: distribution(all.map((reply) => reply.ms)),
					samples: label === '0.5 KB' ? all.map((reply) => Math.round(reply.ms * 100) / 100) : [],
					statuses: statusCounts(all),
				};
			}
		}

		const concurrentConfigs = configs.filter((config) => !config.sequentialOnly);
		for (let round = 0; round < CONC_ROUNDS; round++) {
			for (let k = 0; k < concurrentConfigs.length; k++) {
				const config = concurrentConfigs[(k + round) % concurrentConfigs.length];
				const base = (await storedCount(n8n, config.workflow.id)).total;
				const started = Date.now();
				const run = await runLoad({ url: urlOf(n8n, config), delivery: fresh(small), count: CONC_COUNT, timeLimitMs: CONC_SECONDS * 1000, connections: CONC });
				const atEnd = await storedCount(n8n, config.workflow.id);
				const expected = run.replies.filter((reply) => startsExecution(config, reply)).length;
				const drain = await drained(n8n, config.workflow.id, base, expected);
				const storedAtLoadEnd = atEnd.total - atEnd.pending - base;
				const loadEnd = started + run.wallMs;
				const result: ConcurrentRound = {
					requests: run.replies.length,
					errors: run.errors,
					stoppedBy: run.stoppedBy,
					wallMs: run.wallMs,
					answersPerSec: run.replies.length / (run.wallMs / 1000),
					latency: distribution(run.replies.map((reply) => reply.ms)),
					statuses: statusCounts(run.replies),
					executionsExpected: expected,
					storedAtLoadEnd,
					backlogAtLoadEnd: expected - storedAtLoadEnd,
					drainMs: Math.max(0, drain.at - loadEnd),
					executionsPerSec: drain.stored / ((drain.at - started) / 1000),
					drainTimedOut: drain.timedOut,
				};
				results.get(config.key)!.concurrent.push(result);
				log(
					`  ${CONC} connections round ${round + 1}, ${config.key}: ${result.answersPerSec.toFixed(1)} answers/s, ` +
						`${result.executionsPerSec.toFixed(1)} executions/s with the drain (backlog ${result.backlogAtLoadEnd}, ` +
						`drained ${(result.drainMs / 1000).toFixed(1)} s after), median ${result.latency.p50.toFixed(1)} ms`,
				);
			}
		}
		return {
			version,
			engine,
			node: n8n.install.node,
			startedAt: startedAt.toISOString(),
			loadAverage: { start: loadStart, end: os.loadavg() },
			otherCores: otherCores(cpuStart, cpuSample(n8nPid), os.cpus().length),
			seconds: (Date.now() - startedAt.getTime()) / 1000,
			configs: configs.map((config) => results.get(config.key)!),
			checks,
		};
	} finally {
		running.delete(n8n);
		await n8n.stop();
	}
}

// ---------------------------------------------------------------- memory

interface MemoryResult {
	version: string;
	engine: string;
	key: string;
	label: string;
	afterStart: { rss: number; hwm: number };
	afterRun: { rss: number; hwm: number };
	deliveries: number;
}

/** Resident size of an n8n that ran only this workflow, before and after the same load. */
async function memoryRun(version: string, engine: 'default' | 'legacy', config: BenchConfig, noopDir: string): Promise<MemoryResult> {
	const install = await installN8n(version);
	const n8n = await N8nInstance.start({
		version,
		credential: { signingSecret: BENCH_SECRET },
		workflows: [config.workflow],
		extraPackages: [noopDir],
		expressionEngine: engine,
	});
	running.add(n8n);
	try {
		await waitRegistered(n8n, [config]);
		const pid = findN8nPid(install.n8nBin, n8n.userFolder);
		if (!pid) throw new Error('n8n main process not found in /proc');
		await sleep(3000);
		const afterStart = residentMiB(pid);
		let deliveries = 0;
		const url = urlOf(n8n, config);
		deliveries += (await runLoad({ url, delivery: fresh(small), count: 3 * SEQ_COUNT, timeLimitMs: 240_000, connections: 1 })).replies.length;
		for (let round = 0; round < CONC_ROUNDS; round++) {
			deliveries += (await runLoad({ url, delivery: fresh(small), count: CONC_COUNT, timeLimitMs: CONC_SECONDS * 1000, connections: CONC })).replies.length;
		}
		await n8n.waitForIdle({ quietMs: 1500 });
		await sleep(3000);
		const afterRun = residentMiB(pid);
		log(`  memory, ${config.key}: ${afterStart.rss.toFixed(0)} MiB after start, ${afterRun.rss.toFixed(0)} MiB after ${deliveries} deliveries (peak ${afterRun.hwm.toFixed(0)})`);
		return { version, engine, key: config.key, label: config.label, afterStart, afterRun, deliveries };
	} finally {
		running.delete(n8n);
		await n8n.stop();
	}
}

async function main(): Promise<void> {
	const started = Date.now();
	const noopDir = join(__dirname, 'noop-trigger');
	const targets: Array<{ version: string; engine: 'default' | 'legacy' }> = [];
	for (const version of VERSIONS) {
		if (Number(version.split('.')[0]) >= 2) for (const engine of ENGINES) targets.push({ version, engine });
		else targets.push({ version, engine: 'legacy' });
	}
	const out: { targets: TargetResult[]; memory: MemoryResult[]; settings: Record<string, unknown>; failures: string[]; seconds?: number } = {
		targets: [],
		memory: [],
		failures: [],
		settings: { ROUNDS, SEQ_COUNT, SEQ_LARGE, ATTRIBUTION_COUNT, WARMUP, CONC, CONC_ROUNDS, CONC_COUNT, CONC_SECONDS, EXTRA_CAPS, nodeBench: process.version },
	};
	const save = () => {
		mkdirSync(join(__dirname, 'results'), { recursive: true });
		writeFileSync(join(__dirname, 'results', 'n8n.json'), `${JSON.stringify(out, null, '\t')}\n`);
	};
	for (const target of targets) {
		try {
			const installed = await installN8n(target.version);
			void installed;
			out.targets.push(await runTarget(target.version, target.engine, noopDir, join(__dirname, 'probe-trigger')));
		} catch (error) {
			const message = `n8n ${target.version} (${target.engine}): ${(error as Error).stack ?? error}`;
			log(`FAILED ${message}`);
			out.failures.push(message);
		}
		save();
	}
	if (MEMORY && targets.length > 0) {
		// On the first version, with the legacy engine on 2.x (the fastest to load): the store's
		// memory does not depend on the expression engine.
		const { version } = targets[0];
		const engine = 'legacy';
		log(`memory: n8n ${version} (${engine}), one workflow per instance`);
		const memoryConfigs = [
			noopConfig(),
			voisnapConfig('voisnap-cap', `Voisnap Trigger, store at its cap (${DEFAULT_MAX_ENTRIES.toLocaleString('en')})`, DEFAULT_MAX_ENTRIES),
			...EXTRA_CAPS.filter((cap) => cap !== DEFAULT_MAX_ENTRIES).map((cap) =>
				voisnapConfig(`voisnap-cap-${cap}`, `Voisnap Trigger, cap ${cap.toLocaleString('en')}, at it`, cap, cap),
			),
		];
		for (const config of memoryConfigs) {
			try {
				out.memory.push(await memoryRun(version, engine, config, noopDir));
			} catch (error) {
				out.failures.push(`memory ${config.key}: ${(error as Error).stack ?? error}`);
			}
			save();
		}
	}
	out.seconds = (Date.now() - started) / 1000;
	save();
	log(`done in ${out.seconds.toFixed(0)} s: bench/results/n8n.json`);
	clearTimeout(hardStop);
	if (out.failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	log(`FAILED: ${(error as Error).stack ?? error}`);
	process.exitCode = 1;
});
