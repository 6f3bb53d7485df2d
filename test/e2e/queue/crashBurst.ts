import type { N8nProcess, QueueCluster, StoredExecution, WorkflowJson } from '../../harness';
import type { DeliveryRecord } from '../../support/retryingSender';
import { sendWithRetries, summarise } from '../../support/retryingSender';
import { eventFixture } from '../../support/signedDelivery';
import { N8N_VERSION, deliveryIdsOf, executionsPerDelivery } from '../support';

/**
 * A burst of distinct deliveries from a sender that retries like Voisnap
 * (test/support/retryingSender.ts) during which n8n processes are killed with SIGKILL and started
 * again as a supervisor would, and what came of each delivery (crash.test.ts, front.test.ts).
 */

/** `count` distinct deliveries with ids and bodies derived from `label`. */
export function crashDeliveries(label: string, count: number) {
	const envelope = JSON.parse(eventFixture('SessionEnded').toString('utf8')) as { data: Record<string, unknown> };
	const run = label.replace(/\W+/g, '_');
	return Array.from({ length: count }, (_, index) => ({
		id: `dlv_crash_${run}_${String(index).padStart(3, '0')}`,
		body: Buffer.from(JSON.stringify({ ...envelope, data: { ...envelope.data, conversationId: `conv_crash_${run}_${index}` } })),
	}));
}

export interface CrashFigures {
	delivered: number;
	acknowledged: number;
	acknowledgedAsDuplicate: number;
	stored: number;
	missing: string[];
	/** Deliveries with more than one execution. */
	runTwice: string[];
	/** Deliveries the sender sent more than once (an attempt got no 2xx: the at-least-once window). */
	retriedIds: string[];
	/** Executions a worker started more than once (1.x re-runs a stalled job once). */
	startedTwiceByWorkers: string[];
	/** Executions that hold no delivery: n8n replaced their data (e.g. with a "stalled" error). */
	executionsWithoutItem: Array<{ id: string; status: string; error: string | null }>;
	executionsByStatus: Record<string, number>;
	retried: number;
	attempts: number;
}

export function crashFigures(records: DeliveryRecord[], executions: StoredExecution[], workerLog: string): CrashFigures {
	const perDelivery = executionsPerDelivery(executions);
	const acknowledged = records.filter((record) => record.acknowledged);
	const executionsByStatus: Record<string, number> = {};
	for (const execution of executions) executionsByStatus[execution.status] = (executionsByStatus[execution.status] ?? 0) + 1;
	const summary = summarise(records);
	return {
		delivered: summary.delivered,
		acknowledged: summary.acknowledged,
		acknowledgedAsDuplicate: summary.acknowledgedAsDuplicate,
		stored: acknowledged.filter((record) => perDelivery.has(record.id)).length,
		missing: acknowledged.filter((record) => !perDelivery.has(record.id)).map((record) => record.id),
		runTwice: [...perDelivery].filter(([, count]) => count > 1).map(([id]) => id),
		retriedIds: records.filter((record) => record.attempts.length > 1).map((record) => record.id),
		startedTwiceByWorkers: executions
			.filter((execution) => workerLog.split(`Worker started execution ${execution.id} `).length > 2)
			.map((execution) => execution.id),
		executionsWithoutItem: executions
			.filter((execution) => deliveryIdsOf(execution).length === 0)
			.map(({ id, status, error }) => ({ id, status, error })),
		executionsByStatus,
		retried: summary.retried,
		attempts: summary.attempts,
	};
}

export interface CrashBurst {
	cluster: QueueCluster;
	workflow: WorkflowJson;
	secret: string;
	/** Where the sender sends (it moves on to the next URL on every retry). */
	urls: readonly string[];
	deliveries: number;
	concurrency: number;
	/** Killed with SIGKILL once that many deliveries are acknowledged, and started again at once. */
	victims: Array<{ at: number; process: N8nProcess }>;
}

/**
 * One burst from a sender that retries like Voisnap, killing `victims` on the way; waits until
 * n8n is idle again and returns what came of every delivery (and logs it). Asserts that every
 * delivery was acknowledged in the end.
 */
export interface CrashBurstResult extends CrashFigures {
	records: DeliveryRecord[];
	sent: Array<{ id: string; body: Buffer }>;
	/** When each victim was killed and when it was back, ms after the first delivery. */
	downtime: Record<string, { killedAt: number; backAt: number }>;
}

export async function crashBurst(label: string, burst: CrashBurst): Promise<CrashBurstResult> {
	const { cluster, workflow, victims } = burst;
	const sent = crashDeliveries(label, burst.deliveries);
	const started = Date.now();
	const restarts: Array<Promise<void>> = [];
	const downtime: CrashBurstResult['downtime'] = {};
	const before = new Set((await cluster.database.executions(workflow.id)).map((execution) => execution.id));
	const records = await sendWithRetries(sent, {
		secret: burst.secret,
		urls: burst.urls,
		concurrency: burst.concurrency,
		giveUpAfterMs: 120_000,
		onAcknowledged: (count) => {
			for (const { at, process } of victims) {
				if (count !== at) continue;
				const killedAt = Date.now() - started;
				restarts.push(
					(async () => {
						await process.kill('SIGKILL');
						await cluster.relaunch(process);
						downtime[process.name] = { killedAt, backAt: Date.now() - started };
					})(),
				);
			}
		},
	});
	const sentMs = Date.now() - started;
	await Promise.all(restarts);
	// Executions whose job died with the worker end as failed or crashed (n8n's recovery).
	await cluster.waitForIdle({ workflowId: workflow.id, quietMs: 3_000, timeoutMs: 240_000 });
	const executions = (await cluster.database.executions(workflow.id)).filter((execution) => !before.has(execution.id));
	const result = crashFigures(records, executions, cluster.workers.map((process) => process.logText()).join('\n'));
	const counts = {
		...result,
		missing: result.missing.length,
		runTwice: result.runTwice.length,
		retriedIds: result.retriedIds.length,
		startedTwiceByWorkers: result.startedTwiceByWorkers.length,
		executionsWithoutItem: result.executionsWithoutItem.length,
	};
	console.log(
		`n8n ${N8N_VERSION} queue mode, crash figures, ${label} (${sentMs} ms of sending, ${restarts.length} process killed): ${JSON.stringify(counts)}\n` +
			`killed and back (ms after the first delivery): ${JSON.stringify(downtime)}\n` +
			`missing (acknowledged at ms): ${result.missing.map((id) => `${id}@${records.find((record) => record.id === id)?.acknowledged?.at}`).join(', ') || 'none'}\n` +
			`run twice (attempts: at ms, outcome): ${result.runTwice.map((id) => `${id} ${attemptsOf(records, id)}`).join('; ') || 'none'}\n` +
			`executions without their item: ${JSON.stringify(result.executionsWithoutItem.slice(0, 5))}${result.executionsWithoutItem.length > 5 ? ' ...' : ''}\n` +
			`never acknowledged, or after 3 attempts or more (attempts: at ms, outcome): ${
				records
					.filter((record) => !record.acknowledged || record.attempts.length >= 3)
					.map((record) => `${record.id} ${attemptsOf(records, record.id)}`)
					.join('; ') || 'none'
			}`,
	);
	expect(restarts).toHaveLength(victims.length);
	expect(result.acknowledged).toBe(burst.deliveries);
	// Only a delivery the sender sent again can have a second execution: one acknowledged at its
	// first attempt is never retried, and n8n re-running a job keeps its execution.
	expect(result.runTwice.filter((id) => !result.retriedIds.includes(id))).toEqual([]);
	return { ...result, records, sent, downtime };
}

function attemptsOf(records: DeliveryRecord[], id: string): string {
	return (records.find((record) => record.id === id)?.attempts ?? []).map((attempt) => `${attempt.at}:${attempt.outcome}`).join(' ');
}

