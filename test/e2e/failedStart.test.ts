/**
 * A failed execution start does not lower the guarantee (N8N_VERSION, default 2.41.1): while
 * another process holds SQLite's write lock on n8n's database, n8n cannot insert the
 * execution of a delivery and answers it with an error (n8n opens SQLite without a busy
 * timeout, so the insert fails at once). That answer says nothing about how n8n answers the next
 * delivery: once the lock is gone, deliveries are still answered only after n8n has stored their
 * execution, each is in static data once its run is over (no further delivery needed), and
 * the trigger keeps its answer path (no warning that n8n changed). The proof
 * that does not depend on timing: with the lock held once more, the next delivery must again be
 * answered with an error; a 200 then would be an answer sent before the insert (which fails), a
 * delivery acknowledged and lost. The deliveries n8n could not store are not remembered: their
 * retries run.
 */
import type { SignedDelivery } from '../support/signedDelivery';
import { deliveryKey } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { N8nInstance, voisnapWorkflow } from '../harness';
import { holdSqliteWriteLock } from '../harness/sqliteLock';
import { eventFixture } from '../support/signedDelivery';
import { N8N_VERSION, START_TIMEOUT_MS, TEST_TIMEOUT_MS, deliver, deliveryIdsOf, sign, track } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_failedStartSecret6d2a90c4e81f7b';
const AFTERWARDS = 5;
/** What the trigger logs when it switches to its weaker answer path (n8n/answerPath.ts). */
const FALLBACK_WARNING = /Voisnap Trigger: n8n (answered without reading the answer|read the answer before storing)/;

const workflow = voisnapWorkflow({ name: 'a failed execution start' });
let n8n: N8nInstance;

beforeAll(async () => {
	n8n = await N8nInstance.start({ version: N8N_VERSION, credential: { signingSecret: SECRET }, workflows: [workflow] });
}, START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
});

let made = 0;
function newDelivery(): SignedDelivery {
	const envelope = JSON.parse(eventFixture('SessionEnded').toString('utf8')) as { data: Record<string, unknown> };
	return sign(SECRET, { body: JSON.stringify({ ...envelope, data: { ...envelope.data, conversationId: `conv_failed_start_${process.pid}_${made++}` } }) });
}
const idOf = (delivery: SignedDelivery) => delivery.headers['x-webhook-delivery-id'];

/** Sends a delivery while another process holds SQLite's write lock on n8n's database. */
async function deliverWhileLocked(delivery: SignedDelivery) {
	const lock = await holdSqliteWriteLock(n8n);
	try {
		const answer = await deliver(n8n, workflow, delivery);
		return `${answer.status} ${answer.text}`;
	} finally {
		await lock.release();
	}
}

/** Sends a delivery; `stored`: whether n8n held its execution when the answer arrived. */
async function deliverAndCheckStored(delivery: SignedDelivery) {
	const answer = await deliver(n8n, workflow, delivery);
	const stored = (await n8n.executions(workflow.id)).some((execution) => deliveryIdsOf(execution).includes(idOf(delivery)));
	return { id: idOf(delivery), answer: `${answer.status} ${answer.text}`, stored };
}

test(`n8n ${N8N_VERSION}: a delivery n8n cannot store (SQLite locked) is answered with an error; the next ${AFTERWARDS} are answered only once stored, and the trigger keeps its answer path`, async () => {
	const logFrom = n8n.logOffset();
	const executions = await track(n8n, workflow);
	const accepted = (id: string) => ({ id, answer: '200 {"received":true}', stored: true });

	const before = newDelivery();
	expect(await deliverAndCheckStored(before)).toEqual(accepted(idOf(before)));

	const failed = newDelivery();
	const failedAnswer = await deliverWhileLocked(failed);
	console.log(`n8n ${N8N_VERSION}: with SQLite's write lock held elsewhere, n8n answered ${failedAnswer}`);
	expect(failedAnswer).toMatch(/^5\d\d /);

	const afterwards = [];
	for (let index = 0; index < AFTERWARDS; index++) {
		const delivery = newDelivery();
		afterwards.push(await deliverAndCheckStored(delivery));
	}
	expect(afterwards).toEqual(afterwards.map(({ id }) => accepted(id)));
	// And remembered as a 200 promises: in static data once their runs are over, with no further
	// delivery to write them (the weaker path saves an id only with the next delivery's save).
	await n8n.waitForIdle({ workflowId: workflow.id, atLeast: AFTERWARDS + 1 });
	const saved = JSON.stringify((await n8n.staticData(workflow.id)) ?? null);
	expect(afterwards.map(({ id }) => id).filter((id) => !saved.includes(deliveryKey(id)))).toEqual([]);

	// Still answered only after the insert: with the insert failing again, no 200.
	const failedAgain = newDelivery();
	expect(await deliverWhileLocked(failedAgain)).toMatch(/^5\d\d /);

	// Not stored, so not remembered: Voisnap's retries of them run.
	for (const delivery of [failed, failedAgain]) {
		const retry = sign(SECRET, { body: delivery.body, deliveryId: idOf(delivery) });
		expect(await deliverAndCheckStored(retry)).toEqual(accepted(idOf(delivery)));
	}

	const runs = await executions.started(AFTERWARDS + 3);
	const expectedRuns = [idOf(before), ...afterwards.map(({ id }) => id), idOf(failed), idOf(failedAgain)];
	expect(runs.map((execution) => [deliveryIdsOf(execution), execution.status])).toEqual(expectedRuns.map((id) => [[id], 'success']));
	expect(n8n.logText(logFrom).split('\n').filter((line) => FALLBACK_WARNING.test(line))).toEqual([]);
});
