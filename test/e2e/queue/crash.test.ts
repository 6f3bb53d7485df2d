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
import { QueueCluster, voisnapWorkflow } from '../../harness';
import type { N8nProcess } from '../../harness';
import { N8N_VERSION } from '../support';
import { crashBurst } from './crashBurst';
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

function burst(label: string, victims: Array<{ at: number; process: N8nProcess }>) {
	return crashBurst(label, { cluster, workflow, secret: SECRET, urls: cluster.webhookUrls(workflow.id), deliveries: DELIVERIES, concurrency: CONCURRENCY, victims });
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
	// without their data (docs/queue-mode.md, "Crash figures"). The item of such a run is gone from n8n: the only
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
