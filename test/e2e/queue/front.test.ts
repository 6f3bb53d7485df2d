/**
 * Queue mode behind a load balancer that hashes the trigger's URL (N8N_VERSION, default 2.41.1):
 * Debian's nginx with `hash $uri consistent` (test/harness/nginx.ts, the block
 * docs/queue-mode.md shows) in front of two `n8n webhook` processes, so that every delivery of a
 * trigger, and every copy of it, reaches the same process, whose check-and-claim is synchronous
 * and which alone saves the trigger's memory. Measured beside it:
 * the same bursts sent round-robin straight to the processes (the setup of dedup.test.ts).
 *
 * Settings as in crash.test.ts (worker lock and stalled check at 5 s, main's queue recovery every
 * minute, the `legacy` expression engine on 2.x).
 */
import { deliveryKey } from '../../../nodes/VoisnapTrigger/contract/deliveryStore';
import { QueueCluster, voisnapWorkflow } from '../../harness';
import type { DeliveryRecord } from '../../support/retryingSender';
import { defaultBackoff, sendWithRetries } from '../../support/retryingSender';
import { postDelivery } from '../../support/signedDelivery';
import { N8N_VERSION, deliveryIdsOf, executionsPerDelivery, sign, track, withConcurrency } from '../support';
import { deliveryIdOf, distinctBody, sendBursts } from './bursts';
import { crashBurst } from './crashBurst';
import { CLUSTER_START_TIMEOUT_MS } from './support';

jest.setTimeout(8 * 60_000);

const SECRET = 'whsec_queueFrontSecret0d7e21c94b6a58';
/** Bursts of 50 identical copies, each burst a new delivery. QUEUE_FRONT_BURSTS overrides. */
const BURST_COPIES = 50;
const BURST_REPEATS = Number(process.env.QUEUE_FRONT_BURSTS) || 50;
/** Distinct deliveries per leg of the answers/s comparison, at Voisnap-like parallelism. */
const RATE_DELIVERIES = 300;
const RATE_CONNECTIONS = 20;
const RATE_ROUNDS = 2;
const CRASH_DELIVERIES = 200;
const CRASH_CONCURRENCY = 10;
const KILL_WEBHOOK_AT = 80;
/** Past Voisnap's 5 s answer limit, and past the first retry that follows it (5.25 s). */
const HOLD_STORING_MS = 7_000;

const workflows = {
	bursts: voisnapWorkflow({ name: 'front: copies at once' }),
	retries: voisnapWorkflow({ name: 'front: retries spaced like Voisnap' }),
	held: voisnapWorkflow({ name: 'front: retry while the first is being stored' }),
	rate: voisnapWorkflow({ name: 'front: answers/s' }),
	crash: voisnapWorkflow({ name: 'front: webhook process killed' }),
};

let cluster: QueueCluster;

beforeAll(async () => {
	cluster = await QueueCluster.start({
		version: N8N_VERSION,
		credential: { signingSecret: SECRET },
		workflows: Object.values(workflows),
		expressionEngine: 'legacy',
		front: true,
		roleEnv: {
			main: { N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: '1' },
			worker: { QUEUE_WORKER_LOCK_DURATION: '5000', QUEUE_WORKER_LOCK_RENEW_TIME: '2500', QUEUE_WORKER_STALLED_INTERVAL: '5000' },
		},
	});
	console.log(`n8n ${N8N_VERSION} queue cluster with an nginx front started: ${JSON.stringify(cluster.timings)}`);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

/** The webhook processes (host:port) the front sent each delivery id's requests to. */
function upstreamsById(): Map<string, Set<string>> {
	const byId = new Map<string, Set<string>>();
	for (const { deliveryId, upstream } of cluster.front!.requests()) {
		const seen = byId.get(deliveryId) ?? new Set<string>();
		// `a, b` when nginx tried a then b; ` : ` between groups of an internal redirect.
		for (const tried of upstream.split(/,\s*|\s+:\s+/)) seen.add(tried.trim());
		byId.set(deliveryId, seen);
	}
	return byId;
}

const perSecond = (answers: number, ms: number) => Math.round((1000 * answers) / ms);

describe(`n8n ${N8N_VERSION} queue mode behind nginx hashing the trigger's URL`, () => {
	test(`${BURST_REPEATS} bursts of ${BURST_COPIES} simultaneous copies of one delivery to the front: exactly one execution each; the same bursts round-robin straight to the processes, beside it`, async () => {
		const workflow = workflows.bursts;
		const front = await sendBursts(cluster, workflow, { secret: SECRET, urls: [cluster.frontWebhookUrl(workflow.id)], copies: BURST_COPIES, repeats: BURST_REPEATS, label: 'front' });
		const direct = await sendBursts(cluster, workflow, { secret: SECRET, urls: cluster.webhookUrls(workflow.id), copies: BURST_COPIES, repeats: BURST_REPEATS, label: 'direct' });
		const upstreams = upstreamsById();
		console.log(
			`n8n ${N8N_VERSION} queue mode, ${BURST_REPEATS} bursts of ${BURST_COPIES} copies over 2 webhook processes: ` +
				`through the nginx front, executions per delivery ${JSON.stringify(front.distribution)} (${front.duplicatedBursts.length} bursts ran more than once), ` +
				`${perSecond(front.answers, front.sendingMs)} answers/s during the bursts; ` +
				`round-robin straight to the processes ${JSON.stringify(direct.distribution)} (${direct.duplicatedBursts.length} ran more than once), ` +
				`${perSecond(direct.answers, direct.sendingMs)} answers/s during the bursts ` +
				'(through the front one process takes every copy, and copies wait for the first to be stored: not a throughput figure, see the answers/s test)',
		);
		expect({ duplicated: front.duplicatedBursts, distribution: front.distribution }).toEqual({ duplicated: [], distribution: { 1: BURST_REPEATS } });
		// The routing itself: every copy of every burst went to the one process of the trigger's URL.
		const frontIds = front.sent.map(({ id }) => id);
		expect(frontIds.filter((id) => upstreams.get(id)?.size !== 1)).toEqual([]);
		expect(new Set(frontIds.map((id) => [...upstreams.get(id)!][0])).size).toBe(1);
		expect(cluster.front!.requests().filter((request) => frontIds.includes(request.deliveryId))).toHaveLength(BURST_REPEATS * BURST_COPIES);
		// What the front is for: without it, simultaneous copies split over two processes run twice
		// (91-100 of 100 bursts in dedup.test.ts); none of these went through the front.
		expect(direct.duplicatedBursts.length).toBeGreaterThan(0);
		expect(direct.sent.filter(({ id }) => upstreams.has(id))).toEqual([]);
	});

	test('retries of one delivery spaced like Voisnap (250, 500, 1000 ms), through the front: one execution, every retry a duplicate, all at one process', async () => {
		const workflow = workflows.retries;
		const executions = await track(cluster, workflow);
		const url = cluster.frontWebhookUrl(workflow.id);
		const body = distinctBody('front_retries');
		const first = sign(SECRET, { body });
		const answers = [await postDelivery(url, first)];
		for (let retry = 1; retry <= 3; retry++) {
			await new Promise((resolve) => setTimeout(resolve, defaultBackoff(retry)));
			answers.push(await postDelivery(url, sign(SECRET, { body, deliveryId: deliveryIdOf(first) })));
		}
		expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
			[200, { received: true }],
			[200, { received: true, duplicate: true }],
			[200, { received: true, duplicate: true }],
			[200, { received: true, duplicate: true }],
		]);
		const started = await executions.started(1, 2_000);
		expect(started.map((execution) => [execution.status, deliveryIdsOf(execution)])).toEqual([['success', [deliveryIdOf(first)]]]);
		expect(upstreamsById().get(deliveryIdOf(first))?.size).toBe(1);
	});

	test(`answers/s of ${RATE_DELIVERIES} distinct deliveries at ${RATE_CONNECTIONS} connections, through the front and round-robin straight to the processes, alternating, ${RATE_ROUNDS} rounds: every delivery one execution`, async () => {
		// Reported, not asserted (timing on shared cores is noise); what is asserted is that
		// every delivery was accepted once and ran once on both paths.
		const workflow = workflows.rate;
		const legs = { front: [cluster.frontWebhookUrl(workflow.id)], direct: cluster.webhookUrls(workflow.id) };
		const rates: Record<keyof typeof legs, number[]> = { front: [], direct: [] };
		const executions = await track(cluster, workflow);
		const ids: string[] = [];
		const notAccepted: Array<{ id: string; answer: string }> = [];
		for (let round = 0; round < RATE_ROUNDS; round++) {
			const order = (round % 2 === 0 ? ['front', 'direct'] : ['direct', 'front']) as Array<keyof typeof legs>;
			for (const leg of order) {
				const urls = legs[leg];
				const deliveries = Array.from({ length: RATE_DELIVERIES }, () => sign(SECRET, { body: distinctBody(`rate_${leg}`) }));
				ids.push(...deliveries.map(deliveryIdOf));
				const started = Date.now();
				const answers = await withConcurrency(
					RATE_CONNECTIONS,
					deliveries.map((delivery, index) => () => postDelivery(urls[index % urls.length], delivery)),
				);
				rates[leg].push(perSecond(RATE_DELIVERIES, Date.now() - started));
				answers.forEach((answer, index) => {
					if (answer.text !== '{"received":true}') notAccepted.push({ id: deliveryIdOf(deliveries[index]), answer: `${leg}: ${answer.status} ${answer.text.slice(0, 60)}` });
				});
			}
		}
		const started = await executions.started(ids.length, 2_000);
		const perDelivery = executionsPerDelivery(started);
		console.log(
			`n8n ${N8N_VERSION} queue mode, ${RATE_DELIVERIES} distinct deliveries at ${RATE_CONNECTIONS} connections, answers/s per round: ` +
				`through the nginx front ${JSON.stringify(rates.front)}, round-robin straight to the 2 webhook processes ${JSON.stringify(rates.direct)}; ` +
				`not answered 200: ${notAccepted.map(({ id, answer }) => `${id} (${answer})`).join(', ') || 'none'}`,
		);
		expect(ids.filter((id) => perDelivery.get(id) !== 1)).toEqual([]);
		// n8n 1.x in queue mode now and then never relays the answer of a run its worker did (the run
		// succeeds; nginx gives up after 60 s with 504). That delivery ran once (asserted above); on
		// 2.x, which answers once the job is queued, every delivery is answered 200.
		const tolerated = (answer: string) => N8N_VERSION.startsWith('1.') && / 504 /.test(answer);
		expect(notAccepted.filter(({ answer }) => !tolerated(answer))).toEqual([]);
		expect(started).toHaveLength(ids.length);
	});

	test(`a retry while the first copy is still being stored (n8n's insert held ${HOLD_STORING_MS / 1000} s by a lock on execution_entity): one execution through the front`, async () => {
		// A table lock from the test is the real thing a slow database does to n8n: the insert of
		// the execution waits, so n8n's answer (after the insert on 2.x, from the execution's first
		// step on 1.x) waits, the sender gives up at 5 s and retries under the same id.
		const workflow = workflows.held;
		const executions = await track(cluster, workflow);
		const viaFront = { id: `dlv_front_held_${process.pid}`, body: distinctBody('front_held') };
		const roundRobin = { id: `dlv_direct_held_${process.pid}`, body: distinctBody('direct_held') };
		const lock = await cluster.postgres.lockTable('n8n', 'execution_entity');
		let released = false;
		const release = async () => {
			if (released) return;
			released = true;
			await lock.release();
		};
		const holding = new Promise((resolve) => setTimeout(resolve, HOLD_STORING_MS)).then(release);
		let records: DeliveryRecord[][];
		try {
			records = await Promise.all([
				sendWithRetries([viaFront], { secret: SECRET, urls: [cluster.frontWebhookUrl(workflow.id)], concurrency: 1, giveUpAfterMs: 60_000 }),
				sendWithRetries([roundRobin], { secret: SECRET, urls: cluster.webhookUrls(workflow.id), concurrency: 1, giveUpAfterMs: 60_000 }),
			]);
		} finally {
			await release();
			await holding;
		}
		const [[front], [direct]] = records;
		const started = await executions.started(2, 3_000);
		const perDelivery = executionsPerDelivery(started);
		const attempts = (record: DeliveryRecord) => record.attempts.map((attempt) => `${attempt.at}:${attempt.outcome}`).join(' ');
		console.log(
			`n8n ${N8N_VERSION} queue mode, a retry while the first copy is being stored (insert held ${HOLD_STORING_MS} ms): ` +
				`through the front ${perDelivery.get(viaFront.id) ?? 0} execution(s), attempts ${attempts(front)}, answer ${JSON.stringify(front.acknowledged?.body)}; ` +
				`round-robin straight to the processes ${perDelivery.get(roundRobin.id) ?? 0} execution(s), attempts ${attempts(direct)}`,
		);
		// Held past the answer limit, retried while still held, all copies at one process.
		expect(front.attempts[0].outcome).toBe('timeout');
		expect(front.attempts[1].at).toBeLessThan(HOLD_STORING_MS);
		expect(upstreamsById().get(viaFront.id)?.size).toBe(1);
		expect(front.acknowledged?.status).toBe(200);
		expect(perDelivery.get(viaFront.id)).toBe(1);
		expect(direct.acknowledged?.status).toBe(200);
		expect(started.every((execution) => execution.status === 'success')).toBe(true);
	});

	test(`SIGKILL of a webhook process during a burst of ${CRASH_DELIVERIES} through the front: every acknowledged delivery stored; once it is back, every delivery static data holds is a duplicate when sent again`, async () => {
		const workflow = workflows.crash;
		const url = cluster.frontWebhookUrl(workflow.id);
		// The process the trigger's URL hashes to takes every delivery: that one is killed.
		const victim = await cluster.frontProcessOf(workflow.id);
		const result = await crashBurst('front, webhook process killed', {
			cluster,
			workflow,
			secret: SECRET,
			urls: [url],
			deliveries: CRASH_DELIVERIES,
			concurrency: CRASH_CONCURRENCY,
			victims: [{ at: KILL_WEBHOOK_AT, process: victim }],
		});
		const upstreams = upstreamsById();
		const killed = `127.0.0.1:${victim.port}`;
		const twice = result.runTwice.map((id) => {
			const record = result.records.find((candidate) => candidate.id === id)!;
			return `${id}: attempts ${record.attempts.map((attempt) => `${attempt.at}:${attempt.outcome}`).join(' ')}, processes ${[...(upstreams.get(id) ?? [])].join(' ')}`;
		});
		const movedAway = result.sent.filter(({ id }) => (upstreams.get(id)?.size ?? 0) > 1).length;
		console.log(
			`n8n ${N8N_VERSION} queue mode behind the front, webhook process ${killed} killed after ${KILL_WEBHOOK_AT} acknowledgements: ` +
				`${result.runTwice.length} of ${CRASH_DELIVERIES} ran twice, ${movedAway} deliveries answered by both processes over their attempts\nran twice: ${twice.join('; ') || 'none'}`,
		);
		expect({ missing: result.missing, executionsWithoutItem: result.executionsWithoutItem }).toEqual({ missing: [], executionsWithoutItem: [] });
		// A delivery runs twice only if the killed process stored it and died before answering:
		// its retry then went to the other process.
		expect(result.runTwice.filter((id) => !upstreams.get(id)?.has(killed) || (upstreams.get(id)?.size ?? 0) < 2)).toEqual([]);

		// What static data holds once the killed process is back: the memory every process reads.
		const saved = JSON.stringify((await cluster.staticData(workflow.id)) ?? null);
		const notSaved = new Set(result.sent.filter(({ id }) => !saved.includes(deliveryKey(id))).map(({ id }) => id));
		const again = await track(cluster, workflow);
		const answers = await withConcurrency(
			CRASH_CONCURRENCY,
			result.sent.map(({ id, body }) => () => postDelivery(url, sign(SECRET, { body, deliveryId: id }))),
		);
		const tally: Record<string, number> = {};
		for (const answer of answers) tally[`${answer.status} ${answer.text}`] = (tally[`${answer.status} ${answer.text}`] ?? 0) + 1;
		const rerun = (await again.started(0, 3_000)).flatMap((execution) => deliveryIdsOf(execution));
		const acknowledgedBy = (id: string) => {
			const answered = cluster.front!.requests().filter((request) => request.deliveryId === id && request.status === 200);
			return answered[0]?.upstream.split(/,\s*/).pop();
		};
		console.log(
			`n8n ${N8N_VERSION} queue mode behind the front, every delivery sent again once the killed process is back: ${JSON.stringify(tally)}; ` +
				`not in static data before: ${[...notSaved].join(', ') || 'none'}; ` +
				`executions started again: ${rerun.map((id) => `${id} (acknowledged by ${acknowledgedBy(id) === killed ? 'the killed process' : acknowledgedBy(id)} at ${result.records.find((record) => record.id === id)?.acknowledged?.at} ms)`).join(', ') || 'none'}`,
		);
		expect(Object.keys(tally).filter((answer) => !answer.startsWith('200 '))).toEqual([]);
		// Every delivery static data held is a duplicate. One it did not hold was known only to the
		// process that accepted it: the killed one (its memory died with it; on 1.x the id is saved
		// just after the 200), or the other, whose last saves a whole save of static data from the
		// killed one overwrote (docs/queue-mode.md, "Restarting every process").
		expect(rerun.filter((id) => !notSaved.has(id))).toEqual([]);
		expect(answers.filter((answer) => answer.text === '{"received":true}').length).toBe(rerun.length);
	});
});
