import { REJECTIONS } from '../../nodes/VoisnapTrigger/contract/answers';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../nodes/VoisnapTrigger/contract/constants';
import type { DeliveryPolicy, DeliveryRequest, DuplicateGuard, Verdict } from '../../nodes/VoisnapTrigger/contract/delivery';
import { checkDelivery, screenDelivery } from '../../nodes/VoisnapTrigger/contract/delivery';
import type { Claim } from '../../nodes/VoisnapTrigger/contract/claims';
import type { StoreLimits } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { TriggerMemory } from '../../nodes/VoisnapTrigger/contract/triggerMemory';
import { ALL_EVENTS, selectsType } from '../../nodes/VoisnapTrigger/contract/eventsFilter';
import { sign } from '../../nodes/VoisnapTrigger/contract/signature';
import published from '../fixtures/signature-vectors.json';
import { eventFixture, signedDelivery } from '../support/signedDelivery';

const SECRET = published.vectors[0].secret;
const PREVIOUS_SECRET = 'whsec_example_rotated_out_last_week';
const NOW = 1_764_201_600;
const TOLERANCE = 300;
const DELIVERY_ID = 'dlv_01JD8Z4W6K3N5P7R9T2V4X6Z8B';
const BODY = eventFixture('SessionEnded');
const LIMITS: StoreLimits = { retentionSeconds: 86_400, maxEntries: 10_000, replayWindowSeconds: 2 * TOLERANCE };

const ACCEPTED = { received: true };
const DUPLICATE = { received: true, duplicate: true };
const IGNORED = { received: true, ignored: true };
const INVALID_SIGNATURE = { error: 'Invalid signature' };

/**
 * A DuplicateGuard as the node builds one: a real TriggerMemory and a "database" snapshot. A
 * claim is confirmed (n8n stored the execution) at once, unless `storing` holds it open.
 */
class StoreGuard implements DuplicateGuard {
	// Each instance its own writer, as in n8n: a store skips only snapshots it wrote itself.
	readonly memory = new TriggerMemory();
	saved: unknown = undefined;
	now = NOW;
	/** While true, claims stay open: n8n has not stored the execution yet. */
	storing = false;
	capacity = Infinity;
	readonly open: Claim[] = [];

	findDuplicate(deliveryId: string, digest: Buffer) {
		this.memory.absorb(this.saved, this.now * 1000, LIMITS);
		const found = this.memory.check(deliveryId, digest, this.now * 1000);
		return typeof found === 'object' ? 'in_flight' : found;
	}

	atCapacity() {
		return this.open.filter((claim) => this.memory.isOpen(claim)).length >= this.capacity;
	}

	claim(deliveryId: string, digest: Buffer) {
		const claim = this.memory.claim(deliveryId, digest, this.now * 1000);
		if (this.storing) this.open.push(claim);
		else this.confirm(claim);
	}

	confirm(claim: Claim) {
		this.memory.confirm(claim, this.now * 1000, LIMITS);
		this.saved = JSON.parse(JSON.stringify(this.memory.snapshot()));
	}
}

/** The one valid delivery every test mutates: SessionEnded, signed now, with a delivery id. */
function validRequest(overrides: { body?: Buffer | string | object; timestamp?: number | string; deliveryId?: string | null; signature?: string | null } = {}): DeliveryRequest {
	return signedDelivery({ secret: SECRET, body: BODY, timestamp: NOW, deliveryId: DELIVERY_ID, ...overrides });
}

function policy(overrides: Partial<DeliveryPolicy> & { events?: string[] } = {}): DeliveryPolicy {
	const { events = [ALL_EVENTS], ...rest } = overrides;
	return {
		secrets: [SECRET],
		toleranceSeconds: TOLERANCE,
		requireDeliveryId: true,
		acceptsType: (type) => selectsType(events, type),
		guard: new StoreGuard(),
		...rest,
	};
}

const headerOf = (request: DeliveryRequest, name: string) => {
	const value = request.headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * Runs the pipeline and checks what holds for every answer: its body never carries a secret or
 * the signature the request should have had.
 */
function answer(request: DeliveryRequest, checkPolicy: DeliveryPolicy = policy(), now = NOW): Verdict {
	const verdict = checkDelivery(request, checkPolicy, now);
	const text = JSON.stringify(verdict.body);
	const timestamp = headerOf(request, TIMESTAMP_HEADER) ?? '';
	for (const secret of [SECRET, PREVIOUS_SECRET, ...checkPolicy.secrets]) {
		expect(text).not.toContain(secret);
		const expectedHex = sign(secret, timestamp, request.body).slice('sha256='.length);
		expect(text.toLowerCase()).not.toContain(expectedHex);
		expect(text.toLowerCase()).not.toContain(expectedHex.slice(0, 16));
	}
	return verdict;
}

/** status, body and outcome (and reason when refused), for exact comparison. */
const summary = (verdict: Verdict) => ({
	status: verdict.status,
	body: verdict.body,
	outcome: verdict.outcome,
	...(verdict.outcome === 'rejected' ? { reason: verdict.reason } : {}),
});

const rejected = (status: number, reason: keyof typeof REJECTIONS, error: string) => ({
	status,
	body: { error },
	outcome: 'rejected',
	reason,
});

describe('the answers table', () => {
	describe('genuine, first time: 200 {"received":true}', () => {
		it('is accepted, with its route, signed timestamp and delivery id', () => {
			const verdict = answer(validRequest());
			expect(verdict).toEqual({
				outcome: 'accepted',
				status: 200,
				body: ACCEPTED,
				routed: { route: 'SessionEnded', event: JSON.parse(BODY.toString('utf8')) },
				timestamp: NOW,
				deliveryId: DELIVERY_ID,
			});
		});

		it('the answer body is exactly {"received":true}', () => {
			expect(JSON.stringify(answer(validRequest()).body)).toBe('{"received":true}');
		});

		it('signed with the previous secret: accepted', () => {
			const request = validRequest({ signature: sign(PREVIOUS_SECRET, NOW, BODY) });
			expect(summary(answer(request, policy({ secrets: [SECRET, PREVIOUS_SECRET] })))).toEqual({
				status: 200,
				body: ACCEPTED,
				outcome: 'accepted',
			});
		});

		it('an unknown event type is accepted on the Other route', () => {
			const verdict = answer(validRequest({ body: eventFixture('VoicemailDetected') }));
			expect(verdict).toMatchObject({ outcome: 'accepted', status: 200, body: ACCEPTED, routed: { route: 'Other' } });
		});

		it('the signature header sent twice, one value matching: accepted', () => {
			const request = validRequest();
			request.headers[SIGNATURE_HEADER] = ['sha256=' + '0'.repeat(64), sign(SECRET, NOW, BODY)];
			expect(answer(request).outcome).toBe('accepted');
		});

		it('a delivery id is not required while deduplication is off, and nothing is remembered', () => {
			const guard = { findDuplicate: jest.fn(), atCapacity: jest.fn(() => false), claim: jest.fn() };
			const verdict = answer(validRequest({ deliveryId: null }), policy({ requireDeliveryId: false, guard }));
			expect(verdict).toMatchObject({ outcome: 'accepted', status: 200, body: ACCEPTED, deliveryId: undefined });
			expect(guard.findDuplicate).not.toHaveBeenCalled();
			expect(guard.claim).not.toHaveBeenCalled();
		});

		it('without a guard (test mode) the same delivery is accepted every time', () => {
			const testMode = policy({ guard: undefined });
			expect(answer(validRequest(), testMode).outcome).toBe('accepted');
			expect(answer(validRequest(), testMode).outcome).toBe('accepted');
		});
	});

	describe('genuine, already seen: 200 {"received":true,"duplicate":true}', () => {
		it('the same delivery id again is a duplicate', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			expect(answer(validRequest(), checkPolicy)).toEqual({
				outcome: 'duplicate',
				status: 200,
				body: DUPLICATE,
				duplicate: 'delivery_id',
				deliveryId: DELIVERY_ID,
			});
		});

		it('the answer body is exactly {"received":true,"duplicate":true}', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			expect(JSON.stringify(answer(validRequest(), checkPolicy).body)).toBe('{"received":true,"duplicate":true}');
		});

		it('a retry signed anew a minute later under the same id is a duplicate', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			(checkPolicy.guard as StoreGuard).now = NOW + 60;
			const retry = validRequest({ timestamp: NOW + 60 });
			expect(summary(answer(retry, checkPolicy, NOW + 60))).toEqual({ status: 200, body: DUPLICATE, outcome: 'duplicate' });
		});

		it('the very same signed request replayed under a new delivery id is a duplicate (replay)', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			const replayed = validRequest();
			replayed.headers[DELIVERY_ID_HEADER] = 'dlv_forged_new_id';
			expect(answer(replayed, checkPolicy)).toEqual({
				outcome: 'duplicate',
				status: 200,
				body: DUPLICATE,
				duplicate: 'replay',
				deliveryId: 'dlv_forged_new_id',
			});
		});

		it('another delivery (own id, own body) is not a duplicate', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			const other = validRequest({ deliveryId: 'dlv_other', body: eventFixture('SessionStarted') });
			expect(answer(other, checkPolicy).outcome).toBe('accepted');
		});

		it('the same body signed at another second under a new id is not a replay', () => {
			const checkPolicy = policy();
			answer(validRequest(), checkPolicy);
			expect(answer(validRequest({ deliveryId: 'dlv_other', timestamp: NOW - 1 }), checkPolicy).outcome).toBe('accepted');
		});

		it('the same id is remembered after a restart (a fresh store reading the saved snapshot)', () => {
			const before = policy();
			answer(validRequest(), before);
			const restarted = new StoreGuard();
			restarted.saved = (before.guard as StoreGuard).saved;
			expect(answer(validRequest(), policy({ guard: restarted })).outcome).toBe('duplicate');
		});
	});

	describe('genuine, event type not selected: 200 {"received":true,"ignored":true}', () => {
		it('is ignored, naming the type', () => {
			expect(answer(validRequest(), policy({ events: ['SessionStarted', 'Error'] }))).toEqual({
				outcome: 'ignored',
				status: 200,
				body: IGNORED,
				type: 'SessionEnded',
				deliveryId: DELIVERY_ID,
			});
		});

		it('the answer body is exactly {"received":true,"ignored":true}', () => {
			expect(JSON.stringify(answer(validRequest(), policy({ events: [] })).body)).toBe('{"received":true,"ignored":true}');
		});

		it('an unknown type is ignored unless all events are selected', () => {
			const body = eventFixture('VoicemailDetected');
			expect(answer(validRequest({ body }), policy({ events: ['SessionEnded'] })).outcome).toBe('ignored');
			expect(answer(validRequest({ body }), policy({ events: [ALL_EVENTS] })).outcome).toBe('accepted');
		});
	});

	describe('timestamp missing, malformed or outside the tolerance: 400', () => {
		// `null`: the header is not sent at all.
		it.each([
			['missing', null, 'timestamp_missing', 'Missing X-Webhook-Timestamp header'],
			['empty', '', 'timestamp_missing', 'Missing X-Webhook-Timestamp header'],
			['malformed', '1.5', 'timestamp_malformed', 'Malformed X-Webhook-Timestamp header: expected whole seconds since the Unix epoch'],
			['in milliseconds', NOW * 1000, 'timestamp_in_future', 'Timestamp outside the tolerance (in the future)'],
			['too old', NOW - TOLERANCE - 1, 'timestamp_too_old', 'Timestamp outside the tolerance (too old)'],
			['in the future', NOW + TOLERANCE + 1, 'timestamp_in_future', 'Timestamp outside the tolerance (in the future)'],
		] as const)('%s', (_case, timestamp, reason, error) => {
			const request = validRequest(timestamp === null ? {} : { timestamp });
			if (timestamp === null) delete request.headers[TIMESTAMP_HEADER];
			expect(summary(answer(request))).toEqual(rejected(400, reason, error));
		});

		it('at the edge of the tolerance it is accepted', () => {
			expect(answer(validRequest({ timestamp: NOW - TOLERANCE })).outcome).toBe('accepted');
			expect(answer(validRequest({ timestamp: NOW + TOLERANCE }), policy()).outcome).toBe('accepted');
		});

		it('the delivery id is kept for the log', () => {
			expect(answer(validRequest({ timestamp: NOW - 3600 }))).toMatchObject({ deliveryId: DELIVERY_ID });
		});
	});

	describe('signature missing or wrong: 401 {"error":"Invalid signature"}', () => {
		it.each([
			['missing', { signature: null }, 'signature_missing'],
			['empty', { signature: '' }, 'signature_missing'],
			['not hex', { signature: 'sha256=' + 'x'.repeat(64) }, 'signature_mismatch'],
			['without the sha256= prefix', { signature: sign(SECRET, NOW, BODY).slice('sha256='.length) }, 'signature_mismatch'],
			['truncated', { signature: sign(SECRET, NOW, BODY).slice(0, -1) }, 'signature_mismatch'],
			['signed with another secret', { signature: sign('whsec_attacker', NOW, BODY) }, 'signature_mismatch'],
			['signed over another timestamp', { signature: sign(SECRET, NOW - 1, BODY) }, 'signature_mismatch'],
			['signed over another body', { signature: sign(SECRET, NOW, eventFixture('SessionStarted')) }, 'signature_mismatch'],
			['signed over the body parsed and serialised again', { signature: sign(SECRET, NOW, JSON.stringify(JSON.parse(BODY.toString('utf8')))) }, 'signature_mismatch'],
			['signed with the previous secret, which is no longer configured', { signature: sign(PREVIOUS_SECRET, NOW, BODY) }, 'signature_mismatch'],
		] as const)('%s', (_case, mutation, reason) => {
			expect(summary(answer(validRequest(mutation)))).toEqual(rejected(401, reason, 'Invalid signature'));
		});

		it('the answer body is exactly {"error":"Invalid signature"}', () => {
			expect(JSON.stringify(answer(validRequest({ signature: null })).body)).toBe(JSON.stringify(INVALID_SIGNATURE));
		});

		it('a body changed after signing', () => {
			const request = validRequest();
			request.body = Buffer.from(request.body.toString('utf8').replace('184', '185'), 'utf8');
			expect(summary(answer(request))).toEqual(rejected(401, 'signature_mismatch', 'Invalid signature'));
		});

		it('a forged delivery is never remembered: the genuine one with its id is accepted after', () => {
			const checkPolicy = policy();
			answer(validRequest({ signature: sign('whsec_attacker', NOW, BODY) }), checkPolicy);
			expect(answer(validRequest(), checkPolicy).outcome).toBe('accepted');
		});
	});

	describe('genuine, but the body is not a JSON object with a string type: 400', () => {
		it.each([
			['not JSON', 'type=SessionEnded', 'body_not_json', 'Body is not UTF-8 JSON'],
			['empty', '', 'body_not_json', 'Body is not UTF-8 JSON'],
			['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'body_not_json', 'Body is not UTF-8 JSON'],
			['an array', '[{"type":"SessionEnded"}]', 'body_not_object', 'Body is not a JSON object'],
			['null', 'null', 'body_not_object', 'Body is not a JSON object'],
			['a string', '"SessionEnded"', 'body_not_object', 'Body is not a JSON object'],
			['without type', '{"data":{}}', 'event_type_missing', 'Body has no string "type" field'],
			['with an empty type', '{"type":""}', 'event_type_missing', 'Body has no string "type" field'],
			['with a numeric type', '{"type":3}', 'event_type_missing', 'Body has no string "type" field'],
		] as const)('%s', (_case, body, reason, error) => {
			expect(summary(answer(validRequest({ body })))).toEqual(rejected(400, reason, error));
		});
	});

	describe('genuine, no delivery id while deduplication is on: 400', () => {
		const error = 'Missing X-Webhook-Delivery-Id header (required while deduplication is on)';

		it('missing', () => {
			expect(summary(answer(validRequest({ deliveryId: null })))).toEqual(rejected(400, 'delivery_id_missing', error));
		});

		it('empty', () => {
			expect(summary(answer(validRequest({ deliveryId: '' })))).toEqual(rejected(400, 'delivery_id_missing', error));
		});

		it('only white space', () => {
			expect(summary(answer(validRequest({ deliveryId: '  ' })))).toEqual(rejected(400, 'delivery_id_missing', error));
		});

		it('white space around an id is trimmed', () => {
			expect(answer(validRequest({ deliveryId: `  ${DELIVERY_ID} ` }))).toMatchObject({
				outcome: 'accepted',
				deliveryId: DELIVERY_ID,
			});
		});
	});

	describe('no usable secret: 500 naming the misconfiguration', () => {
		const error = 'Voisnap Trigger is misconfigured: its Voisnap credential has no signing secret';

		it('is refused with 500', () => {
			expect(summary(answer(validRequest(), policy({ secrets: [] })))).toEqual(rejected(500, 'no_signing_secret', error));
		});

		it('the message names the misconfiguration', () => {
			const verdict = answer(validRequest(), policy({ secrets: [] }));
			expect(verdict.outcome === 'rejected' && verdict.body.error).toMatch(/misconfigured.*credential.*signing secret/);
		});

		it('comes right after the checks that need no secret: junk gets its own 400 or 401', () => {
			const noTimestamp = validRequest({ signature: null, deliveryId: null });
			delete noTimestamp.headers[TIMESTAMP_HEADER];
			expect(answer(noTimestamp, policy({ secrets: [] }))).toMatchObject({ status: 400, reason: 'timestamp_missing' });
			expect(answer(validRequest({ signature: null }), policy({ secrets: [] }))).toMatchObject({ status: 401, reason: 'signature_missing' });
			expect(answer(validRequest({ signature: 'sha256=zz' }), policy({ secrets: [] }))).toMatchObject({ status: 401, reason: 'signature_mismatch' });
			// Any well-formed signature, whoever made it, meets the misconfiguration.
			const forged = validRequest({ signature: `sha256=${'0'.repeat(64)}`, body: '[]' });
			expect(summary(answer(forged, policy({ secrets: [] })))).toEqual(rejected(500, 'no_signing_secret', error));
		});
	});

	it('every refusal in REJECTIONS has the status the table gives it', () => {
		const statuses = Object.fromEntries(Object.entries(REJECTIONS).map(([reason, { status }]) => [reason, status]));
		expect(statuses).toEqual({
			no_signing_secret: 500,
			timestamp_missing: 400,
			timestamp_malformed: 400,
			timestamp_too_old: 400,
			timestamp_in_future: 400,
			signature_missing: 401,
			signature_mismatch: 401,
			body_not_json: 400,
			body_not_object: 400,
			event_type_missing: 400,
			delivery_id_missing: 400,
		});
	});
});

describe('the order of the checks: timestamp, signature, body, delivery id, duplicate, event filter', () => {
	it('a stale timestamp and a bad signature: 400 for the timestamp', () => {
		const request = validRequest({ timestamp: NOW - 3600, signature: sign('whsec_attacker', NOW - 3600, BODY) });
		expect(summary(answer(request))).toEqual(rejected(400, 'timestamp_too_old', 'Timestamp outside the tolerance (too old)'));
	});

	it('no timestamp and no signature: 400 for the timestamp', () => {
		const request = validRequest({ signature: null });
		delete request.headers[TIMESTAMP_HEADER];
		expect(summary(answer(request))).toEqual(rejected(400, 'timestamp_missing', 'Missing X-Webhook-Timestamp header'));
	});

	it('a bad signature and a bad body: 401', () => {
		const request = validRequest({ body: '[1,2,3]', signature: sign('whsec_attacker', NOW, '[1,2,3]') });
		expect(summary(answer(request))).toEqual(rejected(401, 'signature_mismatch', 'Invalid signature'));
	});

	it('a bad body and no delivery id: 400 for the body', () => {
		const request = validRequest({ body: '{"data":{}}', deliveryId: null });
		expect(summary(answer(request))).toEqual(rejected(400, 'event_type_missing', 'Body has no string "type" field'));
	});

	it('no delivery id for a type that is not selected: 400 for the delivery id', () => {
		const request = validRequest({ deliveryId: null });
		expect(summary(answer(request, policy({ events: [] })))).toEqual(
			rejected(400, 'delivery_id_missing', 'Missing X-Webhook-Delivery-Id header (required while deduplication is on)'),
		);
	});

	it('a duplicate of a type no longer selected: duplicate, not ignored', () => {
		const guard = new StoreGuard();
		answer(validRequest(), policy({ guard, events: [ALL_EVENTS] }));
		expect(summary(answer(validRequest(), policy({ guard, events: ['Error'] })))).toEqual({
			status: 200,
			body: DUPLICATE,
			outcome: 'duplicate',
		});
	});

	it('an ignored delivery is not remembered: after the filter changes, the same delivery is accepted', () => {
		const guard = new StoreGuard();
		expect(answer(validRequest(), policy({ guard, events: ['Error'] })).outcome).toBe('ignored');
		expect(answer(validRequest(), policy({ guard, events: ['Error'] })).outcome).toBe('ignored');
		expect(answer(validRequest(), policy({ guard, events: ['Error', 'SessionEnded'] })).outcome).toBe('accepted');
		expect(answer(validRequest(), policy({ guard, events: ['Error', 'SessionEnded'] })).outcome).toBe('duplicate');
	});

	it('a refused delivery is not remembered: the same id, sent correctly, is accepted', () => {
		const guard = new StoreGuard();
		expect(answer(validRequest({ body: '{}' }), policy({ guard })).outcome).toBe('rejected');
		expect(answer(validRequest(), policy({ guard })).outcome).toBe('accepted');
	});

	it('the guard is asked only about genuine, well-formed deliveries with an id', () => {
		const guard = { findDuplicate: jest.fn(() => undefined), atCapacity: jest.fn(() => false), claim: jest.fn() };
		const checkPolicy = policy({ guard });
		answer(validRequest({ signature: null }), checkPolicy);
		answer(validRequest({ timestamp: NOW - 3600 }), checkPolicy);
		answer(validRequest({ body: '[]' }), checkPolicy);
		answer(validRequest({ deliveryId: null }), checkPolicy);
		expect(guard.findDuplicate).not.toHaveBeenCalled();
		answer(validRequest(), checkPolicy);
		expect(guard.findDuplicate).toHaveBeenCalledTimes(1);
		expect(guard.claim).toHaveBeenCalledTimes(1);
		expect(guard.claim).toHaveBeenCalledWith(DELIVERY_ID, Buffer.from(sign(SECRET, NOW, BODY).slice(7), 'hex'));
	});
});

describe('a delivery accepted but not yet stored by n8n', () => {
	const RETRY = { error: 'An earlier copy of this delivery is still being stored; retry it' };

	it('a retry while the first copy is being stored: 503 retry in 2 s, not duplicate, nothing claimed', () => {
		const guard = new StoreGuard();
		guard.storing = true;
		expect(answer(validRequest(), policy({ guard })).outcome).toBe('accepted');
		const retry = answer(validRequest({ timestamp: NOW + 1, signature: sign(SECRET, NOW + 1, BODY) }), policy({ guard }), NOW + 1);
		expect(retry).toEqual({ outcome: 'retry_later', status: 503, body: RETRY, reason: 'in_flight', retryAfterSeconds: 2, deliveryId: DELIVERY_ID });
		expect(guard.open).toHaveLength(1);
	});

	it('a replay of the very request being stored, under another id, is in flight too', () => {
		const guard = new StoreGuard();
		guard.storing = true;
		answer(validRequest(), policy({ guard }));
		expect(answer(validRequest({ deliveryId: 'dlv_other' }), policy({ guard })).outcome).toBe('retry_later');
	});

	it('once stored, the same retry is a duplicate', () => {
		const guard = new StoreGuard();
		guard.storing = true;
		answer(validRequest(), policy({ guard }));
		guard.confirm(guard.open[0]);
		expect(summary(answer(validRequest(), policy({ guard })))).toEqual({ status: 200, body: DUPLICATE, outcome: 'duplicate' });
	});

	it('if it was not stored (claim released), the retry is accepted and runs', () => {
		const guard = new StoreGuard();
		guard.storing = true;
		answer(validRequest(), policy({ guard }));
		guard.memory.release(guard.open[0]);
		expect(answer(validRequest(), policy({ guard })).outcome).toBe('accepted');
	});

	it('at capacity, a new genuine delivery is answered 503 retry in 5 s and not claimed', () => {
		const guard = new StoreGuard();
		guard.storing = true;
		guard.capacity = 1;
		answer(validRequest(), policy({ guard }));
		const next = answer(validRequest({ deliveryId: 'dlv_next', body: eventFixture('Error'), signature: sign(SECRET, NOW, eventFixture('Error')) }), policy({ guard }));
		expect(next).toMatchObject({ outcome: 'retry_later', status: 503, reason: 'overloaded', retryAfterSeconds: 5, body: { error: 'Too many deliveries are waiting to be stored; retry later' } });
		expect(guard.open.filter((claim) => guard.memory.isOpen(claim))).toHaveLength(1);
	});

	it('at capacity, duplicates and ignored events are still answered as such', () => {
		const guard = new StoreGuard();
		answer(validRequest(), policy({ guard }));
		guard.capacity = 0;
		expect(answer(validRequest(), policy({ guard })).outcome).toBe('duplicate');
		const other = eventFixture('AnalysisCompleted');
		expect(answer(validRequest({ deliveryId: 'dlv_x', body: other, signature: sign(SECRET, NOW, other) }), policy({ guard, events: ['Error'] })).outcome).toBe('ignored');
	});
});

describe('screenDelivery: what is refused before the credential or static data is touched', () => {
	it.each([
		['no timestamp', () => withoutHeader(validRequest(), TIMESTAMP_HEADER), 'timestamp_missing'],
		['a malformed timestamp', () => validRequest({ timestamp: '17e8' }), 'timestamp_malformed'],
		['a stale timestamp', () => validRequest({ timestamp: NOW - 301 }), 'timestamp_too_old'],
		['no signature', () => validRequest({ signature: null }), 'signature_missing'],
		['a signature without sha256=', () => validRequest({ signature: 'a'.repeat(64) }), 'signature_mismatch'],
		['a signature of the wrong length', () => validRequest({ signature: `sha256=${'a'.repeat(63)}` }), 'signature_mismatch'],
	])('%s', (_name, request, reason) => {
		expect(screenDelivery(request(), TOLERANCE, NOW)).toMatchObject({ outcome: 'rejected', reason });
	});

	it('lets a well-formed forgery through to the signature check (it needs the secret)', () => {
		expect(screenDelivery(validRequest({ signature: `sha256=${'0'.repeat(64)}` }), TOLERANCE, NOW)).toBeUndefined();
		expect(screenDelivery(validRequest(), TOLERANCE, NOW)).toBeUndefined();
	});

	it('answers junk exactly as the full check does', () => {
		const junk = validRequest({ signature: null, timestamp: NOW - 900 });
		expect(screenDelivery(junk, TOLERANCE, NOW)).toEqual(checkDelivery(junk, policy(), NOW));
	});
});

function withoutHeader(request: DeliveryRequest, name: string): DeliveryRequest {
	const headers = { ...request.headers };
	delete headers[name];
	return { ...request, headers };
}

describe('no answer carries the secret or the expected signature', () => {
	it('not even for a delivery whose id, type and data are the secret itself', () => {
		const body = JSON.stringify({ type: SECRET, data: { secret: SECRET } });
		const request = validRequest({ body, deliveryId: SECRET });
		for (const checkPolicy of [policy(), policy({ events: [] })]) {
			expect(JSON.stringify(answer(request, checkPolicy).body)).not.toContain(SECRET);
		}
	});
});
