import { DEFAULT_MAX_ENTRIES, DEFAULT_RETENTION_HOURS, DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER } from '../../nodes/VoisnapTrigger/contract/constants';
import type { RoutedEvent } from '../../nodes/VoisnapTrigger/contract/events';
import { ROUTES, parseEvent } from '../../nodes/VoisnapTrigger/contract/events';
import { ALL_EVENTS, selectsType } from '../../nodes/VoisnapTrigger/contract/eventsFilter';
import type { DeliveryMetadata } from '../../nodes/VoisnapTrigger/contract/items';
import { buildItemJson } from '../../nodes/VoisnapTrigger/contract/items';
import { configuredOutputs } from '../../nodes/VoisnapTrigger/description/outputs';
import { secretProblem, usableSecrets } from '../../nodes/VoisnapTrigger/contract/secrets';
import { readSettings } from '../../nodes/VoisnapTrigger/contract/settings';
import published from '../fixtures/signature-vectors.json';
import { eventFixture, signedDelivery } from '../support/signedDelivery';

const SECRET = published.vectors[0].secret;
const NOW = 1_764_201_600;

function routedOf(body: Buffer): RoutedEvent {
	const parsed = parseEvent(body);
	if (!parsed.valid) throw new Error(`fixture does not parse: ${parsed.reason}`);
	return parsed.routed;
}

const METADATA: DeliveryMetadata = {
	id: 'dlv_1',
	timestamp: '2025-11-27T00:00:00.000Z',
	receivedAt: '2025-11-27T00:00:01.234Z',
};

const NO_EXTRAS = { includeHeaders: false, includeRawBody: false };

describe('buildItemJson', () => {
	const body = eventFixture('AnalysisCompleted');
	const request = signedDelivery({ secret: SECRET, body, timestamp: NOW, deliveryId: 'dlv_1' });
	const envelope = JSON.parse(body.toString('utf8'));

	it('is the envelope as sent plus delivery {id, timestamp, receivedAt}', () => {
		expect(buildItemJson(routedOf(body), METADATA, request, NO_EXTRAS)).toEqual({
			type: 'AnalysisCompleted',
			agentId: 'agt_7Hq2Lm9Xc4',
			data: envelope.data,
			delivery: { id: 'dlv_1', timestamp: '2025-11-27T00:00:00.000Z', receivedAt: '2025-11-27T00:00:01.234Z' },
		});
	});

	it('keeps the envelope\'s fields first, in the order sent, then delivery', () => {
		expect(Object.keys(buildItemJson(routedOf(body), METADATA, request, NO_EXTRAS))).toEqual([
			'type',
			'agentId',
			'data',
			'delivery',
		]);
	});

	it('keeps fields the node does not know, top level and in data', () => {
		const odd = Buffer.from('{"type":"Brand-New","version":2,"data":{"x":[1,{"y":null}]}}');
		expect(buildItemJson(routedOf(odd), METADATA, { headers: {}, body: odd }, NO_EXTRAS)).toEqual({
			type: 'Brand-New',
			version: 2,
			data: { x: [1, { y: null }] },
			delivery: METADATA,
		});
	});

	it('a delivery without an id has delivery.id null', () => {
		const json = buildItemJson(routedOf(body), { ...METADATA, id: null }, request, NO_EXTRAS);
		expect(json.delivery).toEqual({ id: null, timestamp: METADATA.timestamp, receivedAt: METADATA.receivedAt });
	});

	it('does not change the parsed event', () => {
		const routed = routedOf(body);
		buildItemJson(routed, METADATA, request, { includeHeaders: true, includeRawBody: true });
		expect(routed.event).toEqual(envelope);
	});

	it('has no headers and no rawBody unless asked for', () => {
		const json = buildItemJson(routedOf(body), METADATA, request, NO_EXTRAS);
		expect(json).not.toHaveProperty('headers');
		expect(json).not.toHaveProperty('rawBody');
	});

	it('with includeHeaders: every header except the signature', () => {
		const json = buildItemJson(routedOf(body), METADATA, request, { includeHeaders: true, includeRawBody: false });
		expect(json.headers).toEqual({
			'content-type': 'application/json',
			'x-webhook-timestamp': String(NOW),
			'x-webhook-delivery-id': 'dlv_1',
		});
		expect(json).not.toHaveProperty('rawBody');
	});

	it('the signature header is never in the item', () => {
		expect(request.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
		const json = buildItemJson(routedOf(body), METADATA, request, { includeHeaders: true, includeRawBody: true });
		expect(json.headers).not.toHaveProperty(SIGNATURE_HEADER);
		expect(JSON.stringify(json)).not.toContain(request.headers[SIGNATURE_HEADER].slice('sha256='.length));
	});

	it('headers without a value are left out; repeated headers keep their values', () => {
		const headers = { 'x-a': undefined, 'x-b': ['1', '2'], 'x-c': '' };
		const json = buildItemJson(routedOf(body), METADATA, { headers, body }, { includeHeaders: true, includeRawBody: false });
		expect(json.headers).toEqual({ 'x-b': ['1', '2'], 'x-c': '' });
	});

	it('with includeRawBody: rawBody is the exact body received', () => {
		const json = buildItemJson(routedOf(body), METADATA, request, { includeHeaders: false, includeRawBody: true });
		expect(json.rawBody).toBe(body.toString('utf8'));
		expect(Buffer.from(json.rawBody as string, 'utf8').equals(body)).toBe(true);
		expect(json).not.toHaveProperty('headers');
	});

	it('rawBody keeps white space, non-ASCII text and 1.0 as sent', () => {
		const raw = Buffer.from('{ "type" : "AnalysisCompleted",\n  "data": {"summary": "Café 📞", "note": "caf\\u00e9", "sentimentScore": 1.0 } }\n', 'utf8');
		const json = buildItemJson(routedOf(raw), METADATA, { headers: {}, body: raw }, { includeHeaders: false, includeRawBody: true });
		expect(Buffer.from(json.rawBody as string, 'utf8').equals(raw)).toBe(true);
		expect(json.data).toEqual({ summary: 'Café 📞', note: 'café', sentimentScore: 1 });
	});
});

describe('readSettings', () => {
	it('the documented defaults when nothing is set', () => {
		expect(readSettings({})).toEqual({
			events: [ALL_EVENTS],
			singleOutput: false,
			toleranceSeconds: 300,
			deduplicate: true,
			includeHeaders: false,
			includeRawBody: false,
			limits: { retentionSeconds: 24 * 3600, maxEntries: 2_000, replayWindowSeconds: 600 },
			alertOnRejections: false,
			alertIntervalMs: 10 * 60_000,
		});
	});

	it('the defaults are the constants', () => {
		expect(DEFAULT_TOLERANCE_SECONDS).toBe(300);
		expect(DEFAULT_RETENTION_HOURS).toBe(24);
		expect(DEFAULT_MAX_ENTRIES).toBe(2_000);
		expect(readSettings({ options: {} })).toEqual(readSettings({}));
	});

	it('every option as set', () => {
		expect(
			readSettings({
				events: ['SessionEnded', 'Error'],
				routing: 'single',
				options: {
					toleranceSeconds: 60,
					deduplicate: false,
					dedupRetentionHours: 0.5,
					dedupMaxEntries: 250,
					includeHeaders: true,
					includeRawBody: true,
					alertOnRejections: true,
					alertIntervalMinutes: 0.5,
				},
			}),
		).toEqual({
			events: ['SessionEnded', 'Error'],
			singleOutput: true,
			toleranceSeconds: 60,
			deduplicate: false,
			includeHeaders: true,
			includeRawBody: true,
			limits: { retentionSeconds: 1800, maxEntries: 250, replayWindowSeconds: 120 },
			alertOnRejections: true,
			alertIntervalMs: 30_000,
		});
	});

	it('Alert on Rejections only when set to true; an unusable Alert Interval is the default 10 minutes', () => {
		expect(readSettings({ options: { alertOnRejections: 'true' } }).alertOnRejections).toBe(false);
		for (const alertIntervalMinutes of [0, -1, Number.NaN, '5', null]) {
			expect(readSettings({ options: { alertIntervalMinutes } }).alertIntervalMs).toBe(600_000);
		}
		// Never shorter than the editor allows (6 s), even when the workflow JSON says so.
		expect(readSettings({ options: { alertIntervalMinutes: 0.001 } }).alertIntervalMs).toBe(6_000);
	});

	it('the replay window is twice the tolerance', () => {
		expect(readSettings({ options: { toleranceSeconds: 45 } }).limits.replayWindowSeconds).toBe(90);
	});

	it('routing by event type unless routing is "single"', () => {
		expect(readSettings({ routing: 'byEventType' }).singleOutput).toBe(false);
		expect(readSettings({ routing: 'something else' }).singleOutput).toBe(false);
		expect(readSettings({ routing: 'single' }).singleOutput).toBe(true);
	});

	it('an empty Events selection stays empty (selects nothing)', () => {
		expect(readSettings({ events: [] }).events).toEqual([]);
	});

	it('Events that are not a list mean all events', () => {
		expect(readSettings({ events: 'SessionEnded' }).events).toEqual([ALL_EVENTS]);
	});

	it('a retention of 0 hours is kept', () => {
		expect(readSettings({ options: { dedupRetentionHours: 0 } }).limits.retentionSeconds).toBe(0);
	});

	it('a fractional max entries is rounded down', () => {
		expect(readSettings({ options: { dedupMaxEntries: 99.9 } }).limits.maxEntries).toBe(99);
	});

	it('only false turns deduplication off; only true includes headers or the raw body', () => {
		expect(readSettings({ options: { deduplicate: 0 } }).deduplicate).toBe(true);
		expect(readSettings({ options: { deduplicate: 'false' } }).deduplicate).toBe(true);
		expect(readSettings({ options: { includeHeaders: 'true', includeRawBody: 1 } })).toMatchObject({
			includeHeaders: false,
			includeRawBody: false,
		});
	});

	it.each([
		['negative', -5],
		['zero', 0],
		['a string', '60'],
		['NaN', Number.NaN],
		['Infinity', Number.POSITIVE_INFINITY],
		['null', null],
	])('an unusable tolerance (%s) falls back to 300', (_case, toleranceSeconds) => {
		const settings = readSettings({ options: { toleranceSeconds } });
		expect(settings.toleranceSeconds).toBe(300);
		expect(settings.limits.replayWindowSeconds).toBe(600);
	});

	it.each([
		['negative', -1],
		['a string', '12'],
		['NaN', Number.NaN],
	])('an unusable retention (%s) falls back to 24 h', (_case, dedupRetentionHours) => {
		expect(readSettings({ options: { dedupRetentionHours } }).limits.retentionSeconds).toBe(86_400);
	});

	it.each([
		['negative', -10],
		['zero', 0],
		['below one', 0.5],
		['a string', '500'],
		['NaN', Number.NaN],
		['Infinity', Number.POSITIVE_INFINITY],
	])('an unusable max entries (%s) falls back to 2,000', (_case, dedupMaxEntries) => {
		expect(readSettings({ options: { dedupMaxEntries } }).limits.maxEntries).toBe(2_000);
	});
});

describe('usableSecrets', () => {
	it('no credential: no secrets', () => {
		expect(usableSecrets(undefined)).toEqual([]);
		expect(usableSecrets({})).toEqual([]);
	});

	it('current first, then previous', () => {
		expect(usableSecrets({ signingSecret: 'whsec_new', previousSigningSecret: 'whsec_old' })).toEqual(['whsec_new', 'whsec_old']);
	});

	it('a secret is used exactly as stored, prefix and padding included', () => {
		expect(usableSecrets({ signingSecret: ' whsec_padded ' })).toEqual([' whsec_padded ']);
	});

	it.each([
		['empty', ''],
		['only spaces', '   '],
		['only a tab and a newline', '\t\n'],
		['not a string', 42],
		['null', null],
	])('skips a secret that is %s', (_case, secret) => {
		expect(usableSecrets({ signingSecret: secret, previousSigningSecret: 'whsec_old' })).toEqual(['whsec_old']);
		expect(usableSecrets({ signingSecret: 'whsec_new', previousSigningSecret: secret })).toEqual(['whsec_new']);
	});
});

describe('secretProblem', () => {
	it.each([
		['empty, required', '', true, 'Signing Secret is empty'],
		['missing, required', undefined, true, 'Signing Secret is empty'],
		['not a string, required', 42, true, 'Signing Secret is empty'],
		['empty, optional', '', false, undefined],
		['missing, optional', undefined, false, undefined],
		['only white space, required', '   ', true, 'Signing Secret is only white space'],
		['only white space, optional', '\t', false, 'Signing Secret is only white space'],
		['leading space', ' whsec_abc', true, 'Signing Secret starts or ends with white space: copy it again from Voisnap'],
		['trailing newline', 'whsec_abc\n', true, 'Signing Secret starts or ends with white space: copy it again from Voisnap'],
		['padded, optional', ' whsec_abc ', false, 'Signing Secret starts or ends with white space: copy it again from Voisnap'],
		['fine', 'whsec_abc', true, undefined],
		['fine, with a space inside', 'whsec abc', true, undefined],
		['fine, without the whsec_ prefix', 'géheim-秘密', true, undefined],
	])('%s', (_case, secret, required, expected) => {
		expect(secretProblem('Signing Secret', secret, required)).toBe(expected);
	});

	it('names the field it judges', () => {
		expect(secretProblem('Previous Signing Secret', '  ', false)).toBe('Previous Signing Secret is only white space');
	});
});

describe('selectsType (the Events filter)', () => {
	it.each([
		[[ALL_EVENTS], 'SessionEnded', true],
		[[ALL_EVENTS], 'VoicemailDetected', true],
		[['SessionEnded', 'Error'], 'SessionEnded', true],
		[['SessionEnded', 'Error'], 'Error', true],
		[['SessionEnded', 'Error'], 'SessionStarted', false],
		[['SessionEnded'], 'sessionended', false],
		[['SessionEnded'], 'VoicemailDetected', false],
		[[], 'SessionEnded', false],
		[[], ALL_EVENTS, false],
	])('events %j, type %s: %s', (events, type, expected) => {
		expect(selectsType(events, type)).toBe(expected);
	});

	it('the value that selects all events is "*"', () => {
		expect(ALL_EVENTS).toBe('*');
	});
});

// Names, order and the standalone source text are checked in events.test.ts, next to ROUTES.
describe('configuredOutputs', () => {
	it('single: one main output', () => {
		expect(configuredOutputs({ routing: 'single' })).toEqual([{ type: 'main' }]);
	});

	it('byEventType: one main output per route', () => {
		expect(configuredOutputs({ routing: 'byEventType' })).toEqual(ROUTES.map((displayName) => ({ type: 'main', displayName })));
	});

	it('a fresh array on every call, so callers may fill it', () => {
		const first = configuredOutputs({ routing: 'byEventType' });
		expect(configuredOutputs({ routing: 'byEventType' })).not.toBe(first);
	});
});
