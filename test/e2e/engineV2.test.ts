/**
 * n8n's Engine 2.0 (a workflow's `settings.engineType: 'v2'`, opt-in from n8n 2.39): the trigger's
 * guarantees were not measured there, so activating such a workflow is refused with the reason
 * and what to do (nodes/VoisnapTrigger/n8n/engine.ts), the way a user meets it: the editor's
 * activation request. The same workflow on the default engine activates and answers, so the
 * refusal is the engine's and not the harness's.
 */
import { N8nInstance, isRegistered, voisnapWorkflow } from '../harness';
import type { WorkflowJson } from '../harness';
import { eventFixture } from '../support/signedDelivery';
import { N8N_VERSION, START_TIMEOUT_MS, TEST_TIMEOUT_MS, deliver, sign, track } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_engineV2Refusal7c1d90e4b2a6';
const [major, minor] = N8N_VERSION.split('.').map(Number);
const HAS_ENGINE_V2 = major > 2 || (major === 2 && minor >= 39);

function withEngine(workflow: WorkflowJson, engineType: 'v1' | 'v2'): WorkflowJson {
	return { ...workflow, settings: { ...workflow.settings, engineType } };
}

const workflows = {
	v2: withEngine(voisnapWorkflow({ name: 'Engine 2.0', active: false }), 'v2'),
	v1: withEngine(voisnapWorkflow({ name: 'default engine', active: false }), 'v1'),
};

(HAS_ENGINE_V2 ? describe : describe.skip)(`n8n ${N8N_VERSION}: a workflow set to Engine 2.0`, () => {
	let n8n: N8nInstance;

	beforeAll(async () => {
		n8n = await N8nInstance.start({ version: N8N_VERSION, credential: { signingSecret: SECRET }, workflows: Object.values(workflows), setUpOwner: true });
	}, START_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.stop();
	});

	/** The editor's Publish: n8n 2.41 queues the activation (its publication outbox) and answers at once. */
	async function activate(workflow: WorkflowJson, pushRef?: string) {
		const rest = await n8n.restSession();
		const stored = await rest.request('GET', `/rest/workflows/${workflow.id}`);
		const versionId = (stored.body as { data: { versionId: string } }).data.versionId;
		const answer = await rest.request('POST', `/rest/workflows/${workflow.id}/activate`, { versionId }, pushRef ? { 'push-ref': pushRef } : {});
		expect([answer.status, answer.text.slice(0, 300)]).toEqual([200, expect.any(String)]);
	}

	/** Polls until `check` gives a value, for at most `ms`. */
	async function eventually<T>(check: () => Promise<T | undefined>, ms = 60_000): Promise<T | undefined> {
		const until = Date.now() + ms;
		for (;;) {
			const value = await check();
			if (value !== undefined || Date.now() > until) return value;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}

	test('is refused at activation, the reason and what to do sent to the editor; its URL answers nothing and starts nothing', async () => {
		const editor = await n8n.openEditor();
		try {
			await activate(workflows.v2, editor.pushRef);
			// n8n 2.41 activates through its publication outbox, polled every 15 s.
			const failed = await editor.waitFor('workflowFailedToActivate', 60_000);
			expect(failed.data).toMatchObject({
				workflowId: workflows.v2.id,
				errorMessage: expect.stringContaining("The Voisnap Trigger does not run on n8n's Engine 2.0 yet"),
			});
		} finally {
			editor.close();
		}
		expect(await isRegistered(n8n.webhookUrl(workflows.v2.id))).toBe(false);
		const delivery = await deliver(n8n, workflows.v2, sign(SECRET, { body: eventFixture('SessionEnded') }));
		expect(delivery.status).toBe(404);
		expect(await n8n.executions(workflows.v2.id)).toEqual([]);
	});

	test('the same workflow on the default engine activates and runs a delivery', async () => {
		await activate(workflows.v1);
		expect(await eventually(async () => ((await isRegistered(n8n.webhookUrl(workflows.v1.id))) ? true : undefined))).toBe(true);
		const runs = await track(n8n, workflows.v1);
		const delivery = await deliver(n8n, workflows.v1, sign(SECRET, { body: eventFixture('SessionEnded') }));
		expect([delivery.status, delivery.text]).toEqual([200, '{"received":true}']);
		expect((await runs.started(1)).map((execution) => execution.status)).toEqual(['success']);
	});
});
