/**
 * The webhook contract over real HTTP against a real n8n (N8N_VERSION, default 2.41.1), with
 * the package installed as users install it. One n8n for the whole file, one workflow per
 * scenario, so that each scenario's executions are counted on their own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Execution, WorkflowJson } from '../harness';
import { N8nInstance, ROUTE_OUTPUTS, voisnapCredential, voisnapWorkflow } from '../harness';
import type { PostResult } from '../support/signedDelivery';
import { FIXTURES_DIR, eventFixture, eventFixtureNames, nowSeconds, postDelivery } from '../support/signedDelivery';
import {
	ISO_PATTERN,
	N8N_VERSION,
	START_TIMEOUT_MS,
	TEST_TIMEOUT_MS,
	deliver,
	fixtureJson,
	occupiedOutputs,
	routeIndexOf,
	sign,
	track,
	withoutHeader,
} from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_e2eContractSecret4f9b2c71d0a8';
const OTHER_SECRET = 'whsec_someoneElsesSecret000000000000';
const EMPTY_CREDENTIAL_ID = 'VoisnapEmptySec1';

const workflows = {
	/** Every rejected row: must never start an execution. */
	rejects: voisnapWorkflow({ name: 'rejected rows' }),
	accepts: voisnapWorkflow({ name: 'accepted, duplicates, replays' }),
	routes: voisnapWorkflow({ name: 'one output per event type' }),
	single: voisnapWorkflow({ name: 'single output', parameters: { routing: 'single' } }),
	extras: voisnapWorkflow({
		name: 'headers and raw body',
		parameters: { options: { includeHeaders: true, includeRawBody: true } },
	}),
	filtered: voisnapWorkflow({ name: 'SessionEnded only', parameters: { events: ['SessionEnded'] } }),
	emptySecret: voisnapWorkflow({ name: 'empty secret', credentialId: EMPTY_CREDENTIAL_ID, credentialName: 'Voisnap (empty)' }),
	noCredential: voisnapWorkflow({ name: 'credential missing', credentialId: 'NoSuchCredentl1', credentialName: 'Gone' }),
	concurrent: voisnapWorkflow({ name: '50 concurrent copies' }),
	testMode: voisnapWorkflow({ name: 'test mode', active: false }),
	/** A workflow saved before node version 2: it must keep working unchanged. */
	versionOne: voisnapWorkflow({ name: 'node version 1', typeVersion: 1 }),
};

let n8n: N8nInstance;

beforeAll(async () => {
	n8n = await N8nInstance.start({
		version: N8N_VERSION,
		credential: { signingSecret: SECRET },
		extraCredentials: [voisnapCredential({ signingSecret: '' }, EMPTY_CREDENTIAL_ID, 'Voisnap (empty)')],
		workflows: Object.values(workflows),
	});
}, START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
});

function expectJsonAnswer(result: PostResult, status: number, body: unknown): void {
	// The status and body together, so that a failure shows both.
	expect({ status: result.status, body: result.body }).toEqual({ status, body });
	expect(result.contentType).toMatch(/^application\/json/);
	expect(result.text).not.toContain('firstEntryJson');
}

function expectError(result: PostResult, status: number, message?: RegExp): string {
	expect({ status: result.status, body: result.body }).toEqual({ status, body: { error: expect.any(String) } });
	expect(result.contentType).toMatch(/^application\/json/);
	const { error } = result.body as { error: string };
	if (message) expect(error).toMatch(message);
	// No answer ever carries a secret or a signature.
	expect(result.text).not.toContain(SECRET);
	expect(result.text).not.toMatch(/[0-9a-f]{64}/i);
	return error;
}

/** The single item of an execution, and the outputs that carried anything. */
function onlyItem(execution: Execution): { item: Record<string, unknown>; outputs: Array<[number, number]> } {
	const outputs = occupiedOutputs(execution);
	expect(outputs).toHaveLength(1);
	return { item: execution.outputs[outputs[0][0]][0], outputs };
}

describe(`n8n ${N8N_VERSION}: rejected deliveries (no execution)`, () => {
	const body = eventFixture('SessionEnded');
	const now = () => nowSeconds();

	const timestampRows: Array<[string, () => ReturnType<typeof sign>]> = [
		['missing', () => withoutHeader(sign(SECRET, { body }), 'x-webhook-timestamp')],
		['empty', () => sign(SECRET, { body, timestamp: '' })],
		['not a number', () => sign(SECRET, { body, timestamp: 'yesterday' })],
		['not whole seconds', () => sign(SECRET, { body, timestamp: `${now()}.5` })],
		['10 minutes old', () => sign(SECRET, { body, timestamp: now() - 600 })],
		['10 minutes ahead', () => sign(SECRET, { body, timestamp: now() + 600 })],
		['in milliseconds', () => sign(SECRET, { body, timestamp: Date.now() })],
	];
	test.each(timestampRows)('timestamp %s: 400, no execution', async (_name, make) => {
		const executions = await track(n8n, workflows.rejects);
		expectError(await deliver(n8n, workflows.rejects, make()), 400);
		expect(await executions.started()).toHaveLength(0);
	});

	const signatureRows: Array<[string, () => ReturnType<typeof sign>]> = [
		['missing', () => sign(SECRET, { body, signature: null })],
		['made with another secret', () => sign(OTHER_SECRET, { body })],
		['over other bytes (body changed after signing)', () => {
			const delivery = sign(SECRET, { body });
			return { ...delivery, body: Buffer.from(body.toString('utf8').replace('184', '185')) };
		}],
		['too short', () => sign(SECRET, { body, signature: 'sha256=abcdef' })],
		['without the sha256= prefix', () => {
			const delivery = sign(SECRET, { body });
			return { ...delivery, headers: { ...delivery.headers, 'x-webhook-signature': delivery.headers['x-webhook-signature'].slice(7) } };
		}],
		['not hex', () => sign(SECRET, { body, signature: `sha256=${'zz'.repeat(32)}` })],
		['of another scheme', () => sign(SECRET, { body, signature: `sha1=${'ab'.repeat(20)}` })],
	];
	test.each(signatureRows)('signature %s: 401 {"error":"Invalid signature"}, no execution', async (_name, make) => {
		const executions = await track(n8n, workflows.rejects);
		const result = await deliver(n8n, workflows.rejects, make());
		expectJsonAnswer(result, 401, { error: 'Invalid signature' });
		expect(await executions.started()).toHaveLength(0);
	});

	const bodyRows: Array<[string, string]> = [
		['a JSON array', '[{"type":"SessionEnded","data":{}}]'],
		['an object without type', '{"data":{"conversationId":"conv_1"}}'],
		['an object whose type is not a string', '{"type":42,"data":{}}'],
	];
	test.each(bodyRows)('genuine body that is %s: 400, no execution', async (_name, text) => {
		const executions = await track(n8n, workflows.rejects);
		expectError(await deliver(n8n, workflows.rejects, sign(SECRET, { body: text })), 400);
		expect(await executions.started()).toHaveLength(0);
	});

	test.each([
		['missing', null],
		['empty', ''],
	])('delivery id %s while deduplication is on: 400, no execution', async (_name, deliveryId) => {
		const executions = await track(n8n, workflows.rejects);
		expectError(await deliver(n8n, workflows.rejects, sign(SECRET, { body, deliveryId })), 400, /delivery.id/i);
		expect(await executions.started()).toHaveLength(0);
	});

	test('checks run in the contract order: a stale, unsigned delivery without id is a timestamp error', async () => {
		const executions = await track(n8n, workflows.rejects);
		const result = await deliver(n8n, workflows.rejects, sign(SECRET, { body: '[]', timestamp: now() - 600, signature: null, deliveryId: null }));
		expectError(result, 400, /timestamp/i);
		expect(await executions.started()).toHaveLength(0);
	});

	test.each([
		['an empty signing secret', () => workflows.emptySecret],
		['a credential that does not exist', () => workflows.noCredential],
	])('a trigger with %s: 500 naming the misconfiguration, no execution', async (_name, workflow) => {
		const executions = await track(n8n, workflow());
		const error = expectError(await deliver(n8n, workflow(), sign(SECRET, { body })), 500);
		expect(error).toMatch(/credential|secret/i);
		expect(error).toMatch(/misconfigur|no signing secret|missing/i);
		expect(await executions.started()).toHaveLength(0);
	});

	test("n8n's log says why each delivery was rejected", () => {
		const log = n8n.logText();
		for (const reason of ['timestamp_missing', 'timestamp_malformed', 'timestamp_too_old', 'timestamp_in_future', 'signature_missing', 'signature_mismatch', 'body_not_object', 'event_type_missing', 'delivery_id_missing', 'no_signing_secret']) {
			expect(log).toContain(`rejected a delivery (${reason})`);
		}
	});
});

describe(`n8n ${N8N_VERSION}: accepted deliveries, duplicates and replays`, () => {
	const body = eventFixture('SessionEnded');
	let first: ReturnType<typeof sign>;

	test('a genuine delivery: 200 {"received":true}, one execution, the envelope plus delivery on output SessionEnded', async () => {
		const executions = await track(n8n, workflows.accepts);
		first = sign(SECRET, { body });
		const sentAt = Date.now();
		expectJsonAnswer(await deliver(n8n, workflows.accepts, first), 200, { received: true });
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(started[0]).toMatchObject({ status: 'success', mode: 'webhook' });
		const { item, outputs } = onlyItem(started[0]);
		expect(outputs).toEqual([[routeIndexOf('SessionEnded'), 1]]);
		const timestamp = Number(first.headers['x-webhook-timestamp']);
		expect(item).toEqual({
			...fixtureJson('SessionEnded'),
			delivery: {
				id: first.headers['x-webhook-delivery-id'],
				timestamp: new Date(timestamp * 1000).toISOString(),
				receivedAt: expect.stringMatching(ISO_PATTERN),
			},
		});
		const receivedAt = Date.parse((item.delivery as { receivedAt: string }).receivedAt);
		expect(Math.abs(receivedAt - sentAt)).toBeLessThan(10_000);
	});

	test('the very same request again: 200 duplicate, no execution', async () => {
		const executions = await track(n8n, workflows.accepts);
		expectJsonAnswer(await deliver(n8n, workflows.accepts, first), 200, { received: true, duplicate: true });
		expect(await executions.started()).toHaveLength(0);
	});

	test('a retry (same delivery id, signed again with a new timestamp): 200 duplicate, no execution', async () => {
		const executions = await track(n8n, workflows.accepts);
		const retry = sign(SECRET, { body, deliveryId: first.headers['x-webhook-delivery-id'], timestamp: nowSeconds() + 1 });
		expectJsonAnswer(await deliver(n8n, workflows.accepts, retry), 200, { received: true, duplicate: true });
		expect(await executions.started()).toHaveLength(0);
	});

	test('a replay (same signed request under a new delivery id): 200 duplicate, no execution', async () => {
		const executions = await track(n8n, workflows.accepts);
		const replay = { ...first, headers: { ...first.headers, 'x-webhook-delivery-id': 'dlv_replayed_under_new_id' } };
		expectJsonAnswer(await deliver(n8n, workflows.accepts, replay), 200, { received: true, duplicate: true });
		expect(await executions.started()).toHaveLength(0);
	});

	test('white space, non-ASCII text and 1.0 as sent (published vector 2, fresh timestamp) verify', async () => {
		const vectors = JSON.parse(readFileSync(join(FIXTURES_DIR, 'signature-vectors.json'), 'utf8')) as {
			vectors: Array<{ bodyBase64: string; body: string }>;
		};
		const bytes = Buffer.from(vectors.vectors[1].bodyBase64, 'base64');
		const executions = await track(n8n, workflows.accepts);
		expectJsonAnswer(await deliver(n8n, workflows.accepts, sign(SECRET, { body: bytes })), 200, { received: true });
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		const { item, outputs } = onlyItem(started[0]);
		expect(outputs).toEqual([[routeIndexOf('AnalysisCompleted'), 1]]);
		expect(item.data).toEqual({ summary: 'Café réservation — übermorgen 📞', note: 'café', sentimentScore: 1 });
	});

	test.each([
		['upper-case hex digits', (signature: string) => `sha256=${signature.slice(7).toUpperCase()}`],
		['several sha256= values, one of them right', (signature: string) => `sha256=${'0'.repeat(64)}, ${signature}`],
	])('a signature in %s is accepted', async (_name, rewrite) => {
		const executions = await track(n8n, workflows.accepts);
		const delivery = sign(SECRET, { body: eventFixture('SessionStarted') });
		delivery.headers['x-webhook-signature'] = rewrite(delivery.headers['x-webhook-signature']);
		expectJsonAnswer(await deliver(n8n, workflows.accepts, delivery), 200, { received: true });
		const started = await executions.started(1);
		expect(started.map(occupiedOutputs)).toEqual([[[routeIndexOf('SessionStarted'), 1]]]);
	});

	test('Content-Type with a charset parameter is accepted', async () => {
		const executions = await track(n8n, workflows.accepts);
		const delivery = sign(SECRET, { body: eventFixture('Error') });
		delivery.headers['content-type'] = 'application/json; charset=utf-8';
		expectJsonAnswer(await deliver(n8n, workflows.accepts, delivery), 200, { received: true });
		expect((await executions.started(1)).map(occupiedOutputs)).toEqual([[[routeIndexOf('Error'), 1]]]);
	});

	test('50 concurrent copies of one delivery: one accepted, the others duplicate or asked to retry while it is stored, exactly one execution', async () => {
		const executions = await track(n8n, workflows.concurrent);
		const delivery = sign(SECRET, { body: eventFixture('SessionStarted') });
		const results = await Promise.all(Array.from({ length: 50 }, () => deliver(n8n, workflows.concurrent, delivery)));
		const answers = results.map((result) => `${result.status} ${result.text}`);
		const tally = answers.reduce<Record<string, number>>((counts, answer) => ({ ...counts, [answer]: (counts[answer] ?? 0) + 1 }), {});
		// A copy that arrives while the first is still being stored waits for it (up to 3 s) and
		// is then a duplicate; one that waited longer is told to retry (503), never "duplicate"
		// for a delivery n8n does not hold yet.
		const duplicate = '200 {"received":true,"duplicate":true}';
		const retry = '503 {"error":"An earlier copy of this delivery is still being stored; retry it"}';
		expect(tally['200 {"received":true}']).toBe(1);
		expect((tally[duplicate] ?? 0) + (tally[retry] ?? 0)).toBe(49);
		expect(Object.keys(tally).every((answer) => [duplicate, retry, '200 {"received":true}'].includes(answer))).toBe(true);
		for (const result of results.filter((candidate) => candidate.status === 503)) expect(result.retryAfter).toBe('2');
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(occupiedOutputs(started[0])).toEqual([[routeIndexOf('SessionStarted'), 1]]);
		// Once it is stored, the retry Voisnap sends after a 503 is a duplicate.
		expectJsonAnswer(await deliver(n8n, workflows.concurrent, delivery), 200, { received: true, duplicate: true });
	});
});

describe(`n8n ${N8N_VERSION}: routing`, () => {
	const names = eventFixtureNames();

	test.each(names)('%s lands on its own output with the documented item', async (name) => {
		const executions = await track(n8n, workflows.routes);
		const delivery = sign(SECRET, { body: eventFixture(name) });
		expectJsonAnswer(await deliver(n8n, workflows.routes, delivery), 200, { received: true });
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(started[0].outputs).toHaveLength(ROUTE_OUTPUTS.length);
		const { item, outputs } = onlyItem(started[0]);
		expect(outputs).toEqual([[routeIndexOf(name), 1]]);
		expect(item).toEqual({
			...fixtureJson(name),
			delivery: {
				id: delivery.headers['x-webhook-delivery-id'],
				timestamp: new Date(Number(delivery.headers['x-webhook-timestamp']) * 1000).toISOString(),
				receivedAt: expect.stringMatching(ISO_PATTERN),
			},
		});
	});

	test('routing "single": every event type on output 0, the only output', async () => {
		const executions = await track(n8n, workflows.single);
		const deliveries = names.map((name) => sign(SECRET, { body: eventFixture(name) }));
		for (const delivery of deliveries) {
			expectJsonAnswer(await deliver(n8n, workflows.single, delivery), 200, { received: true });
		}
		const started = await executions.started(names.length);
		expect(started).toHaveLength(names.length);
		for (const execution of started) {
			expect(execution.outputs).toHaveLength(1);
			expect(occupiedOutputs(execution)).toEqual([[0, 1]]);
		}
		const types = started.map((execution) => execution.outputs[0][0].type).sort();
		expect(types).toEqual(names.map((name) => fixtureJson(name).type).sort());
	});

	test('a node of version 1 (workflows saved before version 2) routes, answers and deduplicates the same', async () => {
		expect(workflows.versionOne.nodes[0].typeVersion).toBe(1);
		expect(workflows.routes.nodes[0].typeVersion).toBe(2);
		const executions = await track(n8n, workflows.versionOne);
		for (const name of ['AnalysisCompleted', 'VoicemailDetected']) {
			const delivery = sign(SECRET, { body: eventFixture(name) });
			expectJsonAnswer(await deliver(n8n, workflows.versionOne, delivery), 200, { received: true });
			expectJsonAnswer(await deliver(n8n, workflows.versionOne, delivery), 200, { received: true, duplicate: true });
		}
		const started = await executions.started(2);
		expect(started.map(occupiedOutputs)).toEqual([[[routeIndexOf('AnalysisCompleted'), 1]], [[routeIndexOf('VoicemailDetected'), 1]]]);
		expect(started[0].outputs).toHaveLength(ROUTE_OUTPUTS.length);
	});

	test('options includeHeaders and includeRawBody add the headers (without the signature) and the exact body', async () => {
		const executions = await track(n8n, workflows.extras);
		const delivery = sign(SECRET, { body: eventFixture('TransferInitiated') });
		expectJsonAnswer(await deliver(n8n, workflows.extras, delivery), 200, { received: true });
		const [execution] = await executions.started(1);
		const { item } = onlyItem(execution);
		expect(item.rawBody).toBe(eventFixture('TransferInitiated').toString('utf8'));
		const headers = item.headers as Record<string, string>;
		expect(headers['x-webhook-delivery-id']).toBe(delivery.headers['x-webhook-delivery-id']);
		expect(headers['x-webhook-timestamp']).toBe(delivery.headers['x-webhook-timestamp']);
		expect(headers).not.toHaveProperty('x-webhook-signature');
	});

	test('an event type not selected in Events: 200 ignored, no execution; a selected one runs', async () => {
		const executions = await track(n8n, workflows.filtered);
		for (const name of ['SessionStarted', 'VoicemailDetected']) {
			const result = await deliver(n8n, workflows.filtered, sign(SECRET, { body: eventFixture(name) }));
			expectJsonAnswer(result, 200, { received: true, ignored: true });
		}
		expect(await executions.started()).toHaveLength(0);
		const selected = await deliver(n8n, workflows.filtered, sign(SECRET, { body: eventFixture('SessionEnded') }));
		expectJsonAnswer(selected, 200, { received: true });
		expect((await executions.started(1)).map(occupiedOutputs)).toEqual([[[routeIndexOf('SessionEnded'), 1]]]);
	});
});

describe(`n8n ${N8N_VERSION}: test mode ("Listen for test event")`, () => {
	const workflow: WorkflowJson = workflows.testMode;

	test('a genuine test delivery runs once in manual mode; the same delivery is accepted again on the next listen', async () => {
		const executions = await track(n8n, workflow);
		const delivery = sign(SECRET, { body: eventFixture('AnalysisCompleted') });
		for (let round = 0; round < 2; round++) {
			await n8n.armTestWebhook(workflow.id);
			expectJsonAnswer(await postDelivery(n8n.testWebhookUrl(workflow.id), delivery), 200, { received: true });
		}
		const started = await executions.started(2);
		expect(started.map((execution) => [execution.mode, execution.status, occupiedOutputs(execution)])).toEqual([
			['manual', 'success', [[routeIndexOf('AnalysisCompleted'), 1]]],
			['manual', 'success', [[routeIndexOf('AnalysisCompleted'), 1]]],
		]);
		expect(await n8n.isTestWebhookArmed(workflow.id)).toBe(false);
		// Nothing is remembered in test mode: the production URL would still accept it.
		expect(await n8n.staticData(workflow.id)).toBeNull();
	});

	let logOffset = 0;

	test('a forged test delivery: the sender gets 401, the editor is told the run failed and why, a failed manual execution is recorded, the listener is released', async () => {
		const executions = await track(n8n, workflow);
		const editor = await n8n.openEditor();
		try {
			await n8n.armTestWebhook(workflow.id, editor);
			logOffset = n8n.logOffset();
			const result = await postDelivery(n8n.testWebhookUrl(workflow.id), sign(OTHER_SECRET, { body: eventFixture('SessionStarted') }));
			expectJsonAnswer(result, 401, { error: 'Invalid signature' });
			// What the editor tab is pushed: the trigger node's error, then the run's end.
			const finished = await editor.waitFor('executionFinished');
			expect(finished.data).toMatchObject({ workflowId: workflow.id, status: 'error' });
			const nodeResult = editor.messages.find((message) => message.type === 'nodeExecuteAfter');
			const nodeError = (nodeResult?.data.data as { error?: { message?: string; description?: string } } | undefined)?.error;
			expect(nodeError?.message).toContain('Invalid signature');
			expect(nodeError?.description).toContain('signature_mismatch');
		} finally {
			editor.close();
		}
		const started = await executions.started(1);
		expect(started.map((execution) => [execution.mode, execution.status])).toEqual([['manual', 'error']]);
		expect(started[0].error).toContain('Invalid signature');
		expect(await n8n.isTestWebhookArmed(workflow.id)).toBe(false);
	});

	test('answering a forged test delivery makes n8n send no second answer (no "headers already sent")', async () => {
		// Give n8n time to finish handling the request above.
		await n8n.waitForIdle({ workflowId: workflow.id });
		const log = n8n.logText(logOffset);
		const ownErrors = log
			.split('\n')
			.filter((line) => /Cannot set headers after they are sent|ERR_HTTP_HEADERS_SENT/.test(line));
		if (ownErrors.length > 0) {
			throw new Error(
				`n8n ${N8N_VERSION} logged errors while handling a rejected test delivery (the node throws after answering; ` +
					`n8n then tries to answer 500 on a response already sent):\n${log}`,
			);
		}
	});
});
