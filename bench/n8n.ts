/**
 * The n8n part of the benchmark (bench/RESULTS.md sections 3-5): one n8n per target (version
 * and setting, bench/lib/targets.ts) with every configuration's workflow active side by side:
 * the Voisnap Trigger (v2, v1, at its cap), its previous release (the old answer path), the
 * do-nothing references (n8n answers, v1 and v2; answers itself), n8n's Webhook node and the
 * hand-built chain. Per target: warm-up, the chain's correctness cases, sequential rounds,
 * concurrent rounds with the backlog and the drain, then junk and forgery floods beside genuine
 * traffic. Then memory on separate instances. Loopback only, bounded in count and time, with a
 * time budget per target and a hard stop. Writes .tmp/bench/n8n.json.
 *
 * Environment: bench/lib/knobs.ts (and bench/README.md).
 */
import os from 'node:os';
import { join } from 'node:path';

import { DEFAULT_MAX_ENTRIES } from '../nodes/VoisnapTrigger/contract/constants';
import type { CredentialJson } from '../test/harness';
import { N8nInstance, installN8n } from '../test/harness';
import { signedDelivery } from '../test/support/signedDelivery';
import { BENCH_SECRET, BODY_SIZES, eventBody, nthBody } from './lib/bodies';
import { correctness } from './lib/correctness';
import { armHardStop, stopAtHardStop } from './lib/hardStop';
import { KNOBS, isSmokeRun } from './lib/knobs';
import type { Delivery } from './lib/loadgen';
import { runLoad } from './lib/loadgen';
import { urlOf } from './lib/measure';
import { memoryRun } from './lib/memory';
import type { Body } from './lib/phases';
import { concurrentPhase, floodPhase, sequentialPhase } from './lib/phases';
import { previousRelease } from './lib/previousRelease';
import { cpuSample, otherCores } from './lib/proc';
import type { ConfigResult, N8nResults, TargetResult } from './lib/results';
import { RESULTS_FORMAT, writeResults } from './lib/results';
import type { TargetSpec } from './lib/targets';
import { configsFor, targetSpecs } from './lib/targets';
import type { BenchConfig } from './lib/workflows';
import { KEYS, noopN8nAnswersConfig, previousCredential, voisnapConfig } from './lib/workflows';

const log = (message: string) => process.stderr.write(`[bench:n8n ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const small = eventBody(BODY_SIZES['0.5 KB']);
const large = eventBody(BODY_SIZES['16 KB']);

/** Every delivery distinct (id and body), signed as it is sent. */
let sent = 0;
const freshOf = (body: Buffer) => (): Delivery => signedDelivery({ secret: BENCH_SECRET, body: nthBody(body, sent++) });
const SMALL: Body = { label: '0.5 KB', fresh: freshOf(small) };
const LARGE: Body = { label: '16 KB', fresh: freshOf(large) };

interface Installed {
	extraPackages: string[];
	extraCredentials: CredentialJson[];
}

async function waitRegistered(n8n: N8nInstance, configs: BenchConfig[]): Promise<void> {
	for (const config of configs) {
		const url = urlOf(n8n, config);
		const deadline = Date.now() + 60_000;
		while (!(await n8n.isRegistered(url))) {
			if (Date.now() > deadline) throw new Error(`${config.key}: ${url} never registered`);
			await sleep(200);
		}
	}
}

/** The size of the prefilled stores as n8n imported them (a store that did not load would measure nothing). */
async function staticDataBytes(n8n: N8nInstance, config: BenchConfig): Promise<number> {
	const stored = (await n8n.staticData(config.workflow.id)) as { global?: Record<string, { d?: string }> } | null;
	const snapshot = stored?.global?.[`voisnap:${config.workflow.nodes[0].webhookId}`];
	const ids = (snapshot?.d?.length ?? 0) / 19;
	if (ids !== config.prefilled) throw new Error(`${config.key}: static data holds ${ids} ids, not ${config.prefilled}: was it imported?`);
	return Buffer.byteLength(JSON.stringify(stored));
}

/** A settings target holds three workflows, a full one every configuration. */
const weightOf = (spec: TargetSpec) => (spec.scope === 'full' ? 1 : 0.5);
/** Kept for the memory part at the end, from the n8n part's hard stop. */
const MEMORY_RESERVE_MS = 150_000;

/**
 * A target's time budget: its share of BENCH_TARGET_BUDGET_S, and never more than its share of
 * what is left before the hard stop, so that a slow machine shortens every target a little
 * rather than losing the last ones.
 */
function budgetFor(spec: TargetSpec, remaining: TargetSpec[], hardStopAt: number): number {
	const left = hardStopAt - Date.now() - (KNOBS.memory ? MEMORY_RESERVE_MS : 0);
	const share = (left * weightOf(spec)) / remaining.reduce((sum, next) => sum + weightOf(next), 0);
	return Math.max(0, Math.min(KNOBS.targetBudgetS * 1000 * weightOf(spec), share));
}

async function runTarget(spec: TargetSpec, installed: Installed, budgetMs: number): Promise<TargetResult> {
	const startedAt = new Date();
	const loadStart = os.loadavg();
	const cpuStart = cpuSample();
	const configs = configsFor(spec.scope);
	log(`n8n ${spec.version} (${spec.settingLabel}): starting with ${configs.length} workflows`);
	const n8n = await N8nInstance.start({
		version: spec.version,
		credential: { signingSecret: BENCH_SECRET },
		extraCredentials: installed.extraCredentials,
		workflows: configs.map((config) => config.workflow),
		extraPackages: installed.extraPackages,
		expressionEngine: spec.engine,
		env: spec.env,
	});
	const untrack = stopAtHardStop(n8n);
	try {
		await waitRegistered(n8n, configs);
		const results = new Map<string, ConfigResult>(
			configs.map((config) => [
				config.key,
				{ key: config.key, label: config.label, kind: config.kind, reference: config.reference, prefilled: config.prefilled, attribution: config.sequentialOnly !== undefined, sequential: {}, concurrent: [] },
			]),
		);
		for (const config of configs.filter((candidate) => candidate.prefilled)) results.get(config.key)!.staticDataBytes = await staticDataBytes(n8n, config);

		log('warm-up and correctness checks');
		for (const config of configs) {
			await runLoad({ url: urlOf(n8n, config), delivery: SMALL.fresh, count: KNOBS.warmup, timeLimitMs: 60_000, connections: 1 });
		}
		const chain = configs.find((config) => config.key === KEYS.chain);
		const voisnap = configs.find((config) => config.key === KEYS.voisnapV2)!;
		const checks = chain ? await correctness(n8n, chain, voisnap, small, SMALL.fresh) : [];
		for (const check of checks) log(`  ${check.case}: chain ${check.chain}, Voisnap Trigger ${check.voisnap} (want ${check.expected})`);
		await n8n.waitForIdle({ quietMs: 1000, timeoutMs: 120_000 });

		const sequential = await sequentialPhase(
			n8n,
			configs,
			{
				rounds: Math.max(1, KNOBS.rounds),
				deadline: startedAt.getTime() + budgetMs * 0.5,
				blocks: (config) => [
					{ body: SMALL, count: config.sequentialOnly?.count ?? KNOBS.seqCount },
					...(config.sequentialOnly || KNOBS.seqLarge === 0 ? [] : [{ body: LARGE, count: KNOBS.seqLarge }]),
				],
			},
			log,
		);
		for (const [key, byBody] of sequential.results) results.get(key)!.sequential = byBody;

		const concurrent = await concurrentPhase(
			n8n,
			configs.filter((config) => !config.sequentialOnly),
			{
				rounds: Math.max(1, KNOBS.concRounds),
				deadline: startedAt.getTime() + budgetMs * 0.8,
				connections: KNOBS.conc,
				count: KNOBS.concCount,
				seconds: KNOBS.concSeconds,
				fresh: SMALL.fresh,
			},
			log,
		);
		for (const [key, rounds] of concurrent.results) results.get(key)!.concurrent = rounds;

		const flooding = KNOBS.flood && spec.scope === 'full';
		const floodOptions = {
			genuine: SMALL.fresh,
			body: small,
			connections: KNOBS.conc,
			count: KNOBS.concCount,
			seconds: KNOBS.concSeconds,
			floodRate: KNOBS.floodRate,
			floodConnections: KNOBS.floodConnections,
		};
		const floods = flooding ? await floodPhase(n8n, voisnap, floodOptions, log) : [];

		return {
			version: spec.version,
			setting: spec.setting,
			settingLabel: spec.settingLabel,
			engine: spec.engine,
			env: spec.env,
			node: n8n.install.node,
			startedAt: startedAt.toISOString(),
			loadAverage: { start: loadStart, end: os.loadavg() },
			otherCores: otherCores(cpuStart, cpuSample(), os.cpus().length),
			seconds: (Date.now() - startedAt.getTime()) / 1000,
			rounds: { sequential: sequential.rounds, concurrent: concurrent.rounds, sequentialAsked: Math.max(1, KNOBS.rounds), concurrentAsked: Math.max(1, KNOBS.concRounds) },
			configs: configs.map((config) => results.get(config.key)!),
			checks,
			floods,
			floodSettings: flooding ? { ratePerSec: KNOBS.floodRate, connections: KNOBS.floodConnections, trigger: voisnap.label } : undefined,
		};
	} finally {
		untrack();
		await n8n.stop();
	}
}

async function main(): Promise<void> {
	const disarm = armHardStop(KNOBS.n8nTimeoutS, log);
	const started = Date.now();
	const hardStopAt = started + KNOBS.n8nTimeoutS * 1000;
	const cpuStart = cpuSample();
	const out: N8nResults = {
		format: RESULTS_FORMAT,
		startedAt: new Date(started).toISOString(),
		machine: { loadAverage: { start: os.loadavg(), end: [] } },
		targets: [],
		memory: [],
		failures: [],
		settings: { ...KNOBS, nodeBench: process.version },
		smoke: isSmokeRun(),
	};
	const save = () => {
		writeResults('n8n.json', out);
	};
	const previous = KNOBS.previousRef ? previousRelease(KNOBS.previousRef, log) : undefined;
	out.previousRelease = previous;
	const installed: Installed = {
		extraPackages: [join(__dirname, 'noop-trigger'), ...(previous ? [previous.packageDir] : [])],
		extraCredentials: previous ? [previousCredential(BENCH_SECRET)] : [],
	};
	const specs = targetSpecs();
	for (const [index, spec] of specs.entries()) {
		try {
			await installN8n(spec.version);
			const budgetMs = budgetFor(spec, specs.slice(index), hardStopAt);
			log(`time budget ${(budgetMs / 1000).toFixed(0)} s (no new round after ${((budgetMs * 0.5) / 1000).toFixed(0)} s sequential, ${((budgetMs * 0.8) / 1000).toFixed(0)} s concurrent)`);
			out.targets.push(await runTarget(spec, installed, budgetMs));
		} catch (error) {
			const message = `n8n ${spec.version} (${spec.settingLabel}): ${(error as Error).stack ?? error}`;
			log(`FAILED ${message}`);
			out.failures.push(message);
		}
		save();
	}
	// The store's memory does not depend on the expression engine; legacy loads fastest.
	const memoryVersion = (specs.find((spec) => spec.engine === 'legacy') ?? specs[0])?.version;
	if (KNOBS.memory && memoryVersion) {
		log(`memory: n8n ${memoryVersion} (legacy), one workflow per instance`);
		const memoryConfigs = [noopN8nAnswersConfig(2), voisnapConfig(KEYS.voisnapCap, `Voisnap Trigger (v2), store at its default cap (${DEFAULT_MAX_ENTRIES.toLocaleString('en')} ids)`, { prefill: DEFAULT_MAX_ENTRIES })];
		for (const config of memoryConfigs) {
			try {
				out.memory.push(
					await memoryRun(
						{ version: memoryVersion, engine: 'legacy', ...installed },
						config,
						SMALL.fresh,
						{ sequential: 3 * KNOBS.seqCount, concurrentRounds: Math.max(1, KNOBS.concRounds), connections: KNOBS.conc, count: KNOBS.concCount, seconds: KNOBS.concSeconds },
						log,
					),
				);
			} catch (error) {
				out.failures.push(`memory ${config.key}: ${(error as Error).stack ?? error}`);
			}
			save();
		}
	}
	out.machine = { loadAverage: { start: out.machine.loadAverage.start, end: os.loadavg() }, otherCores: otherCores(cpuStart, cpuSample(), os.cpus().length) };
	out.seconds = (Date.now() - started) / 1000;
	save();
	log(`done in ${out.seconds.toFixed(0)} s: .tmp/bench/n8n.json`);
	disarm();
	if (out.failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	log(`FAILED: ${(error as Error).stack ?? error}`);
	process.exitCode = 1;
});
