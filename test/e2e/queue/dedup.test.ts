/**
 * Deduplication across n8n's queue mode (N8N_VERSION, default 2.41.1): two `n8n webhook`
 * processes behind a (simulated) load balancer share the trigger's memory only through the
 * workflow's static data in Postgres. The tests run in order on one cluster; the last one
 * restarts every process and sends every delivery of the file again.
 *
 * On 2.x the processes run the `legacy` expression engine, as in persistence.test.ts: with
 * n8n's default one each webhook process lets one community-trigger request at a time through its
 * expression isolate, so copies would race only across processes (measured: the same 2 executions
 * per burst of 50), and a burst would take ~5 s instead of ~1 s.
 */
import { deliveryKey } from '../../../nodes/VoisnapTrigger/contract/deliveryStore';
import type { WorkflowJson } from '../../harness';
import { QueueCluster, voisnapWorkflow } from '../../harness';
import { postDelivery } from '../../support/signedDelivery';
import { N8N_VERSION, TEST_TIMEOUT_MS, sign, track, withConcurrency } from '../support';
import { deliveryIdOf as idOf, distinctBody, sendBursts } from './bursts';
import { CLUSTER_START_TIMEOUT_MS } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_queueDedupSecret83c1f0a9d2e4b7';
/** Bursts of 50 identical copies; each one a new delivery. QUEUE_BURST_REPEATS overrides. */
const BURST_COPIES = 50;
const BURST_REPEATS = Number(process.env.QUEUE_BURST_REPEATS) || 40;
/** Voisnap retries a second or more apart. */
const RETRY_SPACING_MS = 1_100;
const STATIC_WRITER_DELIVERIES = 6;

/** A Code node after the trigger that writes the workflow's global static data on every run. */
function staticDataWriterWorkflow(): WorkflowJson {
	const workflow = voisnapWorkflow({ name: 'queue: trigger, then a Code node writing static data', parameters: { routing: 'single' } });
	workflow.nodes.push({
		id: 'c0de0000-0000-4000-8000-000000000001',
		name: 'Count runs',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [220, 0],
		parameters: {
			mode: 'runOnceForAllItems',
			jsCode: [
				"const data = $getWorkflowStaticData('global');",
				'data.codeRuns = (data.codeRuns ?? 0) + 1;',
				'return [{ json: { codeRuns: data.codeRuns, keys: Object.keys(data) } }];',
			].join('\n'),
		},
	});
	workflow.connections = { [workflow.nodes[0].name]: { main: [[{ node: 'Count runs', type: 'main', index: 0 }]] } };
	return workflow;
}

const workflows = {
	retries: voisnapWorkflow({ name: 'queue: retries across webhook processes' }),
	bursts: voisnapWorkflow({ name: `queue: ${BURST_COPIES} copies at once` }),
	staticWriter: staticDataWriterWorkflow(),
};

let cluster: QueueCluster;
/**
 * The deliveries accepted by the workflows without a static-data writer, for the restart test
 * (the writer's own test covers what it does to the trigger's memory).
 */
const accepted = new Map<WorkflowJson, Array<{ id: string; body: Buffer }>>([
	[workflows.retries, []],
	[workflows.bursts, []],
]);

beforeAll(async () => {
	cluster = await QueueCluster.start({
		version: N8N_VERSION,
		credential: { signingSecret: SECRET },
		workflows: Object.values(workflows),
		expressionEngine: 'legacy',
	});
	console.log(`n8n ${N8N_VERSION} queue cluster started: ${JSON.stringify(cluster.timings)}`);
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
	await cluster?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
describe(`n8n ${N8N_VERSION} queue mode: deduplication across two webhook processes`, () => {
	test('retries of one delivery, a second apart, alternating between the webhook processes: one execution, every retry a duplicate', async () => {
		const executions = await track(cluster, workflows.retries);
		const urls = cluster.webhookUrls(workflows.retries.id);
		const body = distinctBody();
		const first = sign(SECRET, { body });
		const answers = [];
		for (let attempt = 0; attempt < 4; attempt++) {
			if (attempt > 0) await sleep(RETRY_SPACING_MS);
			// A retry is signed anew (new timestamp) under the same delivery id.
			const delivery = attempt === 0 ? first : sign(SECRET, { body, deliveryId: idOf(first) });
			answers.push(await postDelivery(urls[attempt % urls.length], delivery));
		}
		expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
			[200, { received: true }],
			[200, { received: true, duplicate: true }],
			[200, { received: true, duplicate: true }],
			[200, { received: true, duplicate: true }],
		]);
		const started = await executions.started(1, 2_000);
		expect(started.map((execution) => execution.status)).toEqual(['success']);
		accepted.get(workflows.retries)!.push({ id: idOf(first), body });
	});

	test(`${BURST_COPIES} copies of one delivery at the same instant, half to each webhook process, ${BURST_REPEATS} times: at least one and at most one execution per webhook process`, async () => {
		const urls = cluster.webhookUrls(workflows.bursts.id);
		const { distribution, duplicatedBursts, sent } = await sendBursts(cluster, workflows.bursts, { secret: SECRET, urls, copies: BURST_COPIES, repeats: BURST_REPEATS });
		accepted.get(workflows.bursts)!.push(...sent);
		const duplicated = duplicatedBursts.length;
		console.log(
			`n8n ${N8N_VERSION} queue mode: ${BURST_REPEATS} bursts of ${BURST_COPIES} copies over ${urls.length} webhook processes; ` +
				`executions per delivery: ${JSON.stringify(distribution)} (${duplicated} of ${BURST_REPEATS} = ${Math.round((100 * duplicated) / BURST_REPEATS)}% ran more than once)`,
		);
		// The bound the README states: never lost, at most one execution per webhook process.
		expect(Object.keys(distribution).map(Number).filter((count) => count < 1 || count > urls.length)).toEqual([]);
	});

	test(`a later Code node writing static data: ${STATIC_WRITER_DELIVERIES} deliveries, then each retried at the other webhook process, is a duplicate`, async () => {
		const workflow = workflows.staticWriter;
		const urls = cluster.webhookUrls(workflow.id);
		const executions = await track(cluster, workflow);
		const logOffsets = cluster.webhooks.map((process) => process.logText().length);
		const sent: Array<{ id: string; body: Buffer; acceptedBy: number }> = [];
		for (let index = 0; index < STATIC_WRITER_DELIVERIES; index++) {
			const body = distinctBody();
			const delivery = sign(SECRET, { body });
			const answer = await postDelivery(urls[index % urls.length], delivery);
			expect([answer.status, answer.body]).toEqual([200, { received: true }]);
			sent.push({ id: idOf(delivery), body, acceptedBy: index % urls.length });
			// One at a time: the Code node's run (and its static-data save) lands between deliveries.
			await cluster.waitForIdle({ workflowId: workflow.id, atLeast: index + 1, quietMs: 500 });
		}
		const runs = await executions.started(STATIC_WRITER_DELIVERIES);
		expect(runs.map((run) => run.status)).toEqual(Array(STATIC_WRITER_DELIVERIES).fill('success'));
		const codeRuns = runs.map((run) => (run.nodes['Count runs']?.outputs[0]?.[0] as { codeRuns?: number } | undefined)?.codeRuns);
		const saved = JSON.stringify(await cluster.staticData(workflow.id));
		const remembered = sent.filter(({ id }) => saved.includes(deliveryKey(id))).length;
		console.log(
			`n8n ${N8N_VERSION} queue mode, Code node writing static data: codeRuns seen by the Code node ${JSON.stringify(codeRuns)}; ` +
				`static data after the last run holds ${remembered} of ${sent.length} ids: ${saved.slice(0, 300)}`,
		);

		const retry = ({ id, body }: { id: string; body: Buffer }, process: number) =>
			postDelivery(urls[process], sign(SECRET, { body, deliveryId: id }));
		const retries = await track(cluster, workflow);
		// n8n 2.x's worker runs start from empty static data, so the Code node's save would drop the
		// trigger's memory but the run's own delivery (docs/n8n-behaviour.md); the worker's own memory
		// of the trigger, kept in its process registry and put into every run's static data, holds
		// every delivery it ran. On 1.x the worker loads static data, so nothing is dropped either.
		expect(remembered).toBe(STATIC_WRITER_DELIVERIES);
		expect(cluster.webhooks.map((process, index) => process.logText().slice(logOffsets[index])).join('\n')).not.toMatch(/Voisnap Trigger found/);
		const answers = [];
		for (const delivery of sent) answers.push(await retry(delivery, (delivery.acceptedBy + 1) % urls.length));
		const rerun = await retries.started();
		expect({ answers: answers.map((answer) => answer.text), executions: rerun.length }).toEqual({
			answers: Array(STATIC_WRITER_DELIVERIES).fill('{"received":true,"duplicate":true}'),
			executions: 0,
		});
	});

	test('every process restarted, every delivery of this file sent again (alternating processes): all duplicates, no execution', async () => {
		await cluster.restartAll();
		console.log(`n8n ${N8N_VERSION} queue mode: every process restarted in ${cluster.timings.lastRestart} ms`);
		const report: Record<string, { sent: number; answers: Record<string, number>; executions: number }> = {};
		for (const [workflow, deliveries] of accepted) {
			const urls = cluster.webhookUrls(workflow.id);
			const executions = await track(cluster, workflow);
			const answers = await withConcurrency(
				10,
				deliveries.map(({ id, body }, index) => () => postDelivery(urls[index % urls.length], sign(SECRET, { body, deliveryId: id }))),
			);
			const tally: Record<string, number> = {};
			for (const answer of answers) tally[`${answer.status} ${answer.text}`] = (tally[`${answer.status} ${answer.text}`] ?? 0) + 1;
			report[workflow.name] = { sent: deliveries.length, answers: tally, executions: (await executions.started(0, 2_000)).length };
		}
		console.log(`n8n ${N8N_VERSION} queue mode, after restarting every process: ${JSON.stringify(report, null, 1)}`);
		for (const [workflow, deliveries] of accepted) {
			expect({ workflow: workflow.name, ...report[workflow.name] }).toEqual({
				workflow: workflow.name,
				sent: deliveries.length,
				answers: { '200 {"received":true,"duplicate":true}': deliveries.length },
				executions: 0,
			});
		}
	});
});
