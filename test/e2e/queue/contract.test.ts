/**
 * The webhook contract in n8n's queue mode (N8N_VERSION, default 2.41.1): Postgres, Redis, one
 * main, two `n8n webhook` processes and one `n8n worker`, the package installed in each. Every
 * delivery goes over real HTTP to a webhook process, as a load balancer would send it; the
 * execution must be enqueued there and run on the worker, with the items regular mode emits.
 */
import type { N8nProcess } from '../../harness';
import { QueueCluster, voisnapWorkflow } from '../../harness';
import type { PostResult } from '../../support/signedDelivery';
import { eventFixture, eventFixtureNames, nowSeconds, postDelivery } from '../../support/signedDelivery';
import { ISO_PATTERN, N8N_VERSION, TEST_TIMEOUT_MS, fixtureJson, occupiedOutputs, routeIndexOf, sign, track } from '../support';
import { CLUSTER_START_TIMEOUT_MS, eventually } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_queueContractSecret2b7d90c4e1';

const workflows = {
	routes: voisnapWorkflow({ name: 'queue: one output per event type' }),
	rejects: voisnapWorkflow({ name: 'queue: rejected deliveries' }),
	filtered: voisnapWorkflow({ name: 'queue: SessionEnded only', parameters: { events: ['SessionEnded'] } }),
};

let cluster: QueueCluster;

beforeAll(async () => {
	cluster = await QueueCluster.start({ version: N8N_VERSION, credential: { signingSecret: SECRET }, workflows: Object.values(workflows) });
	console.log(`n8n ${N8N_VERSION} queue cluster started: ${JSON.stringify(cluster.timings)}`);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

function expectAnswer(result: PostResult, status: number, body: unknown): void {
	expect({ status: result.status, body: result.body }).toEqual({ status, body });
	expect(result.contentType).toMatch(/^application\/json/);
}

describe(`n8n ${N8N_VERSION} queue mode: which process answers`, () => {
	test('main does not serve production webhooks (N8N_DISABLE_PRODUCTION_MAIN_PROCESS): 404, no execution', async () => {
		const executions = await track(cluster, workflows.routes);
		const result = await postDelivery(cluster.mainWebhookUrl(workflows.routes.id), sign(SECRET, { body: eventFixture('SessionEnded') }));
		expect(result.status).toBe(404);
		expect(await executions.started()).toHaveLength(0);
	});
});

describe.each([0, 1])(`n8n ${N8N_VERSION} queue mode: webhook process %i`, (index) => {
	const webhookProcess = (): N8nProcess => cluster.webhooks[index];
	const url = (workflowId: string) => cluster.webhookUrls(workflowId)[index];

	test('every event type: 200 {"received":true}, enqueued by this process, run by the worker, the item regular mode emits on its output', async () => {
		const names = eventFixtureNames();
		const executions = await track(cluster, workflows.routes);
		const sent = new Map<string, { name: string; timestamp: number }>();
		for (const name of names) {
			const delivery = sign(SECRET, { body: eventFixture(name) });
			expectAnswer(await postDelivery(url(workflows.routes.id), delivery), 200, { received: true });
			sent.set(delivery.headers['x-webhook-delivery-id'], { name, timestamp: Number(delivery.headers['x-webhook-timestamp']) });
		}
		const started = await executions.started(names.length);
		expect(started).toHaveLength(names.length);
		for (const execution of started) {
			expect(execution).toMatchObject({ status: 'success', mode: 'webhook' });
			const outputs = occupiedOutputs(execution);
			expect(outputs).toHaveLength(1);
			const item = execution.outputs[outputs[0][0]][0] as { delivery: { id: string } };
			const origin = sent.get(item.delivery.id);
			expect(origin).toBeDefined();
			expect(outputs).toEqual([[routeIndexOf(origin!.name), 1]]);
			expect(item).toEqual({
				...fixtureJson(origin!.name),
				delivery: { id: item.delivery.id, timestamp: new Date(origin!.timestamp * 1000).toISOString(), receivedAt: expect.stringMatching(ISO_PATTERN) },
			});
		}
		// Enqueued by the process that answered, run by the worker (main and the other webhook process never ran them).
		const ids = started.map((execution) => execution.id);
		await eventually('the worker to log every execution', () => ids.every((id) => cluster.workers[0].logText().includes(`Worker finished execution ${id} `)));
		expect(ids.filter((id) => !webhookProcess().logText().includes(`Enqueued execution ${id} `))).toEqual([]);
		const other = cluster.webhooks[1 - index];
		expect(ids.filter((id) => other.logText().includes(`Enqueued execution ${id} `))).toEqual([]);
	});

	const rejected = [
		{ name: 'a signature made with another secret', make: () => sign('whsec_notTheSecret', { body: eventFixture('SessionEnded') }), status: 401, message: /^Invalid signature$/, reason: 'signature_mismatch' },
		{ name: 'a timestamp 10 minutes old', make: () => sign(SECRET, { body: eventFixture('SessionEnded'), timestamp: nowSeconds() - 600 }), status: 400, message: /timestamp/i, reason: 'timestamp_too_old' },
		{ name: 'no delivery id', make: () => sign(SECRET, { body: eventFixture('SessionEnded'), deliveryId: null }), status: 400, message: /delivery.id/i, reason: 'delivery_id_missing' },
		{ name: 'a body that is a JSON array', make: () => sign(SECRET, { body: '[]' }), status: 400, message: /.+/, reason: 'body_not_object' },
	];
	test.each(rejected)("$name: $status, no execution, the reason in this process's log", async ({ make, status, message, reason }) => {
		const executions = await track(cluster, workflows.rejects);
		const logFrom = webhookProcess().logOffset();
		const result = await postDelivery(url(workflows.rejects.id), make());
		expect({ status: result.status, body: result.body }).toEqual({ status, body: { error: expect.stringMatching(message) } });
		expect(result.text).not.toContain(SECRET);
		expect(await executions.started()).toHaveLength(0);
		expect(webhookProcess().logText(logFrom)).toContain(`rejected a delivery (${reason})`);
	});

	test('an event type the node does not select: 200 {"received":true,"ignored":true}, no execution', async () => {
		const executions = await track(cluster, workflows.filtered);
		expectAnswer(await postDelivery(url(workflows.filtered.id), sign(SECRET, { body: eventFixture('SessionStarted') })), 200, { received: true, ignored: true });
		expect(await executions.started()).toHaveLength(0);
		expectAnswer(await postDelivery(url(workflows.filtered.id), sign(SECRET, { body: eventFixture('SessionEnded') })), 200, { received: true });
		expect((await executions.started(1)).map(occupiedOutputs)).toEqual([[[routeIndexOf('SessionEnded'), 1]]]);
	});
});
