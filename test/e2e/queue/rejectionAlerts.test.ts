/**
 * Alert on Rejections in n8n's queue mode (N8N_VERSION, default 2.41.1): main, two `n8n webhook`
 * processes and a worker. A refusal is answered by the webhook process; its alert execution is
 * enqueued there and run by the worker, on the Rejected branch only. Each webhook process keeps
 * its own alert rate, so a wrong secret alerts once per process.
 */
import type { SignedDelivery } from '../../support/signedDelivery';
import { eventFixture, postDelivery } from '../../support/signedDelivery';
import { alertOf, alertingWorkflow } from '../rejectionAlertSupport';
import { QueueCluster } from '../../harness';
import { N8N_VERSION, TEST_TIMEOUT_MS, sign, track, withoutHeader } from '../support';
import { CLUSTER_START_TIMEOUT_MS, eventually } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_queueRejectionAlerts5a0e2d7c91';
const WRONG_SECRET = 'whsec_pastedFromTheWrongEndpoint0000';

const workflows = {
	wrongSecret: alertingWorkflow('queue: wrong secret', { alertOnRejections: true }),
	junk: alertingWorkflow('queue: junk', { alertOnRejections: true }),
};

let cluster: QueueCluster;

beforeAll(async () => {
	cluster = await QueueCluster.start({ version: N8N_VERSION, credential: { signingSecret: SECRET }, workflows: Object.values(workflows) });
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

const body = eventFixture('SessionEnded');

describe(`n8n ${N8N_VERSION} queue mode: Alert on Rejections`, () => {
	test('a wrong secret to both webhook processes: 401 each, one alert per process, enqueued there, run by the worker', async () => {
		const executions = await track(cluster, workflows.wrongSecret);
		const logOffsets = cluster.webhooks.map((process) => process.logOffset());
		const firstIds: string[] = [];
		for (const index of [0, 1]) {
			for (let n = 0; n < 3; n++) {
				const delivery = sign(WRONG_SECRET, { body });
				if (n === 0) firstIds.push(delivery.headers['x-webhook-delivery-id']);
				const result = await postDelivery(cluster.webhookUrls(workflows.wrongSecret.id)[index], delivery);
				expect({ status: result.status, body: result.body }).toEqual({ status: 401, body: { error: 'Invalid signature' } });
			}
		}
		const started = await executions.started(2);
		expect(started).toHaveLength(2);
		const alerts = started.map((execution) => alertOf(execution));
		expect(alerts.map((alert) => alert.deliveryId).sort()).toEqual([...firstIds].sort());
		for (const alert of alerts) expect(alert).toMatchObject({ reason: 'signature_mismatch', status: 401, count: 1 });
		for (const execution of started) {
			const enqueuedBy = cluster.webhooks.findIndex((process) => process.logText().includes(`Enqueued execution ${execution.id} `));
			const alert = alertOf(execution);
			expect({ id: execution.id, enqueuedBy }).toEqual({ id: execution.id, enqueuedBy: firstIds.indexOf(alert.deliveryId as string) });
		}
		const ids = started.map((execution) => execution.id);
		await eventually('the worker to finish both alerts', () => ids.every((id) => cluster.workers[0].logText().includes(`Worker finished execution ${id} `)));
		cluster.webhooks.forEach((process, index) =>
			expect(process.logText(logOffsets[index])).not.toMatch(/ERR_HTTP_HEADERS_SENT|headers already sent|Cannot set headers/i),
		);
	});

	test('a junk flood to both webhook processes starts no execution', async () => {
		const executions = await track(cluster, workflows.junk);
		const junk = (index: number): SignedDelivery =>
			index % 2 === 0 ? withoutHeader(sign(SECRET, { body }), 'x-webhook-timestamp') : sign(SECRET, { body, signature: 'sha256=abcdef' });
		const answers = await Promise.all(
			Array.from({ length: 20 }, (_, index) => postDelivery(cluster.webhookUrls(workflows.junk.id)[index % 2 === 0 ? 0 : 1], junk(index >> 1))),
		);
		expect(answers.map((answer) => answer.status).sort()).toEqual([...Array(10).fill(400), ...Array(10).fill(401)]);
		expect(await executions.started()).toEqual([]);
	});
});
