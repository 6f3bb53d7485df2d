import { randomUUID } from 'node:crypto';

import type { INodeExecutionData } from 'n8n-workflow';

import type { RejectionReason } from '../../nodes/VoisnapTrigger/contract/answers';
import { REJECTIONS } from '../../nodes/VoisnapTrigger/contract/answers';
import { hasWellFormedSignature, isSignedWith } from '../../nodes/VoisnapTrigger/contract/delivery';
import { sign } from '../../nodes/VoisnapTrigger/contract/signature';
import { ROUTES } from '../../nodes/VoisnapTrigger/contract/events';
import {
	REJECTION_ALERTING,
	RejectionAlertLimiter,
	isRejectionAlert,
	rejectionAlertJson,
} from '../../nodes/VoisnapTrigger/contract/rejectionAlerts';
import { configuredOutputs, routeItems } from '../../nodes/VoisnapTrigger/description/outputs';
import { REJECTION_ADVICE } from '../../nodes/VoisnapTrigger/description/rejectionAdvice';
import { eventFixture, nowSeconds, signedDelivery } from '../support/signedDelivery';
import { TriggerWorkflow } from './support/webhookRun';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 2, 4, 0, 0);

describe('RejectionAlertLimiter', () => {
	it('alerts on the first refusal of a reason at once, counting one since then', () => {
		expect(new RejectionAlertLimiter().record('signature_mismatch', T0, 10 * MINUTE)).toEqual({ count: 1, sinceMs: T0 });
	});

	it('within the interval it counts without alerting; the next refusal after it alerts with the count and since when', () => {
		const limiter = new RejectionAlertLimiter();
		limiter.record('signature_mismatch', T0, 10 * MINUTE);
		const during = [1, 2, 9.99].map((minutes) => limiter.record('signature_mismatch', T0 + minutes * MINUTE, 10 * MINUTE));
		expect(during).toEqual([undefined, undefined, undefined]);
		// Three refused during the interval plus this one; the first of them came a minute in.
		expect(limiter.record('signature_mismatch', T0 + 12 * MINUTE, 10 * MINUTE)).toEqual({ count: 4, sinceMs: T0 + MINUTE });
		// The interval starts again at that alert.
		expect(limiter.record('signature_mismatch', T0 + 21 * MINUTE, 10 * MINUTE)).toBeUndefined();
		expect(limiter.record('signature_mismatch', T0 + 22 * MINUTE, 10 * MINUTE)).toEqual({ count: 2, sinceMs: T0 + 21 * MINUTE });
	});

	it('after a quiet interval the next refusal alerts alone', () => {
		const limiter = new RejectionAlertLimiter();
		limiter.record('no_signing_secret', T0, MINUTE);
		expect(limiter.record('no_signing_secret', T0 + 5 * MINUTE, MINUTE)).toEqual({ count: 1, sinceMs: T0 + 5 * MINUTE });
	});

	it('each reason has its own interval', () => {
		const limiter = new RejectionAlertLimiter();
		expect(limiter.record('signature_mismatch', T0, 10 * MINUTE)).toEqual({ count: 1, sinceMs: T0 });
		expect(limiter.record('timestamp_too_old', T0 + 1, 10 * MINUTE)).toEqual({ count: 1, sinceMs: T0 + 1 });
		expect(limiter.record('signature_mismatch', T0 + 2, 10 * MINUTE)).toBeUndefined();
		expect(limiter.record('body_not_json', T0 + 3, 10 * MINUTE)).toEqual({ count: 1, sinceMs: T0 + 3 });
	});

	it('a clock set back does not alert early: the interval is measured from the last alert', () => {
		const limiter = new RejectionAlertLimiter();
		limiter.record('signature_mismatch', T0, 10 * MINUTE);
		expect(limiter.record('signature_mismatch', T0 - 5 * MINUTE, 10 * MINUTE)).toBeUndefined();
	});
});

describe('which refusals alert', () => {
	it('every reason is classified, junk never alerts, clock refusals only when signed', () => {
		expect(Object.keys(REJECTION_ALERTING).sort()).toEqual(Object.keys(REJECTIONS).sort());
		const by = (kind: string) =>
			(Object.keys(REJECTION_ALERTING) as RejectionReason[]).filter((reason) => REJECTION_ALERTING[reason] === kind).sort();
		expect(by('never')).toEqual(['signature_missing', 'timestamp_malformed', 'timestamp_missing']);
		expect(by('whenSigned')).toEqual(['timestamp_in_future', 'timestamp_too_old']);
		expect(by('afterScreen')).toEqual([
			'body_not_json',
			'body_not_object',
			'delivery_id_missing',
			'event_type_missing',
			'no_signing_secret',
			'signature_mismatch',
		]);
	});

	it('hasWellFormedSignature: a sha256= value of 64 hex digits, whatever the secret', () => {
		const body = eventFixture('SessionEnded');
		expect(hasWellFormedSignature(signedDelivery({ secret: 'whsec_other', body }))).toBe(true);
		expect(hasWellFormedSignature(signedDelivery({ secret: SECRET, body, signature: 'sha256=abc' }))).toBe(false);
		expect(hasWellFormedSignature(signedDelivery({ secret: SECRET, body, signature: null }))).toBe(false);
	});

	it('isSignedWith: verifies over the timestamp as sent, however old', () => {
		const body = eventFixture('SessionEnded');
		const stale = signedDelivery({ secret: SECRET, body, timestamp: nowSeconds() - 3600 });
		expect(isSignedWith(stale, [SECRET])).toBe(true);
		expect(isSignedWith(stale, ['whsec_other', SECRET])).toBe(true);
		expect(isSignedWith(stale, ['whsec_other'])).toBe(false);
		expect(isSignedWith(stale, [])).toBe(false);
		expect(isSignedWith({ ...stale, body: Buffer.concat([body, Buffer.from(' ')]) }, [SECRET])).toBe(false);
	});
});

describe('the Rejected output', () => {
	const alertItem = (): INodeExecutionData => ({
		json: rejectionAlertJson({
			reason: 'signature_mismatch',
			status: 401,
			message: 'Invalid signature',
			advice: REJECTION_ADVICE.signature_mismatch,
			deliveryId: 'dlv_1',
			receivedAt: new Date(T0).toISOString(),
			count: 1,
			since: new Date(T0).toISOString(),
		}) as never,
	});

	it('comes after all others, in both routings, only with the option on', () => {
		const on = { alertOnRejections: true };
		expect(configuredOutputs({ routing: 'byEventType', options: on }).map((output) => output.displayName)).toEqual([...ROUTES, 'Rejected']);
		expect(configuredOutputs({ routing: 'single', options: on })).toEqual([{ type: 'main' }, { type: 'main', displayName: 'Rejected' }]);
		expect(configuredOutputs({ routing: 'byEventType', options: { alertOnRejections: false } })).toEqual(configuredOutputs({ routing: 'byEventType' }));
		expect(configuredOutputs({ routing: 'single', options: {} })).toEqual([{ type: 'main' }]);
	});

	it("the outputs expression's source text works standalone with the option", () => {
		const evaluate = new Function('$parameter', `return (${configuredOutputs})($parameter);`);
		expect(evaluate({ routing: 'byEventType', options: { alertOnRejections: true } })).toHaveLength(7);
		expect(evaluate({ routing: 'single', options: { alertOnRejections: true } })).toHaveLength(2);
		expect(evaluate({ routing: 'single' })).toHaveLength(1);
	});

	it('an alert goes to Rejected, events stay on their outputs', () => {
		const event = { json: { type: 'Error', delivery: { id: 'dlv_2' } } };
		const byType = routeItems([alertItem(), event], false, true);
		expect(byType.map((items) => items.length)).toEqual([0, 0, 0, 0, 1, 0, 1]);
		expect(byType[6]).toEqual([{ ...alertItem(), pairedItem: { item: 0 } }]);
		const single = routeItems([alertItem(), event], true, true);
		expect(single.map((items) => items.length)).toEqual([1, 1]);
		expect(single[0][0].json).toBe(event.json);
	});

	it('an alert without the option goes nowhere, never to an event output', () => {
		expect(routeItems([alertItem()], false, false).flat()).toEqual([]);
		expect(routeItems([alertItem()], true, false)).toEqual([[]]);
	});

	it('a delivery item is never taken for an alert, even with a field named rejection', () => {
		expect(isRejectionAlert(alertItem().json)).toBe(true);
		expect(isRejectionAlert({ type: 'X', rejection: { reason: 'x' }, delivery: { id: 'dlv_1' } })).toBe(false);
		expect(isRejectionAlert({ type: 'X' })).toBe(false);
		expect(isRejectionAlert({ rejection: 'signature_mismatch' })).toBe(false);
	});
});

describe('Voisnap Trigger with Alert on Rejections, driven through n8n-core', () => {
	const workflowOf = (options: Record<string, unknown>, credential: Record<string, string> | null = { signingSecret: SECRET }) =>
		new TriggerWorkflow({
			workflowId: `wf-${randomUUID()}`,
			webhookId: randomUUID(),
			credential,
			parameters: { options: { alertOnRejections: true, ...options } },
		});
	const body = eventFixture('SessionEnded');

	it('a wrong secret: 401 as without the option, then one alert execution on Rejected with the item; the next within the interval none', async () => {
		const workflow = workflowOf({});
		const sent = signedDelivery({ secret: 'whsec_wrong', body, deliveryId: 'dlv_a' });
		const first = await workflow.deliver(sent);
		expect({ status: first.status, body: first.body, sends: first.sends }).toEqual({ status: 401, body: { error: 'Invalid signature' }, sends: 1 });
		expect(first.result?.noWebhookResponse).toBe(true);
		expect(first.steps).toEqual(['answer', 'insert']);
		expect(first.outputs?.map((items) => items.length)).toEqual([0, 0, 0, 0, 0, 0, 1]);
		const json = first.outputs?.[6][0].json as { rejection: Record<string, unknown> };
		expect(json).toEqual({
			rejection: {
				reason: 'signature_mismatch',
				status: 401,
				message: 'Invalid signature',
				advice: REJECTION_ADVICE.signature_mismatch,
				deliveryId: 'dlv_a',
				receivedAt: expect.stringMatching(/Z$/),
				count: 1,
				since: json.rejection.receivedAt,
			},
		});
		// Never the body, the signature, the expected signature or a secret.
		const expected = sign(SECRET, sent.headers['x-webhook-timestamp'], body).slice('sha256='.length);
		const text = JSON.stringify(json);
		for (const secretOrBody of [sent.headers['x-webhook-signature'].slice('sha256='.length), expected, SECRET, 'whsec_wrong', 'conv_']) {
			expect({ secretOrBody, inItem: text.includes(secretOrBody) }).toEqual({ secretOrBody, inItem: false });
		}
		expect(body.toString('utf8')).toContain('conv_');
		expect(first.staticDataChanged).toBe(false);
		expect(workflow.storedStaticData()).toEqual({});

		const second = await workflow.deliver(signedDelivery({ secret: 'whsec_wrong', body }));
		expect({ status: second.status, result: second.result, outputs: second.outputs }).toEqual({
			status: 401,
			result: { noWebhookResponse: true },
			outputs: undefined,
		});
	});

	it('junk (no timestamp, malformed signature, no signature) never alerts and never loads the credential', async () => {
		const workflow = workflowOf({});
		const junk = [
			signedDelivery({ secret: SECRET, body, timestamp: '' }),
			signedDelivery({ secret: SECRET, body, signature: 'sha256=nothex' }),
			signedDelivery({ secret: SECRET, body, signature: null }),
			signedDelivery({ secret: SECRET, body, timestamp: 'soon' }),
		];
		for (const delivery of junk) {
			const outcome = await workflow.deliver(delivery);
			expect({ status: outcome.status, result: outcome.result }).toEqual({ status: outcome.status, result: { noWebhookResponse: true } });
			expect(outcome.status === 400 || outcome.status === 401).toBe(true);
		}
		expect(workflow.credentialLoads).toBe(0);
	});

	it('a stale timestamp alerts only when the signature verifies with the secret (a clock problem)', async () => {
		const workflow = workflowOf({});
		const forged = await workflow.deliver(signedDelivery({ secret: 'whsec_wrong', body, timestamp: nowSeconds() - 3600 }));
		expect({ status: forged.status, result: forged.result }).toEqual({ status: 400, result: { noWebhookResponse: true } });
		const genuine = await workflow.deliver(signedDelivery({ secret: SECRET, body, timestamp: nowSeconds() + 3600, deliveryId: 'dlv_f' }));
		expect({ status: genuine.status, body: genuine.body }).toEqual({ status: 400, body: { error: 'Timestamp outside the tolerance (in the future)' } });
		expect((genuine.outputs?.[6][0].json as { rejection: unknown }).rejection).toMatchObject({
			reason: 'timestamp_in_future',
			status: 400,
			deliveryId: 'dlv_f',
			count: 1,
		});
	});

	it('a trigger without a secret alerts once (500 as before)', async () => {
		const workflow = workflowOf({}, null);
		const outcome = await workflow.deliver(signedDelivery({ secret: SECRET, body }));
		expect(outcome.status).toBe(500);
		expect((outcome.outputs?.[6][0].json as { rejection: unknown }).rejection).toMatchObject({ reason: 'no_signing_secret', status: 500, count: 1 });
	});

	it('a genuine delivery still goes to its event output, answered and remembered as without the option', async () => {
		const workflow = workflowOf({});
		const outcome = await workflow.deliver(signedDelivery({ secret: SECRET, body, deliveryId: 'dlv_ok' }));
		expect({ status: outcome.status, body: outcome.body }).toEqual({ status: 200, body: { received: true } });
		expect(outcome.outputs?.map((items) => items.length)).toEqual([0, 1, 0, 0, 0, 0, 0]);
		expect((await workflow.deliver(signedDelivery({ secret: SECRET, body, deliveryId: 'dlv_ok' }))).body).toEqual({ received: true, duplicate: true });
	});

	it('the option off: a wrong secret starts nothing', async () => {
		const workflow = workflowOf({ alertOnRejections: false });
		const outcome = await workflow.deliver(signedDelivery({ secret: 'whsec_wrong', body }));
		expect({ status: outcome.status, result: outcome.result, outputs: outcome.outputs }).toEqual({
			status: 401,
			result: { noWebhookResponse: true },
			outputs: undefined,
		});
	});

	it('test mode keeps the failed test run with its advice, and starts no alert', async () => {
		const workflow = workflowOf({});
		const outcome = await workflow.deliver(signedDelivery({ secret: 'whsec_wrong', body }), 'manual');
		expect(outcome.status).toBe(401);
		expect(outcome.error?.message).toBe('Delivery rejected with 401: Invalid signature');
		expect(outcome.outputs).toBeUndefined();
	});
});
