/**
 * The phases of one target, in the order n8n.ts runs them: sequential rounds and concurrent
 * rounds over every configuration (interleaved, the order rotated each round, so whatever else
 * the machine does lands on all of them alike), then the floods. Rounds after the first start
 * only before the phase's deadline, so a slow machine shortens a target instead of overrunning.
 */
import type { N8nInstance } from '../../test/harness';
import type { FloodOptions } from './floods';
import { floodRun } from './floods';
import type { Delivery, Reply } from './loadgen';
import { runLoad } from './loadgen';
import { concurrentRound, drained, executionRows, startsExecution, statusCounts, urlOf } from './measure';
import type { ConcurrentRound, FloodKind, FloodRun, SequentialResult } from './results';
import { distribution, median } from './stats';
import type { BenchConfig } from './workflows';

export interface Body {
	label: string;
	/** Distinct, freshly signed deliveries of this body. */
	fresh: () => Delivery;
}

export interface SequentialPlan {
	rounds: number;
	deadline: number;
	blocks: (config: BenchConfig) => Array<{ body: Body; count: number }>;
}

/** Sequential deliveries (one connection), each block followed until its executions finished. */
export async function sequentialPhase(
	n8n: N8nInstance,
	configs: BenchConfig[],
	plan: SequentialPlan,
	log: (message: string) => void,
): Promise<{ results: Map<string, Record<string, SequentialResult>>; rounds: number }> {
	const samples = new Map<string, Reply[][]>();
	let rounds = 0;
	for (let round = 0; round < plan.rounds; round++) {
		if (round > 0 && Date.now() > plan.deadline) {
			log(`  sequential: time budget reached after ${round} of ${plan.rounds} rounds`);
			break;
		}
		for (let k = 0; k < configs.length; k++) {
			// Rotate the order each round so that no configuration always follows the same one.
			const config = configs[(k + round) % configs.length];
			for (const { body, count } of plan.blocks(config)) {
				const base = (await executionRows(n8n, config.workflow.id)).total;
				const run = await runLoad({ url: urlOf(n8n, config), delivery: body.fresh, count, timeLimitMs: 240_000, connections: 1 });
				const key = `${config.key}|${body.label}`;
				samples.set(key, [...(samples.get(key) ?? []), run.replies]);
				await drained(n8n, config.workflow.id, base, run.replies.filter((reply) => startsExecution(config, reply)).length);
			}
			const last = samples.get(`${config.key}|0.5 KB`)?.at(-1);
			if (last) log(`  sequential round ${round + 1}, ${config.key}: median ${median(last.map((reply) => reply.ms)).toFixed(1)} ms`);
		}
		rounds++;
	}
	const results = new Map<string, Record<string, SequentialResult>>();
	for (const [key, roundsOfReplies] of samples) {
		const [configKey, label] = key.split('|');
		const all = roundsOfReplies.flat();
		const byBody = results.get(configKey) ?? {};
		byBody[label] = {
			body: label,
			rounds: roundsOfReplies.map((replies) => {
				const d = distribution(replies.map((reply) => reply.ms));
				return { n: d.n, p50: d.p50, p90: d.p90, p99: d.p99 };
			}),
			latency: distribution(all.map((reply) => reply.ms)),
			samples: label === '0.5 KB' ? all.map((reply) => Math.round(reply.ms * 100) / 100) : [],
			statuses: statusCounts(all),
		};
		results.set(configKey, byBody);
	}
	return { results, rounds };
}

export interface ConcurrentPlan {
	rounds: number;
	deadline: number;
	connections: number;
	count: number;
	seconds: number;
	fresh: () => Delivery;
}

function describe(config: BenchConfig, result: ConcurrentRound, round: number): string {
	return (
		`  ${result.connections} connections round ${round}, ${config.key}: ${result.answersPerSec.toFixed(1)} answers/s, ` +
		`${result.executionsPerSec.toFixed(1)} executions/s with the drain (unstored at load end ${result.unstoredAtLoadEnd}, ` +
		`unfinished ${result.unfinishedAtLoadEnd}, drained ${(result.drainMs / 1000).toFixed(1)} s after), median ${result.latency.p50.toFixed(1)} ms`
	);
}

/** Bounded rounds at many connections, each followed until its executions finished. */
export async function concurrentPhase(
	n8n: N8nInstance,
	configs: BenchConfig[],
	plan: ConcurrentPlan,
	log: (message: string) => void,
): Promise<{ results: Map<string, ConcurrentRound[]>; rounds: number }> {
	const results = new Map<string, ConcurrentRound[]>();
	let rounds = 0;
	for (let round = 0; round < plan.rounds; round++) {
		if (round > 0 && Date.now() > plan.deadline) {
			log(`  concurrent: time budget reached after ${round} of ${plan.rounds} rounds`);
			break;
		}
		for (let k = 0; k < configs.length; k++) {
			const config = configs[(k + round) % configs.length];
			const url = urlOf(n8n, config);
			const result = await concurrentRound(n8n, config, plan.connections, () =>
				runLoad({ url, delivery: plan.fresh, count: plan.count, timeLimitMs: plan.seconds * 1000, connections: plan.connections }),
			);
			results.set(config.key, [...(results.get(config.key) ?? []), result]);
			log(describe(config, result, round + 1));
		}
		rounds++;
	}
	return { results, rounds };
}

/**
 * Genuine traffic to `config` alone, beside a flood n8n refuses itself (the control), beside a
 * junk flood, beside a forgery flood, and alone again (the baseline brackets the floods, so a
 * drift over the phase shows).
 */
export async function floodPhase(n8n: N8nInstance, config: BenchConfig, options: FloodOptions, log: (message: string) => void): Promise<FloodRun[]> {
	const runs: FloodRun[] = [];
	for (const kind of ['none', 'unparsable', 'junk', 'forgery', 'none'] as FloodKind[]) {
		const run = await floodRun(n8n, config, kind, options);
		runs.push(run);
		const flood = run.flood ? `; ${kind} flood ${run.flood.perSec.toFixed(1)}/s (${Object.entries(run.flood.statuses).map(([status, count]) => `${count}×${status}`).join(' ')})` : '';
		log(`  flood ${kind}: genuine ${run.genuine.answersPerSec.toFixed(1)} answers/s, median ${run.genuine.latency.p50.toFixed(1)} ms, p99 ${run.genuine.latency.p99.toFixed(1)} ms${flood}`);
	}
	return runs;
}
