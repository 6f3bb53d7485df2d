import { randomUUID } from 'node:crypto';

import type { ICredentialTestFunctions, IHookFunctions, INodeOutputConfiguration } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { VoisnapApi } from '../../credentials/VoisnapApi.credentials';
import { ROUTES } from '../../nodes/VoisnapTrigger/contract/events';
import { VoisnapTrigger } from '../../nodes/VoisnapTrigger/VoisnapTrigger.node';
import {
	eventFixture,
	eventFixtureNames,
	nowSeconds,
	signedDelivery,
} from '../support/signedDelivery';
import { TriggerWorkflow, nodeTypeOfNewProcess } from './support/webhookRun';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PREVIOUS_SECRET = 'whsec_previous_0123456789';

/** Each test its own trigger, so the process-wide store never leaks between tests. */
function freshIds() {
	return { workflowId: `wf-${randomUUID()}`, webhookId: randomUUID() };
}

function triggerWorkflow(setup: ConstructorParameters<typeof TriggerWorkflow>[0] = {}) {
	return new TriggerWorkflow({ credential: { signingSecret: SECRET }, ...freshIds(), ...setup });
}

function delivery(overrides: Partial<Parameters<typeof signedDelivery>[0]> = {}) {
	return signedDelivery({ secret: SECRET, body: eventFixture('SessionEnded'), ...overrides });
}

/** The output index each emitted item landed on. */
function landedOn(outputs: unknown[][] | undefined): number[] {
	return (outputs ?? []).flatMap((items, index) => items.map(() => index));
}

describe('Voisnap Trigger driven through n8n-core', () => {
	describe('answers (the contract table, through the node)', () => {
		it('accepts a genuine delivery: 200 {"received":true} once n8n has stored the execution, which routes it', async () => {
			const outcome = await triggerWorkflow().deliver(delivery());
			expect(outcome.status).toBe(200);
			expect(outcome.body).toEqual({ received: true });
			expect(outcome.sends).toBe(1);
			// n8n answers, with what the trigger gave it, after the insert and the static-data save.
			expect(outcome.result?.noWebhookResponse).toBeUndefined();
			expect(outcome.steps).toEqual(['insert', 'save', 'answer']);
			expect(landedOn(outcome.result?.workflowData)).toEqual([0]);
			expect(landedOn(outcome.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
		});

		it('answers a repeated delivery id 200 duplicate and starts nothing', async () => {
			const workflow = triggerWorkflow();
			const first = delivery();
			await workflow.deliver(first);
			const second = await workflow.deliver(first);
			expect(second.status).toBe(200);
			expect(second.body).toEqual({ received: true, duplicate: true });
			expect(second.result).toEqual({ noWebhookResponse: true });
		});

		it('answers the same signed request under a new delivery id as a duplicate (replay)', async () => {
			const workflow = triggerWorkflow();
			const original = delivery();
			await workflow.deliver(original);
			const replay = {
				...original,
				headers: { ...original.headers, 'x-webhook-delivery-id': 'dlv_attacker_chosen' },
			};
			const outcome = await workflow.deliver(replay);
			expect(outcome.body).toEqual({ received: true, duplicate: true });
			expect(outcome.result?.workflowData).toBeUndefined();
		});

		it('answers an event type outside the Events filter 200 ignored and starts nothing', async () => {
			const workflow = triggerWorkflow({ parameters: { events: ['SessionStarted', 'Error'] } });
			const outcome = await workflow.deliver(delivery());
			expect(outcome.status).toBe(200);
			expect(outcome.body).toEqual({ received: true, ignored: true });
			expect(outcome.result).toEqual({ noWebhookResponse: true });
		});

		it.each([
			['stale', { timestamp: nowSeconds() - 301 }],
			['future', { timestamp: nowSeconds() + 303 }],
			['milliseconds', { timestamp: Date.now() }],
			['malformed', { timestamp: '17642016OO' }],
		])('rejects a %s timestamp with 400 and starts nothing', async (_name, overrides) => {
			const outcome = await triggerWorkflow().deliver(delivery(overrides));
			expect(outcome.status).toBe(400);
			expect(outcome.body).toEqual({ error: expect.stringMatching(/timestamp/i) });
			expect(outcome.result).toEqual({ noWebhookResponse: true });
		});

		it.each([
			['missing', { signature: null }],
			['wrong', { signature: `sha256=${'0'.repeat(64)}` }],
			['signed with another secret', { secret: 'whsec_other' }],
		])('rejects a %s signature with 401 {"error":"Invalid signature"}', async (_name, overrides) => {
			const outcome = await triggerWorkflow().deliver(delivery(overrides));
			expect(outcome.status).toBe(401);
			expect(outcome.body).toEqual({ error: 'Invalid signature' });
			expect(outcome.result).toEqual({ noWebhookResponse: true });
		});

		it('rejects a genuine body that is not an event with 400', async () => {
			const outcome = await triggerWorkflow().deliver(delivery({ body: '[{"type":"SessionEnded"}]' }));
			expect(outcome.status).toBe(400);
			expect(outcome.body).toEqual({ error: 'Body is not a JSON object' });
		});

		it('rejects a genuine delivery without a delivery id while deduplicating, accepts it when not', async () => {
			const rejected = await triggerWorkflow().deliver(delivery({ deliveryId: null }));
			expect(rejected.status).toBe(400);
			expect(rejected.body).toEqual({ error: expect.stringContaining('X-Webhook-Delivery-Id') });

			const workflow = triggerWorkflow({ parameters: { options: { deduplicate: false } } });
			const accepted = await workflow.deliver(delivery({ deliveryId: null }));
			expect(accepted.status).toBe(200);
			const item = accepted.result?.workflowData?.flat()[0];
			expect((item?.json.delivery as { id: unknown }).id).toBeNull();
		});

		it.each([
			['no credential selected', null],
			['an empty secret', { signingSecret: '' }],
			['a secret of white space', { signingSecret: '   ' }],
		])('answers 500 naming the misconfiguration for %s', async (_name, credential) => {
			const outcome = await triggerWorkflow({ credential }).deliver(delivery());
			expect(outcome.status).toBe(500);
			expect(outcome.body).toEqual({ error: expect.stringMatching(/misconfigured.*signing secret/) });
			expect(outcome.result).toEqual({ noWebhookResponse: true });
		});

		it('accepts a delivery signed with the previous secret while it is set', async () => {
			const credential = { signingSecret: SECRET, previousSigningSecret: PREVIOUS_SECRET };
			const outcome = await triggerWorkflow({ credential }).deliver(delivery({ secret: PREVIOUS_SECRET }));
			expect(outcome.status).toBe(200);
			const removed = await triggerWorkflow().deliver(delivery({ secret: PREVIOUS_SECRET }));
			expect(removed.status).toBe(401);
		});

		it('honours a custom timestamp tolerance', async () => {
			const workflow = triggerWorkflow({ parameters: { options: { toleranceSeconds: 30 } } });
			expect((await workflow.deliver(delivery({ timestamp: nowSeconds() - 29 }))).status).toBe(200);
			expect((await workflow.deliver(delivery({ timestamp: nowSeconds() - 45 }))).status).toBe(400);
		});
	});

	describe('rejections are visible', () => {
		it('logs a warning with the reason code and delivery id, never the secret or a signature', async () => {
			const bad = delivery({ deliveryId: 'dlv_visible', signature: `sha256=${'a'.repeat(64)}` });
			const outcome = await triggerWorkflow().deliver(bad);
			expect(outcome.logs).toEqual([
				expect.objectContaining({
					level: 'warn',
					message: expect.stringContaining('signature_mismatch'),
					meta: expect.objectContaining({ reason: 'signature_mismatch', deliveryId: 'dlv_visible', status: 401 }),
				}),
			]);
			const logged = JSON.stringify(outcome.logs);
			expect(logged).not.toContain(SECRET);
			expect(logged).not.toContain('a'.repeat(64));
			const genuine = delivery().headers['x-webhook-signature'].slice('sha256='.length);
			expect(logged).not.toContain(genuine);
		});

		it('in test mode answers the client as usual, then fails the test run with the reason for the editor', async () => {
			const outcome = await triggerWorkflow().deliver(delivery({ signature: null }), 'manual');
			expect(outcome.status).toBe(401);
			expect(outcome.body).toEqual({ error: 'Invalid signature' });
			expect(outcome.error?.message).toBe('Delivery rejected with 401: Invalid signature');
			expect((outcome.error as { description?: string }).description).toContain('signature_missing');
			// n8n then answers the failed test run with a 500 of its own: it must not reach the sender.
			outcome.response.status(500).json({ message: 'Workflow could not be started!' });
			expect([outcome.response.statusCode, outcome.response.body, outcome.response.sends]).toEqual([
				401,
				{ error: 'Invalid signature' },
				1,
			]);
		});

		it('logs nothing at warn level for duplicates and ignored events', async () => {
			const workflow = triggerWorkflow({ parameters: { events: ['Error'] } });
			const ignored = await workflow.deliver(delivery());
			expect(ignored.logs.filter((line) => line.level === 'warn')).toEqual([]);
		});
	});

	describe('outputs and items', () => {
		it.each(eventFixtureNames())('routes %s to its named output with the documented item', async (name) => {
			const body = eventFixture(name);
			const now = nowSeconds();
			const outcome = await triggerWorkflow().deliver(delivery({ body, deliveryId: `dlv_${name}`, timestamp: now }));
			const expectedRoute = (ROUTES as readonly string[]).includes(name) ? name : 'Other';
			expect(landedOn(outcome.outputs)).toEqual([ROUTES.indexOf(expectedRoute as never)]);
			const item = outcome.result!.workflowData!.flat()[0].json;
			expect(item).toEqual({
				...JSON.parse(body.toString('utf8')),
				delivery: {
					id: `dlv_${name}`,
					timestamp: new Date(now * 1000).toISOString(),
					receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
				},
			});
		});

		it('puts every event on the one output with routing "single"', async () => {
			const workflow = triggerWorkflow({ parameters: { routing: 'single' } });
			const outcome = await workflow.deliver(delivery({ body: eventFixture('Error') }));
			expect(outcome.outputs).toHaveLength(1);
			expect(landedOn(outcome.outputs)).toEqual([0]);
		});

		it('adds headers (without the signature) and the raw body only when asked', async () => {
			const plain = await triggerWorkflow().deliver(delivery());
			const plainItem = plain.result!.workflowData!.flat()[0].json;
			expect(plainItem).not.toHaveProperty('headers');
			expect(plainItem).not.toHaveProperty('rawBody');

			const body = '{ "type":"SessionStarted", "data": {"conversationId":"c1"}, "note":"caf\u00e9 1.0" }';
			const workflow = triggerWorkflow({ parameters: { options: { includeHeaders: true, includeRawBody: true } } });
			const outcome = await workflow.deliver(delivery({ body }));
			const item = outcome.result!.workflowData!.flat()[0].json;
			expect(item.rawBody).toBe(body);
			expect(item.headers).toEqual(
				expect.objectContaining({ 'x-webhook-timestamp': expect.any(String), 'content-type': 'application/json' }),
			);
			expect(item.headers).not.toHaveProperty('x-webhook-signature');
		});

		it("has outputs that n8n's own evaluation of the outputs expression names after the routes", () => {
			const description = new VoisnapTrigger().description;
			const outputsFor = (routing: string) => {
				const { workflow, node } = triggerWorkflow({ parameters: { routing } });
				return NodeHelpers.getNodeOutputs(workflow, node, description) as INodeOutputConfiguration[];
			};
			expect(outputsFor('byEventType').map((output) => output.displayName)).toEqual([...ROUTES]);
			expect(outputsFor('single')).toEqual([{ type: 'main' }]);
		});
	});

	describe('deduplication in static data', () => {
		it('marks static data changed for an accepted delivery only, so n8n saves it then', async () => {
			const workflow = triggerWorkflow();
			const first = delivery();
			expect((await workflow.deliver(first)).staticDataChanged).toBe(true);
			expect((await workflow.deliver(first)).staticDataChanged).toBe(false);
			expect((await workflow.deliver(delivery({ signature: null }))).staticDataChanged).toBe(false);
		});

		it('keeps the store under the webhook id in global static data, compactly', async () => {
			const ids = freshIds();
			const workflow = triggerWorkflow(ids);
			await workflow.deliver(delivery());
			const stored = workflow.storedStaticData();
			expect(Object.keys(stored)).toEqual(['global']);
			const store = (stored.global as Record<string, { d: string }>)[`voisnap:${ids.webhookId}`];
			expect(store).toEqual({ v: 1, w: expect.any(String), d: expect.any(String), r: expect.any(String) });
			expect(store.d).toHaveLength(19);
		});

		it('remembers across a restart of n8n and a rename of the node (static data only)', async () => {
			const ids = freshIds();
			const first = delivery();
			const before = triggerWorkflow(ids);
			await before.deliver(first);
			const after = triggerWorkflow({
				...ids,
				nodeName: 'Calls from Voisnap',
				staticData: before.storedStaticData(),
				nodeType: nodeTypeOfNewProcess(),
			});
			const outcome = await after.deliver(first);
			expect(outcome.body).toEqual({ received: true, duplicate: true });
		});

		it('forgets everything in a new process when static data was not saved (the control for the test above)', async () => {
			const ids = freshIds();
			const first = delivery();
			await triggerWorkflow(ids).deliver(first);
			const outcome = await triggerWorkflow({ ...ids, nodeType: nodeTypeOfNewProcess() }).deliver(first);
			expect(outcome.body).toEqual({ received: true });
		});

		it('starts one execution for two copies in flight at once on separate snapshots', async () => {
			const ids = freshIds();
			const copy = delivery();
			const [a, b] = await Promise.all([triggerWorkflow(ids).deliver(copy), triggerWorkflow(ids).deliver(copy)]);
			const started = [a, b].filter((outcome) => outcome.result?.workflowData !== undefined);
			expect(started).toHaveLength(1);
			expect([a.body, b.body]).toEqual(
				expect.arrayContaining([{ received: true }, { received: true, duplicate: true }]),
			);
		});

		it('writes back an id that a concurrent save overwrote, with the next delivery', async () => {
			const ids = freshIds();
			const emptySnapshot = {};
			const lost = delivery({ deliveryId: 'dlv_lost', body: eventFixture('SessionStarted') });
			const later = delivery({ deliveryId: 'dlv_later', body: eventFixture('SessionEnded') });
			// Both requests loaded the empty snapshot; the second save overwrites the first.
			await triggerWorkflow({ ...ids, staticData: emptySnapshot }).deliver(lost);
			const second = triggerWorkflow({ ...ids, staticData: emptySnapshot });
			await second.deliver(later);
			const restarted = triggerWorkflow({
				...ids,
				staticData: second.storedStaticData(),
				nodeType: nodeTypeOfNewProcess(),
			});
			expect((await restarted.deliver(lost)).body).toEqual({ received: true, duplicate: true });
			expect((await restarted.deliver(later)).body).toEqual({ received: true, duplicate: true });
		});

		it('drops the oldest ids beyond Dedup Max Entries', async () => {
			const workflow = triggerWorkflow({ parameters: { options: { dedupMaxEntries: 2 } } });
			const [a, b, c] = ['dlv_a', 'dlv_b', 'dlv_c'].map((deliveryId) =>
				delivery({ deliveryId, body: `{"type":"SessionStarted","n":"${deliveryId}"}` }),
			);
			for (const each of [a, b, c]) expect((await workflow.deliver(each)).body).toEqual({ received: true });
			expect((await workflow.deliver(c)).body).toEqual({ received: true, duplicate: true });
			// dlv_a was forgotten; its request signature too (cap applies to both memories).
			expect((await workflow.deliver(a)).body).toEqual({ received: true });
		});

		it('neither reads nor writes the store in test mode', async () => {
			const workflow = triggerWorkflow();
			const copy = delivery();
			const first = await workflow.deliver(copy, 'manual');
			const second = await workflow.deliver(copy, 'manual');
			expect([first.body, second.body]).toEqual([{ received: true }, { received: true }]);
			expect(first.staticDataChanged).toBe(false);
			expect(workflow.storedStaticData()).toEqual({});
			// And a later production delivery of the same id is still new.
			expect((await workflow.deliver(copy)).body).toEqual({ received: true });
		});
	});

	describe('credential and registration', () => {
		const credentialTest = new VoisnapTrigger().methods.credentialTest.voisnapSigningSecret;
		const check = async (data: Record<string, string>) =>
			await credentialTest.call({} as ICredentialTestFunctions, { id: '1', name: 'Voisnap', type: 'voisnapApi', data });

		it.each([
			[{ signingSecret: '' }, 'Signing Secret is empty'],
			[{ signingSecret: '   ' }, 'Signing Secret is only white space'],
			[{ signingSecret: ' whsec_abc ' }, 'Signing Secret starts or ends with white space'],
			[{ signingSecret: 'whsec_abc', previousSigningSecret: 'whsec_old\n' }, 'Previous Signing Secret starts or ends'],
		])('refuses %j, saying the check is local', async (data, message) => {
			const result = await check(data);
			expect(result.status).toBe('Error');
			expect(result.message).toContain(message);
			expect(result.message).toContain('checked locally');
		});

		it('accepts a usable secret, saying the check is local', async () => {
			const result = await check({ signingSecret: 'whsec_abc' });
			expect(result).toEqual({ status: 'OK', message: expect.stringContaining('checked locally') });
		});

		it('ties the node to the voisnapApi credential, tested by that function', () => {
			const description = new VoisnapTrigger().description;
			expect(description.credentials).toEqual([{ name: 'voisnapApi', required: true, testedBy: 'voisnapSigningSecret' }]);
			const credential = new VoisnapApi();
			expect(credential.name).toBe('voisnapApi');
			expect(credential.properties.map((property) => [property.name, property.typeOptions?.password])).toEqual([
				['signingSecret', true],
				['previousSigningSecret', true],
			]);
		});

		it('is one node in versions 1 and 2, new nodes getting 2 (README "Version history")', () => {
			const description = new VoisnapTrigger().description;
			expect(description.version).toEqual([1, 2]);
			expect(description.defaultVersion).toBe(2);
		});

		/** What n8n hands webhookMethods at activation: the workflow's settings and the node. */
		function hookContext(settings: Record<string, unknown> | undefined): IHookFunctions {
			const node = { id: 'n1', name: 'Voisnap Trigger', type: 'n8n-nodes-voisnap.voisnapTrigger', typeVersion: 2, position: [0, 0], parameters: {} };
			return {
				getNode: () => node,
				...(settings ? { getWorkflowSettings: () => settings } : {}),
			} as unknown as IHookFunctions;
		}

		it('reports that there is never anything to register with Voisnap', async () => {
			const methods = new VoisnapTrigger().webhookMethods.default;
			for (const context of [hookContext(undefined), hookContext({}), hookContext({ engineType: 'v1' })]) {
				await expect(methods.checkExists.call(context)).resolves.toBe(true);
				await expect(methods.create.call(context)).resolves.toBe(true);
				await expect(methods.delete.call(context)).resolves.toBe(true);
			}
		});

		it('refuses to activate a workflow set to n8n\'s Engine 2.0, saying why and what to do', async () => {
			const methods = new VoisnapTrigger().webhookMethods.default;
			const v2 = hookContext({ engineType: 'v2' });
			await expect(methods.checkExists.call(v2)).rejects.toThrow("does not run on n8n's Engine 2.0 yet");
			await expect(methods.create.call(v2)).rejects.toMatchObject({ description: expect.stringContaining('back to the default (v1)') });
			// Deactivating is never refused.
			await expect(methods.delete.call(v2)).resolves.toBe(true);
		});
	});
});
