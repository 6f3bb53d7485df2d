/**
 * Measuring one configuration in a running n8n: its URL, what counts as an execution started,
 * waiting for its executions, and one concurrent round with the backlog and the drain.
 */
import type { N8nInstance } from '../../test/harness';
import type { Reply, RunResult } from './loadgen';
import type { ConcurrentRound } from './results';
import { distribution } from './stats';
import type { BenchConfig } from './workflows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bound on waiting for a configuration's executions to finish after a load. */
const DRAIN_TIMEOUT_MS = 120_000;

export function urlOf(n8n: N8nInstance, config: BenchConfig): string {
	return config.url ? config.url(n8n.baseUrl) : n8n.webhookUrl(config.workflow.id);
}

/** Whether a reply means an execution is (to be) stored. */
export function startsExecution(config: BenchConfig, reply: Reply): boolean {
	if (config.kind === 'chain') return reply.status === 200 || reply.status === 401;
	if (reply.status !== 200) return false;
	return config.kind !== 'voisnap' || !/"(duplicate|ignored)"/.test(reply.text);
}

export function statusCounts(replies: readonly Reply[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const reply of replies) counts[reply.status] = (counts[reply.status] ?? 0) + 1;
	return counts;
}

/** Rows of the workflow's executions: all of them, and those still `new` or `running`. */
export async function executionRows(n8n: N8nInstance, workflowId: string): Promise<{ total: number; pending: number }> {
	const counts = await n8n.database.counts(workflowId);
	return { total: counts.total, pending: counts.pending };
}

/**
 * Polls until `expected` executions past `base` exist and none is `new` or `running`; `at` is
 * when that was first seen (polled every `pollMs`, so at most that late).
 */
export async function drained(n8n: N8nInstance, workflowId: string, base: number, expected: number, pollMs = 100): Promise<{ at: number; finished: number; timedOut: boolean }> {
	const deadline = Date.now() + DRAIN_TIMEOUT_MS;
	for (;;) {
		const rows = await executionRows(n8n, workflowId);
		const finished = rows.total - rows.pending - base;
		if (finished >= expected && rows.pending === 0) return { at: Date.now(), finished, timedOut: false };
		if (Date.now() > deadline) return { at: Date.now(), finished, timedOut: true };
		await sleep(pollMs);
	}
}

/**
 * Runs `load` (bounded by its caller) against the configuration, then reads how many of the
 * acknowledged deliveries n8n had stored (and finished) when the load stopped, and follows the
 * executions until the last one finished. Executions/s counts that drain, so a trigger that
 * acknowledges faster than n8n stores cannot look faster than it is.
 */
export async function concurrentRound(n8n: N8nInstance, config: BenchConfig, connections: number, load: () => Promise<RunResult>): Promise<ConcurrentRound> {
	const workflowId = config.workflow.id;
	const base = (await executionRows(n8n, workflowId)).total;
	const started = Date.now();
	const run = await load();
	const atEnd = await executionRows(n8n, workflowId);
	const expected = run.replies.filter((reply) => startsExecution(config, reply)).length;
	// Polled often: the drain after a fast load can be a few hundred milliseconds.
	const drain = await drained(n8n, workflowId, base, expected, 20);
	const loadEnd = started + run.wallMs;
	return {
		connections,
		requests: run.replies.length,
		errors: run.errors,
		stoppedBy: run.stoppedBy,
		wallMs: run.wallMs,
		answersPerSec: run.replies.length / (run.wallMs / 1000),
		latency: distribution(run.replies.map((reply) => reply.ms)),
		statuses: statusCounts(run.replies),
		executionsExpected: expected,
		unstoredAtLoadEnd: Math.max(0, expected - (atEnd.total - base)),
		unfinishedAtLoadEnd: Math.max(0, expected - (atEnd.total - atEnd.pending - base)),
		drainMs: Math.max(0, drain.at - loadEnd),
		executionsPerSec: drain.finished / ((drain.at - started) / 1000),
		drainTimedOut: drain.timedOut,
	};
}
