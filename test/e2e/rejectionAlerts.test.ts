/**
 * Alert on Rejections against a real n8n (N8N_VERSION, default 2.41.1): refused deliveries
 * start a rate-limited execution on the trigger's `Rejected` output, the sender's answer stays
 * what it was, junk starts nothing, and nothing downstream of the event outputs runs. One n8n
 * for the file, one workflow per scenario, each with a NoOp behind every event output and one
 * behind `Rejected`, so that which nodes ran shows which branch an execution took.
 */
import type { Execution, WorkflowJson } from '../harness';
import { N8nInstance } from '../harness';
import type { PostResult, SignedDelivery } from '../support/signedDelivery';
import { eventFixture, nowSeconds } from '../support/signedDelivery';
import { EVENT_NODE, TRIGGER, alertOf, alertingWorkflow, ranNodes } from './rejectionAlertSupport';
import { ISO_PATTERN, N8N_VERSION, START_TIMEOUT_MS, TEST_TIMEOUT_MS, deliver, sign, track, withoutHeader } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_e2eRejectionAlerts7c1d93ab5e20';
const WRONG_SECRET = 'whsec_pastedFromTheWrongEndpoint0000';
/** Short enough to wait out in a test; users keep the default 10 minutes. */
const INTERVAL_MINUTES = 0.25;
const INTERVAL_MS = INTERVAL_MINUTES * 60_000;
const ON = { alertOnRejections: true, alertIntervalMinutes: INTERVAL_MINUTES };
const workflows = {
	wrongSecret: alertingWorkflow('wrong secret', ON),
	junk: alertingWorkflow('junk flood', ON),
	clock: alertingWorkflow('clock off', ON),
	contract: alertingWorkflow('genuine delivery breaking the contract', ON),
	genuine: alertingWorkflow('genuine deliveries', ON),
	single: alertingWorkflow('single routing', ON, 'single'),
	off: alertingWorkflow('option off', { alertOnRejections: false }),
};

let n8n: N8nInstance;

beforeAll(async () => {
	n8n = await N8nInstance.start({ version: N8N_VERSION, credential: { signingSecret: SECRET }, workflows: Object.values(workflows) });
}, START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
});

const body = eventFixture('SessionEnded');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectAnswer(result: PostResult, status: number, error: string): void {
	expect({ status: result.status, body: result.body }).toEqual({ status, body: { error } });
}

/** Sends deliveries one after another, each answer with when it was sent and answered. */
async function sendAll(workflow: WorkflowJson, deliveries: SignedDelivery[]) {
	const answers: Array<{ result: PostResult; sentAt: number; answeredAt: number; id: string }> = [];
	for (const delivery of deliveries) {
		const sentAt = Date.now();
		const result = await deliver(n8n, workflow, delivery);
		answers.push({ result, sentAt, answeredAt: Date.now(), id: delivery.headers['x-webhook-delivery-id'] });
	}
	return answers;
}

describe(`n8n ${N8N_VERSION}: Alert on Rejections`, () => {
	it('a wrong secret: 401 each; one execution on Rejected with the item at once; after the interval one more carrying the count', async () => {
		const executions = await track(n8n, workflows.wrongSecret);
		const logOffset = n8n.logOffset();
		const burst = await sendAll(workflows.wrongSecret, Array.from({ length: 6 }, () => sign(WRONG_SECRET, { body })));
		for (const { result } of burst) expectAnswer(result, 401, 'Invalid signature');
		// The burst must fit in the interval for "exactly one" to be the claim under test.
		expect(burst[burst.length - 1].answeredAt - burst[0].sentAt).toBeLessThan(INTERVAL_MS);

		const afterBurst = await executions.started(1);
		expect(afterBurst).toHaveLength(1);
		const first = alertOf(afterBurst[0]);
		expect(first).toEqual({
			reason: 'signature_mismatch',
			status: 401,
			message: 'Invalid signature',
			advice: expect.stringContaining("Check the credential's Signing Secret"),
			deliveryId: burst[0].id,
			receivedAt: expect.stringMatching(ISO_PATTERN),
			count: 1,
			since: first.receivedAt,
		});
		const receivedAt = Date.parse(first.receivedAt as string);
		expect(receivedAt).toBeGreaterThanOrEqual(burst[0].sentAt - 1000);
		expect(receivedAt).toBeLessThanOrEqual(burst[0].answeredAt + 1000);
		const text = JSON.stringify(afterBurst[0].outputs);
		for (const secret of [SECRET, WRONG_SECRET, 'sha256=', 'conv_']) expect({ secret, inItem: text.includes(secret) }).toEqual({ secret, inItem: false });

		// After the interval (measured from the first alert), the next refusal alerts with the count.
		await sleep(Math.max(0, receivedAt + INTERVAL_MS + 500 - Date.now()));
		const [late] = await sendAll(workflows.wrongSecret, [sign(WRONG_SECRET, { body })]);
		expectAnswer(late.result, 401, 'Invalid signature');
		const all = await executions.started(2);
		expect(all).toHaveLength(2);
		const second = alertOf(all.find((execution) => execution.id !== afterBurst[0].id) as Execution);
		// The five refused within the interval, and this one; counted from the second of the burst.
		expect(second).toMatchObject({ reason: 'signature_mismatch', deliveryId: late.id, count: 6 });
		const since = Date.parse(second.since as string);
		expect(since).toBeGreaterThanOrEqual(burst[1].sentAt - 1000);
		expect(since).toBeLessThanOrEqual(burst[1].answeredAt + 1000);
		expect(await n8n.staticData(workflows.wrongSecret.id)).toBeNull();
		// n8n wrote no answer of its own over the trigger's (1.x resolves the run's response promise).
		expect(n8n.logText(logOffset)).not.toMatch(/ERR_HTTP_HEADERS_SENT|headers already sent|Cannot set headers/i);
	});

	it('a junk flood (no timestamp, malformed signature or timestamp, forged stale signature) starts no execution', async () => {
		const executions = await track(n8n, workflows.junk);
		const junk = (index: number): SignedDelivery => {
			switch (index % 5) {
				case 0:
					return withoutHeader(sign(SECRET, { body }), 'x-webhook-timestamp');
				case 1:
					return sign(SECRET, { body, signature: 'sha256=abcdef' });
				case 2:
					return sign(SECRET, { body, signature: null });
				case 3:
					return sign(SECRET, { body, timestamp: 'yesterday' });
				default:
					// Well-formed, stale, and not made with the secret: a replayed forgery, not a clock problem.
					return sign(WRONG_SECRET, { body, timestamp: nowSeconds() - 3600 });
			}
		};
		const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => deliver(n8n, workflows.junk, junk(index))));
		expect(answers.map((answer) => answer.status).sort()).toEqual([...Array(24).fill(400), ...Array(16).fill(401)]);
		expect(await executions.started()).toEqual([]);
		expect(await n8n.staticData(workflows.junk.id)).toBeNull();
	});

	it('a delivery signed with the secret but off the clock: 400 as before, and one alert (timestamp_too_old)', async () => {
		const executions = await track(n8n, workflows.clock);
		const [stale, again] = await sendAll(workflows.clock, [
			sign(SECRET, { body, timestamp: nowSeconds() - 3600 }),
			sign(SECRET, { body, timestamp: nowSeconds() - 3600 }),
		]);
		for (const { result } of [stale, again]) expectAnswer(result, 400, 'Timestamp outside the tolerance (too old)');
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(alertOf(started[0])).toMatchObject({ reason: 'timestamp_too_old', status: 400, deliveryId: stale.id, count: 1 });
	});

	it('a genuine delivery whose body breaks the contract: 400 as before, and one alert (event_type_missing)', async () => {
		const executions = await track(n8n, workflows.contract);
		const [sent] = await sendAll(workflows.contract, [sign(SECRET, { body: '{"data":{"conversationId":"conv_1"}}' })]);
		expectAnswer(sent.result, 400, 'Body has no string "type" field');
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(alertOf(started[0])).toMatchObject({ reason: 'event_type_missing', message: 'Body has no string "type" field', count: 1 });
	});

	it('genuine deliveries still run their event branch only, answered and deduplicated as without the option', async () => {
		const executions = await track(n8n, workflows.genuine);
		const delivery = sign(SECRET, { body });
		const [first, retry] = await sendAll(workflows.genuine, [delivery, delivery]);
		expect({ status: first.result.status, body: first.result.body }).toEqual({ status: 200, body: { received: true } });
		expect({ status: retry.result.status, body: retry.result.body }).toEqual({ status: 200, body: { received: true, duplicate: true } });
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(ranNodes(started[0])).toEqual([EVENT_NODE('SessionEnded'), TRIGGER].sort());
		expect(started[0].outputs.map((items) => items.length)).toEqual([0, 1, 0, 0, 0, 0, 0]);
	});

	it('single routing: the alert goes to the second output, Rejected', async () => {
		const executions = await track(n8n, workflows.single);
		const [sent] = await sendAll(workflows.single, [sign(WRONG_SECRET, { body })]);
		expectAnswer(sent.result, 401, 'Invalid signature');
		const started = await executions.started(1);
		expect(started).toHaveLength(1);
		expect(alertOf(started[0], 1)).toMatchObject({ reason: 'signature_mismatch', count: 1 });
	});

	it('with the option off, a wrong secret starts no execution at all', async () => {
		const executions = await track(n8n, workflows.off);
		const answers = await sendAll(workflows.off, Array.from({ length: 3 }, () => sign(WRONG_SECRET, { body })));
		for (const { result } of answers) expectAnswer(result, 401, 'Invalid signature');
		expect(await executions.started()).toEqual([]);
	});
});
