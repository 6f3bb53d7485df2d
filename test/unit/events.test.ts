import {
	KNOWN_EVENT_TYPES,
	OTHER_ROUTE,
	ROUTES,
	isKnownEventType,
	parseEvent,
	routeOf,
} from '../../nodes/VoisnapTrigger/contract/events';
import { configuredOutputs } from '../../nodes/VoisnapTrigger/description/outputs';
import { eventFixture, eventFixtureNames } from '../support/signedDelivery';

const json = (text: string) => Buffer.from(text, 'utf8');

describe('routes', () => {
	it('ROUTES are, in order, the five known types then Other', () => {
		expect(ROUTES).toEqual(['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other']);
	});

	it('KNOWN_EVENT_TYPES are ROUTES without Other', () => {
		expect([...KNOWN_EVENT_TYPES, OTHER_ROUTE]).toEqual(ROUTES);
		expect(OTHER_ROUTE).toBe('Other');
	});

	it.each(KNOWN_EVENT_TYPES.map((type) => [type]))('%s routes to itself', (type) => {
		expect(isKnownEventType(type)).toBe(true);
		expect(routeOf(type)).toBe(type);
	});

	it.each([
		['a type added later', 'VoicemailDetected'],
		['a differently cased known type', 'sessionended'],
		['a known type with white space', 'Error '],
		['the name of the Other route itself', 'Other'],
		['an Object.prototype member', 'constructor'],
		['an Array.prototype member', 'includes'],
	])('%s goes to Other', (_case, type) => {
		expect(isKnownEventType(type)).toBe(false);
		expect(routeOf(type)).toBe('Other');
	});
});

describe('parseEvent: the fixtures', () => {
	const names = eventFixtureNames();

	it('there is one fixture per known type plus one unknown type', () => {
		expect(names).toEqual([...KNOWN_EVENT_TYPES, 'VoicemailDetected'].sort());
	});

	it.each(names.map((name) => [name]))('%s routes to its type\'s route, envelope as sent', (name) => {
		const bytes = eventFixture(name);
		const expectedRoute = name === 'VoicemailDetected' ? 'Other' : name;
		expect(parseEvent(bytes)).toEqual({
			valid: true,
			routed: { route: expectedRoute, event: JSON.parse(bytes.toString('utf8')) },
		});
	});

	it('an unknown type keeps its type and data and goes to Other', () => {
		const result = parseEvent(eventFixture('VoicemailDetected'));
		expect(result).toEqual({
			valid: true,
			routed: {
				route: 'Other',
				event: {
					type: 'VoicemailDetected',
					agentId: 'agt_7Hq2Lm9Xc4',
					data: { conversationId: 'conv_01JD8Z4W6K3N5P7R9T2V4X6Z8B', detectedAtSecond: 4.2 },
				},
			},
		});
	});
});

describe('parseEvent: the envelope is passed through as sent', () => {
	it('extra top-level fields and extra data fields are kept', () => {
		const result = parseEvent(
			json('{"type":"SessionEnded","agentId":"agt_1","version":3,"data":{"conversationId":"c","newField":[1,2]},"meta":{"a":null}}'),
		);
		expect(result).toEqual({
			valid: true,
			routed: {
				route: 'SessionEnded',
				event: {
					type: 'SessionEnded',
					agentId: 'agt_1',
					version: 3,
					data: { conversationId: 'c', newField: [1, 2] },
					meta: { a: null },
				},
			},
		});
	});

	it('a known type with fields missing is still emitted', () => {
		expect(parseEvent(json('{"type":"SessionEnded"}'))).toEqual({
			valid: true,
			routed: { route: 'SessionEnded', event: { type: 'SessionEnded' } },
		});
	});

	it('a data field that is not an object is passed through too', () => {
		expect(parseEvent(json('{"type":"Error","data":"boom"}'))).toEqual({
			valid: true,
			routed: { route: 'Error', event: { type: 'Error', data: 'boom' } },
		});
	});

	it('a leading byte-order mark is accepted', () => {
		const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json('{"type":"SessionStarted","data":{}}')]);
		expect(parseEvent(body)).toEqual({
			valid: true,
			routed: { route: 'SessionStarted', event: { type: 'SessionStarted', data: {} } },
		});
	});

	it('non-ASCII text is decoded as UTF-8', () => {
		expect(parseEvent(json('{"type":"Error","data":{"errorMessage":"Café — 📞"}}'))).toMatchObject({
			valid: true,
			routed: { event: { data: { errorMessage: 'Café — 📞' } } },
		});
	});
});

describe('parseEvent: refusals', () => {
	it.each([
		['an empty body', Buffer.alloc(0)],
		['not JSON', json('type=SessionEnded')],
		['truncated JSON', json('{"type":"SessionEnded"')],
		['two JSON values', json('{"type":"A"}{"type":"B"}')],
		['an invalid UTF-8 byte', Buffer.from([0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
		['an invalid byte inside a string', Buffer.concat([json('{"type":"Error","data":"'), Buffer.from([0xc3]), json('"}')])],
		['an encoded lone surrogate', Buffer.concat([json('{"type":"'), Buffer.from([0xed, 0xa0, 0x80]), json('"}')])],
		['an overlong encoding', Buffer.concat([json('{"type":"'), Buffer.from([0xc0, 0xaf]), json('"}')])],
		['UTF-16', Buffer.from('{"type":"Error"}', 'utf16le')],
		['a byte-order mark twice', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), json('{"type":"Error"}')])],
	])('%s: body_not_json', (_case, body) => {
		expect(parseEvent(body)).toEqual({ valid: false, reason: 'body_not_json' });
	});

	it.each([
		['an array', '[{"type":"SessionEnded"}]'],
		['null', 'null'],
		['a number', '42'],
		['a string', '"SessionEnded"'],
		['a boolean', 'true'],
	])('%s: body_not_object', (_case, text) => {
		expect(parseEvent(json(text))).toEqual({ valid: false, reason: 'body_not_object' });
	});

	it.each([
		['no type', '{"data":{"conversationId":"c"}}'],
		['an empty object', '{}'],
		['an empty type', '{"type":""}'],
		['a numeric type', '{"type":42}'],
		['a null type', '{"type":null}'],
		['an object type', '{"type":{"name":"SessionEnded"}}'],
		['an array type', '{"type":["SessionEnded"]}'],
		['a boolean type', '{"type":true}'],
		['a type only inside __proto__', '{"__proto__":{"type":"SessionEnded"}}'],
		['a type only inside data', '{"data":{"type":"SessionEnded"}}'],
	])('%s: event_type_missing', (_case, text) => {
		expect(parseEvent(json(text))).toEqual({ valid: false, reason: 'event_type_missing' });
	});
});

describe('outputs', () => {
	it('one output per route, named as ROUTES, when routing by event type', () => {
		const outputs = configuredOutputs({ routing: 'byEventType' });
		expect(outputs.map((output) => output.displayName)).toEqual([...ROUTES]);
		expect(outputs.every((output) => output.type === 'main')).toBe(true);
	});

	it('routing by event type is the default when routing is absent', () => {
		expect(configuredOutputs({})).toEqual(configuredOutputs({ routing: 'byEventType' }));
	});

	it('one unnamed main output in single-output mode', () => {
		expect(configuredOutputs({ routing: 'single' })).toEqual([{ type: 'main' }]);
	});

	// n8n evaluates the function's source text (`={{(${configuredOutputs})($parameter)}}`), so it
	// must work without anything outside its own body. Note: under `jest --coverage` the
	// instrumented source refers to coverage counters, and this check cannot hold there.
	it('its source text works standalone, as n8n evaluates it', () => {
		const standalone = new Function('return ' + configuredOutputs.toString())() as typeof configuredOutputs;
		expect(standalone({ routing: 'byEventType' })).toEqual(configuredOutputs({ routing: 'byEventType' }));
		expect(standalone({ routing: 'single' })).toEqual([{ type: 'main' }]);
		expect(standalone({ routing: 'byEventType' }).map((output) => output.displayName)).toEqual([...ROUTES]);
	});

	it('its source text works in the expression the node description uses', () => {
		const evaluate = new Function('$parameter', `return (${configuredOutputs})($parameter);`);
		expect(evaluate({ routing: 'single' })).toEqual([{ type: 'main' }]);
		expect(evaluate({ routing: 'byEventType' })).toHaveLength(6);
	});
});
