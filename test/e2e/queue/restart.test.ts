/**
 * The trigger's memory across n8n's queue mode (N8N_VERSION, default 2.41.1), where the two
 * `n8n webhook` processes share it only through the workflow's static data in Postgres:
 *
 * 1. A delivery accepted by one webhook process and sent again to the other a while after that
 *    200 (a retry a load balancer sends elsewhere): a duplicate, from the delay the README
 *    promises on. QUEUE_RETRY_DELAYS_MS (e.g. `500,1000,1600,3000,5000`) also measures other
 *    delays, QUEUE_RETRY_TRIALS the deliveries per delay, QUEUE_RETRY_CONCURRENCY how many at once;
 *    the figures are printed per delay.
 * 2. A burst of distinct deliveries at Voisnap's 20 connections, all acknowledged and run, sent
 *    twice over: through the nginx front (the trigger's URL hashed: one webhook process takes and
 *    saves every delivery of the trigger) and round-robin straight to both processes. Then every
 *    n8n process stopped gracefully (SIGTERM) with no delivery in between, started again on the
 *    same database, and every delivery of this file sent again. Through the front: every one a
 *    duplicate, none started again. Round-robin: every one the database held is a duplicate; the
 *    others (the tail of one process's saves, overwritten by the other's) are counted and printed.
 *
 * The `legacy` expression engine on 2.x, as in dedup.test.ts: with n8n's default one each
 * webhook process lets one delivery at a time through the trigger.
 */
import { randomUUID } from 'node:crypto';

import { deliveryKey } from '../../../nodes/VoisnapTrigger/contract/deliveryStore';
import { QueueCluster, voisnapWorkflow } from '../../harness';
import { eventFixture, postDelivery } from '../../support/signedDelivery';
import { N8N_VERSION, ranDeliveryIdsOf, sign, track, withConcurrency } from '../support';
import { CLUSTER_START_TIMEOUT_MS } from './support';

jest.setTimeout(10 * 60_000);

const SECRET = 'whsec_queueRestartSecret2b7e41c0f9d3a5';
const ACCEPTED = '200 {"received":true}';
const DUPLICATE = '200 {"received":true,"duplicate":true}';
/** README "Deduplication across webhook processes": retries a second or more apart are duplicates. */
const PROMISED_RETRY_DELAY_MS = 1_000;
const MEASURED_DELAYS_MS = (process.env.QUEUE_RETRY_DELAYS_MS ?? '')
	.split(',')
	.map(Number)
	.filter((delay) => delay > 0 && delay !== PROMISED_RETRY_DELAY_MS);
const RETRY_TRIALS = Number(process.env.QUEUE_RETRY_TRIALS) || 30;
/**
 * Trials in flight at once (QUEUE_RETRY_CONCURRENCY, default 1): with more, other deliveries
 * reach both processes between a delivery's 200 and its retry, as under Voisnap's traffic.
 */
const RETRY_CONCURRENCY = Number(process.env.QUEUE_RETRY_CONCURRENCY) || 1;
const BURST = 200;
const CONCURRENCY = 20;

const workflows = {
	retries: voisnapWorkflow({ name: 'queue: retried at the other webhook process after its 200' }),
	burst: voisnapWorkflow({ name: `queue: ${BURST} deliveries round-robin, then every process restarted` }),
	frontBurst: voisnapWorkflow({ name: `queue: ${BURST} deliveries through the front, then every process restarted` }),
};
type Sent = { id: string; body: Buffer };
/** What each workflow accepted in this file, for the restart test. */
const accepted: Record<keyof typeof workflows, Sent[]> = { retries: [], burst: [], frontBurst: [] };

let cluster: QueueCluster;

beforeAll(async () => {
	cluster = await QueueCluster.start({
		version: N8N_VERSION,
		credential: { signingSecret: SECRET },
		workflows: Object.values(workflows),
		expressionEngine: 'legacy',
		front: true,
	});
	console.log(`n8n ${N8N_VERSION} queue cluster started: ${JSON.stringify(cluster.timings)}`);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

const run = randomUUID().slice(0, 8);
let made = 0;
/** A new delivery with distinct bytes: identical bodies signed in the same second would be a replay. */
function newDelivery(label: string): Sent {
	const index = made++;
	const envelope = JSON.parse(eventFixture('SessionEnded').toString('utf8')) as { data: Record<string, unknown> };
	return {
		id: `dlv_${label}_${run}_${String(index).padStart(3, '0')}`,
		body: Buffer.from(JSON.stringify({ ...envelope, data: { ...envelope.data, conversationId: `conv_${label}_${run}_${index}` } })),
	};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const answerOf = async (url: string, { id, body }: Sent) => {
	const answer = await postDelivery(url, sign(SECRET, { body, deliveryId: id }));
	return `${answer.status} ${answer.text}`;
};

interface RetryFigures {
	delayMs: number;
	trials: number;
	duplicates: number;
	/** Deliveries that started an execution at both webhook processes. */
	ranAgain: string[];
	/** Of those, the ones the workflow's static data did not hold just before the retry was sent. */
	notSavedAtRetry: string[];
	/** Answers other than a first `received` and a retry's `duplicate` or `received`. */
	otherAnswers: string[];
}

/**
 * RETRY_TRIALS new deliveries (RETRY_CONCURRENCY at a time), each sent to one webhook process
 * and, `delayMs` after its 200, to the other (the first process alternates).
 */
async function retryAtTheOtherProcess(delayMs: number): Promise<RetryFigures> {
	const [first, second] = cluster.webhookUrls(workflows.retries.id);
	const executions = await track(cluster, workflows.retries);
	const retryAnswers = new Map<string, string>();
	const otherAnswers: string[] = [];
	const notSavedAtRetry = new Set<string>();
	const trial = async (index: number) => {
		const delivery = newDelivery(`retry_${delayMs}ms`);
		const [to, retryTo] = index % 2 === 0 ? [first, second] : [second, first];
		const answer = await answerOf(to, delivery);
		if (answer !== ACCEPTED) {
			otherAnswers.push(`${delivery.id} first: ${answer}`);
			return;
		}
		accepted.retries.push(delivery);
		await sleep(delayMs);
		// Was the save of the first 200 in the database just before the retry (a read takes ms)?
		const saved = JSON.stringify((await cluster.staticData(workflows.retries.id)) ?? null);
		if (!saved.includes(deliveryKey(delivery.id))) notSavedAtRetry.add(delivery.id);
		const retry = await answerOf(retryTo, delivery);
		retryAnswers.set(delivery.id, retry);
		if (retry !== ACCEPTED && retry !== DUPLICATE) otherAnswers.push(`${delivery.id} retry: ${retry}`);
	};
	await withConcurrency(
		RETRY_CONCURRENCY,
		Array.from({ length: RETRY_TRIALS }, (_, index) => () => trial(index)),
	);
	const runs = await executions.started(retryAnswers.size, 2_000);
	const runsOf = new Map<string, number>();
	for (const id of runs.flatMap((execution) => ranDeliveryIdsOf(execution))) runsOf.set(id, (runsOf.get(id) ?? 0) + 1);
	const figures: RetryFigures = {
		delayMs,
		trials: RETRY_TRIALS,
		duplicates: [...retryAnswers.values()].filter((answer) => answer === DUPLICATE).length,
		ranAgain: [...runsOf].filter(([, count]) => count > 1).map(([id]) => id),
		notSavedAtRetry: [],
		otherAnswers,
	};
	figures.notSavedAtRetry = figures.ranAgain.filter((id) => notSavedAtRetry.has(id));
	// Each answer must say what happened: `received` at the other process is the second run.
	const answeredReceivedAgain = [...retryAnswers].filter(([, answer]) => answer === ACCEPTED).map(([id]) => id);
	expect(figures.ranAgain.sort()).toEqual(answeredReceivedAgain.sort());
	expect(runs.filter((execution) => execution.status !== 'success').map(({ id, status }) => `${id}: ${status}`)).toEqual([]);
	console.log(
		`n8n ${N8N_VERSION} queue mode, retried at the other webhook process ${delayMs} ms after the 200 (${RETRY_CONCURRENCY} trials at a time): ` +
			`${figures.duplicates} of ${RETRY_TRIALS} duplicates, ${figures.ranAgain.length} ran again (${figures.ranAgain.join(', ') || 'none'}; of those, not in static data as the retry was sent: ${figures.notSavedAtRetry.join(', ') || 'none'}; ` +
			`not in static data at the retry, all trials: ${notSavedAtRetry.size})` +
			`${otherAnswers.length > 0 ? `; other answers: ${otherAnswers.join('; ')}` : ''}`,
	);
	return figures;
}

/**
 * BURST new deliveries of `key`'s workflow at CONCURRENCY connections, each to `urlOf(index)`: all
 * acknowledged, each run once. Returns the ids static data lacks afterwards, with no delivery
 * after the burst (only the saves the burst made count).
 */
async function burstOf(key: 'burst' | 'frontBurst', urlOf: (index: number) => string): Promise<{ notSaved: string[] }> {
	const workflow = workflows[key];
	const deliveries = Array.from({ length: BURST }, () => newDelivery(key));
	const executions = await track(cluster, workflow);
	const sentAt = Date.now();
	const answers = await withConcurrency(
		CONCURRENCY,
		deliveries.map((delivery, index) => () => answerOf(urlOf(index), delivery)),
	);
	expect(answers.flatMap((answer, index) => (answer === ACCEPTED ? [] : [`${deliveries[index].id}: ${answer}`]))).toEqual([]);
	accepted[key].push(...deliveries);
	const runs = await executions.started(BURST, 2_000);
	expect(runs.filter((execution) => execution.status !== 'success').map(({ id, status }) => `${id}: ${status}`)).toEqual([]);
	expect(runs.flatMap((execution) => ranDeliveryIdsOf(execution)).sort()).toEqual(deliveries.map(({ id }) => id).sort());
	const saved = JSON.stringify((await cluster.staticData(workflow.id)) ?? null);
	console.log(`n8n ${N8N_VERSION} queue mode, ${key}: ${BURST} deliveries and their executions in ${Date.now() - sentAt} ms`);
	return { notSaved: deliveries.flatMap(({ id }) => (saved.includes(deliveryKey(id)) ? [] : [id])) };
}

describe(`n8n ${N8N_VERSION} queue mode: the trigger's memory across webhook processes and restarts`, () => {
	for (const delayMs of MEASURED_DELAYS_MS) {
		test(`measured: retried at the other webhook process ${delayMs} ms after the 200, ${RETRY_TRIALS} times`, async () => {
			const figures = await retryAtTheOtherProcess(delayMs);
			expect(figures.otherAnswers).toEqual([]);
		});
	}

	test(`retried at the other webhook process ${PROMISED_RETRY_DELAY_MS} ms after the 200, ${RETRY_TRIALS} times: every retry a duplicate, one execution each`, async () => {
		const figures = await retryAtTheOtherProcess(PROMISED_RETRY_DELAY_MS);
		expect({ ranAgain: figures.ranAgain, otherAnswers: figures.otherAnswers, duplicates: figures.duplicates }).toEqual({
			ranAgain: [],
			otherAnswers: [],
			duplicates: RETRY_TRIALS,
		});
	});

	test(`${BURST} deliveries at ${CONCURRENCY} connections through the front and ${BURST} round-robin, every process stopped (SIGTERM) and started again, all sent again: through the front every one a duplicate, no execution; round-robin every one static data held`, async () => {
		const front = await burstOf('frontBurst', () => cluster.frontWebhookUrl(workflows.frontBurst.id));
		const roundRobin = await burstOf('burst', (index) => cluster.webhookUrls(workflows.burst.id)[index % cluster.webhooks.length]);
		await cluster.restartAll();
		console.log(
			`n8n ${N8N_VERSION} queue mode: every process restarted in ${cluster.timings.lastRestart} ms. Before the stop, static data lacked ` +
				`${front.notSaved.length} of the ${BURST} sent through the front (${front.notSaved.join(', ') || 'none'}) and ` +
				`${roundRobin.notSaved.length} of the ${BURST} sent round-robin (${roundRobin.notSaved.join(', ') || 'none'})`,
		);

		const urlOf: Record<keyof typeof workflows, (index: number) => string> = {
			retries: (index) => cluster.webhookUrls(workflows.retries.id)[index % cluster.webhooks.length],
			burst: (index) => cluster.webhookUrls(workflows.burst.id)[index % cluster.webhooks.length],
			frontBurst: () => cluster.frontWebhookUrl(workflows.frontBurst.id),
		};
		const report: Record<string, { sent: number; startedAgain: string[]; notDuplicate: string[] }> = {};
		for (const [key, workflow] of Object.entries(workflows) as Array<[keyof typeof workflows, (typeof workflows)[keyof typeof workflows]]>) {
			const sent = accepted[key];
			const again = await track(cluster, workflow);
			const secondAnswers = await withConcurrency(
				CONCURRENCY,
				sent.map((delivery, index) => () => answerOf(urlOf[key](index), delivery)),
			);
			report[key] = {
				sent: sent.length,
				startedAgain: (await again.started(0, 3_000)).flatMap((execution) => ranDeliveryIdsOf(execution)).sort(),
				notDuplicate: secondAnswers.flatMap((answer, index) => (answer === DUPLICATE ? [] : [`${sent[index].id}: ${answer}`])),
			};
		}
		console.log(
			`n8n ${N8N_VERSION} queue mode, after restarting every process: ` +
				Object.entries(report)
					.map(([key, { sent, startedAgain }]) => `${key}: ${startedAgain.length} of ${sent} started again (${startedAgain.join(', ') || 'none'})`)
					.join('; '),
		);
		// Through the front one webhook process saves every delivery of the trigger: the database
		// holds each, and none starts again. Round-robin, what the database did not hold is the tail
		// of one process's last saves, overwritten by the other's whole save of static data (n8n saves
		// it whole, last writer wins, and nothing atomic reaches a webhook: docs/queue-mode.md,
		// "Restarting every process"); only those may start again.
		const unsaved = new Set(roundRobin.notSaved);
		// n8n 1.x saves a request's static data after the relayed answer, from request handlers
		// running side by side, whose UPDATEs can land out of order (last writer wins) even in one
		// process: there the tail can miss through the front too (1 of 200 in a CI run on
		// 2026-12-08). Only what the database lacked may start again. On 2.x it must lack nothing.
		const frontUnsaved = N8N_VERSION.startsWith('1.') ? new Set(front.notSaved) : new Set<string>();
		expect({
			retries: report.retries,
			frontBurst: {
				...report.frontBurst,
				startedAgain: report.frontBurst.startedAgain.filter((id) => !frontUnsaved.has(id)),
				notDuplicate: report.frontBurst.notDuplicate.filter((entry) => !frontUnsaved.has(entry.split(':')[0])),
				notSavedBeforeStop: front.notSaved.filter((id) => !frontUnsaved.has(id)),
			},
			burst: { ...report.burst, startedAgain: report.burst.startedAgain.filter((id) => !unsaved.has(id)) },
		}).toEqual({
			retries: { sent: accepted.retries.length, startedAgain: [], notDuplicate: [] },
			frontBurst: { sent: BURST, startedAgain: [], notDuplicate: [], notSavedBeforeStop: [] },
			burst: { sent: BURST, startedAgain: [], notDuplicate: report.burst.notDuplicate.filter((entry) => unsaved.has(entry.split(':')[0])) },
		});
		expect(report.burst.notDuplicate.map((entry) => entry.split(':')[0]).sort()).toEqual(report.burst.startedAgain);
	});
});
