/**
 * Crashes in n8n's queue mode (N8N_VERSION, default 2.41.1): during a burst from a sender that
 * retries like Voisnap (test/support/retryingSender.ts), one webhook process and then the worker
 * are killed with SIGKILL, and started again as a supervisor would. Every delivery that was
 * acknowledged (got a 2xx) must be stored: an execution exists holding its item, succeeded or
 * kept by n8n with its data so that it can be retried.
 *
 * Settings that make n8n's own recovery visible in seconds rather than minutes: the worker's job
 * lock and stalled-job check at 5 s (QUEUE_WORKER_*; defaults 30 s), and main's recovery of
 * executions whose job is gone every minute (N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL; default
 * 180). The `legacy` expression engine on 2.x, as n8n's README tuning advice says, which also
 * lets n8n answer faster than it stores (the window a crash exposes).
 */
import type { StoredExecution } from '../../harness';
import { QueueCluster, voisnapWorkflow } from '../../harness';
import type { DeliveryRecord } from '../../support/retryingSender';
import { sendWithRetries, summarise } from '../../support/retryingSender';
import { eventFixture } from '../../support/signedDelivery';
import { N8N_VERSION, deliveryIdsOf, executionsPerDelivery } from '../support';
import { CLUSTER_START_TIMEOUT_MS } from './support';

jest.setTimeout(8 * 60_000);

const SECRET = 'whsec_queueCrashSecret5e0b6c2d9a71f3';
const DELIVERIES = 150;
const CONCURRENCY = 10;
/** Acknowledgements after which the second webhook process (first burst), the worker (second), is killed. */
const KILL_WEBHOOK_AT = 40;
const KILL_WORKER_AT = 60;

const workflow = voisnapWorkflow({ name: 'queue: crashes during a burst' });
let cluster: QueueCluster;

beforeAll(async () => {
	cluster = await QueueCluster.start({
		version: N8N_VERSION,
		credential: { signingSecret: SECRET },
		workflows: [workflow],
		expressionEngine: 'legacy',
		roleEnv: {
			main: { N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: '1' },
			worker: { QUEUE_WORKER_LOCK_DURATION: '5000', QUEUE_WORKER_LOCK_RENEW_TIME: '2500', QUEUE_WORKER_STALLED_INTERVAL: '5000' },
		},
	});
	console.log(`n8n ${N8N_VERSION} queue cluster started: ${JSON.stringify(cluster.timings)}`);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

function deliveries(label: string) {
	const envelope = JSON.parse(eventFixture('SessionEnded').toString('utf8')) as { data: Record<string, unknown> };
	const run = label.replace(/\W+/g, '_');
	return Array.from({ length: DELIVERIES }, (_, index) => ({
		id: `dlv_crash_${run}_${String(index).padStart(3, '0')}`,
		body: Buffer.from(JSON.stringify({ ...envelope, data: { ...envelope.data, conversationId: `conv_crash_${run}_${index}` } })),
	}));
}

interface CrashFigures {
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

function figures(records: DeliveryRecord[], executions: StoredExecution[], workerLog: string): CrashFigures {
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

interface BurstResult extends CrashFigures {
	records: DeliveryRecord[];
	/** When each victim was killed and when it was back, ms after the first delivery. */
	downtime: Record<string, { killedAt: number; backAt: number }>;
}

/** One burst of DELIVERIES, killing `victims` (by role) once that many deliveries are acknowledged. */
async function burst(label: string, victims: Array<{ at: number; process: QueueCluster['workers'][number] }>): Promise<BurstResult> {
	const started = Date.now();
	const restarts: Array<Promise<void>> = [];
	const downtime: BurstResult['downtime'] = {};
	const before = new Set((await cluster.database.executions(workflow.id)).map((execution) => execution.id));
	const records = await sendWithRetries(deliveries(label), {
		secret: SECRET,
		urls: cluster.webhookUrls(workflow.id),
		concurrency: CONCURRENCY,
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
	const result = figures(records, executions, cluster.workers.map((process) => process.logText()).join('\n'));
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
	expect(result.acknowledged).toBe(DELIVERIES);
	// Only a delivery the sender sent again can have a second execution: one acknowledged at its
	// first attempt is never retried, and n8n re-running a job keeps its execution.
	expect(result.runTwice.filter((id) => !result.retriedIds.includes(id))).toEqual([]);
	return { ...result, records, downtime };
}

function attemptsOf(records: DeliveryRecord[], id: string): string {
	return (records.find((record) => record.id === id)?.attempts ?? []).map((attempt) => `${attempt.at}:${attempt.outcome}`).join(' ');
}

test(`n8n ${N8N_VERSION} queue mode: SIGKILL of a webhook process during a burst of ${DELIVERIES}: every acknowledged delivery stored`, async () => {
	const result = await burst('webhook process killed', [{ at: KILL_WEBHOOK_AT, process: cluster.webhooks[1] }]);
	// The answer goes out only once n8n has stored the execution and queued its job.
	expect({ missing: result.missing, executionsWithoutItem: result.executionsWithoutItem }).toEqual({ missing: [], executionsWithoutItem: [] });
});

test(`n8n ${N8N_VERSION} queue mode: SIGKILL of the worker during a burst of ${DELIVERIES}: every acknowledged delivery has its execution`, async () => {
	const result = await burst('worker killed', [{ at: KILL_WORKER_AT, process: cluster.workers[0] }]);
	// The runs the worker had started are n8n's to recover: 1.x runs a stalled job once more;
	// 2.x fails it and replaces its data with the error, and n8n's recovery marks some crashed
	// without their data (README "Queue mode"). The item of such a run is gone from n8n: the only
	// deliveries allowed to be missing are those, one per execution n8n failed without its item.
	const failedByN8n = result.executionsWithoutItem.filter((execution) => ['error', 'crashed'].includes(execution.status));
	expect(failedByN8n).toEqual(result.executionsWithoutItem);
	expect(result.missing.length).toBeLessThanOrEqual(failedByN8n.length);
	// Such a run was on the killed worker: a missing delivery was acknowledged before the worker was
	// back (2.x answers once the job is queued, 1.x from the run's first step on a worker).
	const { backAt } = result.downtime[cluster.workers[0].name];
	const acknowledgedAt = (id: string) => result.records.find((record) => record.id === id)?.acknowledged?.at ?? Infinity;
	expect(result.missing.filter((id) => acknowledgedAt(id) > backAt).map((id) => `${id}@${acknowledgedAt(id)}`)).toEqual([]);
});
