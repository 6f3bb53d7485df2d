/**
 * Acknowledged means stored, through n8n-core's contexts with n8n's order of events emulated as
 * docs/n8n-behaviour.md describes it (what n8n itself does is proven end to end in
 * test/e2e/crash.test.ts and the e2e suites on both versions).
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { DeliveryStore } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { ROUTES } from '../../nodes/VoisnapTrigger/contract/events';
import { answerPath, expectedAnswerPath, resetAnswerPath } from '../../nodes/VoisnapTrigger/n8n/answerPath';
import { planForRelease } from '../../nodes/VoisnapTrigger/n8n/releases';
import { runningN8nVersion } from '../../nodes/VoisnapTrigger/n8n/runningN8n';
import { ABANDONED_CLAIM_MS } from '../../nodes/VoisnapTrigger/contract/claims';
import { VoisnapTrigger } from '../../nodes/VoisnapTrigger/VoisnapTrigger.node';
import { eventFixture, signedDelivery } from '../support/signedDelivery';
import { TriggerWorkflow } from './support/webhookRun';

const SECRET = 'whsec_answer_path_tests';

function trigger(setup: ConstructorParameters<typeof TriggerWorkflow>[0] = {}) {
	return new TriggerWorkflow({ credential: { signingSecret: SECRET }, workflowId: `wf-${randomUUID()}`, webhookId: randomUUID(), ...setup });
}

/** A delivery whose body names its id, so that no two are the same signed request (a replay). */
function delivery(deliveryId = `dlv_${randomUUID()}`, type = 'SessionEnded') {
	const event = JSON.parse(eventFixture(type).toString('utf8')) as { data?: Record<string, unknown> };
	return signedDelivery({ secret: SECRET, body: { ...event, data: { ...event.data, note: deliveryId } }, deliveryId });
}

/** The delivery ids the database remembers for the trigger (decoded from the stored snapshot). */
async function rememberedAfterRestart(workflow: TriggerWorkflow, ids: string[]): Promise<Record<string, unknown>> {
	const restarted = new TriggerWorkflow({
		credential: { signingSecret: SECRET },
		workflowId: (workflow.workflow.id as string) ?? '',
		webhookId: workflow.node.webhookId,
		staticData: workflow.storedStaticData(),
		nodeType: freshProcessNodeType(),
	});
	const answers: Record<string, unknown> = {};
	for (const id of ids) answers[id] = (await restarted.deliver(delivery(id))).body;
	return answers;
}

function freshProcessNodeType() {
	let fresh: VoisnapTrigger | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		fresh = new (require('../../nodes/VoisnapTrigger/VoisnapTrigger.node') as { VoisnapTrigger: typeof VoisnapTrigger }).VoisnapTrigger();
	});
	return fresh!;
}

afterEach(() => resetAnswerPath());

describe('which answer path a process takes: from the release of the n8n that runs it', () => {
	it('n8n 2.8 and later: n8n answers once it has stored the execution', () => {
		for (const release of ['2.8.0', '2.20.12', '2.39.0', '2.41.1', '2.41.3', '2.42.0', '3.0.0']) {
			expect([release, expectedAnswerPath(release)]).toEqual([release, 'afterStoring']);
		}
	});

	it('n8n 1.46 to 2.7 (they read an onReceived answer before storing): the execution answers, through a responseNode webhook', () => {
		for (const release of ['1.46.0', '1.49.0', '1.94.1', '1.123.81', '2.0.0', '2.7.5']) {
			expect([release, expectedAnswerPath(release)]).toEqual([release, 'fromExecution']);
		}
		resetAnswerPath('fromExecution');
		expect(new VoisnapTrigger().description.webhooks?.[0]).toMatchObject({ responseMode: 'responseNode' });
	});

	it('releases newer than the newest measured line, or an unknown one, start after storing and are checked at run time', () => {
		expect(planForRelease('2.41.9')).toEqual({ path: 'afterStoring', measured: true });
		expect(planForRelease('2.42.0')).toEqual({ path: 'afterStoring', measured: false });
		expect(planForRelease(undefined)).toEqual({ path: 'afterStoring', measured: false });
		expect(planForRelease('next')).toEqual({ path: 'afterStoring', measured: false });
	});

	it('the release is n8n\'s own package.json, found through the main module (n8n/bin/n8n), never n8n-workflow\'s', () => {
		const mainOf = (manifest: unknown) => ({ require: (id: string) => (id === '../package.json' ? manifest : undefined) }) as unknown as NodeJS.Module;
		expect(runningN8nVersion(mainOf({ name: 'n8n', version: '1.123.81' }))).toBe('1.123.81');
		expect(runningN8nVersion(mainOf({ name: 'n8n-workflow', version: '2.41.0' }))).toBeUndefined();
		expect(runningN8nVersion(mainOf({ name: 'n8n', version: 'latest' }))).toBeUndefined();
		const throwing = { require: () => { throw new Error('Cannot find module'); } } as unknown as NodeJS.Module;
		expect(runningN8nVersion(throwing)).toBeUndefined();
		expect(runningN8nVersion(undefined)).toBeUndefined();
	});

	it('this test process is not n8n (jest is the main module): onReceived with an empty responseData, checked at run time', () => {
		expect(runningN8nVersion()).toBeUndefined();
		expect(answerPath()).toBe('afterStoring');
		expect(new VoisnapTrigger().description.webhooks?.[0]).toMatchObject({ responseMode: 'onReceived', responseData: '' });
	});

	it('says once per process, at the first accepted delivery, which path it takes', async () => {
		const workflow = trigger();
		const first = await workflow.deliver(delivery('dlv_a'));
		const second = await workflow.deliver(delivery('dlv_b'));
		expect(first.logs.filter((line) => line.level === 'info').map((line) => line.message)).toEqual([
			"Voisnap Trigger: answer path afterStoring (n8n release unknown; not measured for this release: n8n's behaviour is checked on every delivery)",
		]);
		expect(second.logs.filter((line) => line.level === 'info')).toEqual([]);
	});
});

describe('n8n 2.x: n8n answers after storing', () => {
	it('insert, then the save of the memory, then the 200; the id is in the saved static data', async () => {
		const workflow = trigger();
		const outcome = await workflow.deliver(delivery('dlv_1'));
		expect(outcome.steps).toEqual(['insert', 'save', 'answer']);
		expect(outcome.body).toEqual({ received: true });
		expect(await rememberedAfterRestart(workflow, ['dlv_1'])).toEqual({ dlv_1: { received: true, duplicate: true } });
	});

	it('nothing is marked changed before n8n stores the execution: a save then would remember an unstored delivery', async () => {
		const workflow = trigger();
		const loaded = workflow.load();
		const result = await workflow.deliver(delivery('dlv_x'));
		// The getter re-marked static data after n8n's run cleared the flag; without it, nothing is saved.
		expect(result.staticDataChanged).toBe(true);
		expect(loaded.staticData).toEqual({});
	});

	it('a copy arriving while the first is being stored waits for it, then is a duplicate; one execution', async () => {
		const workflow = trigger();
		const copy = delivery('dlv_twice');
		const [first, second] = await Promise.all([workflow.deliver(copy), workflow.deliver(copy)]);
		expect([first.body, second.body]).toEqual(expect.arrayContaining([{ received: true }, { received: true, duplicate: true }]));
		expect([first.outputs, second.outputs].filter(Boolean)).toHaveLength(1);
	});

	it('a delivery n8n did not store (it answered 500) is not remembered: its retry runs', async () => {
		const workflow = trigger();
		const copy = delivery('dlv_lost');
		const lost = await workflow.deliver(copy, 'webhook', 'answersAfterStoring', { failBeforeInsert: true });
		expect(lost.status).toBe(500);
		expect(lost.staticDataChanged).toBe(false);
		const retry = await workflow.deliver(copy);
		expect(retry.body).toEqual({ received: true });
		expect(retry.outputs).toBeDefined();
	});

	it('n8n\'s own 500 (it could not start or store the execution) leaves the answer path as it is: the next delivery is still saved before its 200, after its insert', async () => {
		const workflow = trigger();
		const lost = await workflow.deliver(delivery('dlv_500'), 'webhook', 'answersAfterStoring', { failBeforeInsert: true });
		expect(lost.status).toBe(500);
		expect(answerPath()).toBe('afterStoring');
		expect(lost.logs.filter((line) => line.level === 'warn')).toEqual([]);
		const next = await workflow.deliver(delivery('dlv_after_500', 'Error'));
		expect(next.steps).toEqual(['insert', 'save', 'answer']);
		expect(answerPath()).toBe('afterStoring');
		expect(await rememberedAfterRestart(workflow, ['dlv_after_500', 'dlv_500'])).toEqual({
			dlv_after_500: { received: true, duplicate: true },
			dlv_500: { received: true },
		});
	});

	it('n8n\'s 500 to a sender that had already hung up leaves the answer path as it is too', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_hangs_up'), 'webhook', 'answersAfterStoring', { senderHangsUp: true, failBeforeInsert: true });
		expect(answerPath()).toBe('afterStoring');
	});

	it('a sender that hangs up while n8n stores the delivery: a retry then waits for it and is a duplicate, never a second run', async () => {
		const workflow = trigger();
		const copy = delivery('dlv_hung_up');
		let retry: ReturnType<TriggerWorkflow['deliver']> | undefined;
		const first = await workflow.deliver(copy, 'webhook', 'answersAfterStoring', {
			senderHangsUp: true,
			// Voisnap's retry arrives while the first copy is still being stored.
			whileStoring: async () => {
				retry = workflow.deliver(copy);
				await new Promise((resolve) => setTimeout(resolve, 20));
			},
		});
		expect(first.outputs).toBeDefined();
		const second = await retry!;
		expect(second.body).toEqual({ received: true, duplicate: true });
		expect(second.outputs).toBeUndefined();
	});

	it('a sender that hung up, and n8n silent for a minute about its copy: a retry then runs rather than wait any longer', async () => {
		const workflow = trigger();
		const copy = delivery('dlv_abandoned');
		let retry: ReturnType<TriggerWorkflow['deliver']> | undefined;
		const realNow = Date.now.bind(Date);
		const first = await workflow.deliver(copy, 'webhook', 'answersAfterStoring', {
			senderHangsUp: true,
			whileStoring: async () => {
				jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ABANDONED_CLAIM_MS);
				retry = workflow.deliver(copy);
				await retry;
			},
		});
		jest.restoreAllMocks();
		const second = await retry!;
		expect(second.body).toEqual({ received: true });
		expect(landed(second.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
		expect(landed(first.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
	});

	it('the execution writes the memory into the run\'s own static data, so a later node writing static data cannot undo it', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_a'), 'webhook', 'answersAfterStoring', { laterNodeWritesStaticData: true });
		await workflow.deliver(delivery('dlv_b', 'Error'), 'webhook', 'answersAfterStoring', { laterNodeWritesStaticData: true });
		const saved = workflow.storedStaticData().global as IDataObject;
		expect(saved.codeRuns).toBe(2);
		expect(await rememberedAfterRestart(workflow, ['dlv_a', 'dlv_b'])).toEqual({
			dlv_a: { received: true, duplicate: true },
			dlv_b: { received: true, duplicate: true },
		});
	});

	it('regular mode: once its executions are seen to run in this process, a delivery is saved by its run, not before its answer (one save per delivery either way)', async () => {
		const workflow = trigger();
		const first = await workflow.deliver(delivery('dlv_first'));
		expect(first.steps).toEqual(['insert', 'save', 'answer']);
		expect(first.staticDataChanged).toBe(true);
		const second = await workflow.deliver(delivery('dlv_second', 'Error'));
		expect(second.steps).toEqual(['insert', 'answer']);
		expect(second.staticDataChanged).toBe(false);
		expect(second.runStaticDataChanged).toBe(true);
		expect(await rememberedAfterRestart(workflow, ['dlv_first', 'dlv_second'])).toEqual({
			dlv_first: { received: true, duplicate: true },
			dlv_second: { received: true, duplicate: true },
		});
	});

	it('n8n 1.x (the execution answers, n8n saves just after): the execution causes no save of its own', async () => {
		resetAnswerPath('fromExecution');
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		for (const id of ['dlv_1', 'dlv_2']) {
			const outcome = await workflow.deliver(delivery(id), 'webhook', 'relaysExecutionAnswer');
			expect(outcome.steps).toEqual(['insert', 'answer', 'save']);
			expect(outcome.runStaticDataChanged).toBe(false);
		}
	});

	it('an execution on a queue-mode worker (a process that never saw the delivery) causes no save', async () => {
		const workflow = trigger();
		const outcome = await workflow.deliver(delivery('dlv_q'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		expect(outcome.runStaticDataChanged).toBe(false);
		expect(landed(outcome.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
	});

	it('on a worker that loaded static data (n8n 1.x), a later node writing static data saves the delivery with it', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_first'));
		await workflow.deliver(delivery('dlv_w', 'Error'), 'webhook', 'answersAfterStoring', {
			executionInAnotherProcess: true,
			laterNodeWritesStaticData: true,
		});
		expect((workflow.storedStaticData().global as IDataObject).codeRuns).toBe(1);
		expect(await rememberedAfterRestart(workflow, ['dlv_first', 'dlv_w'])).toEqual({
			dlv_first: { received: true, duplicate: true },
			dlv_w: { received: true, duplicate: true },
		});
	});

	it('on a worker whose loaded static data has no memory yet (its save landed after the run loaded), the delivery is written with the later node\'s data', async () => {
		const workflow = trigger({ staticData: { global: { codeRuns: 3 } } });
		await workflow.deliver(delivery('dlv_w'), 'webhook', 'answersAfterStoring', {
			executionInAnotherProcess: true,
			laterNodeWritesStaticData: true,
		});
		const global = workflow.storedStaticData().global as IDataObject;
		expect(global.codeRuns).toBe(4);
		expect(await rememberedAfterRestart(workflow, ['dlv_w'])).toEqual({ dlv_w: { received: true, duplicate: true } });
	});

	it('on a worker that starts from empty static data (n8n 2.x), a later node\'s save keeps at least this delivery (n8n would drop the whole memory)', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_first'));
		await workflow.deliver(delivery('dlv_w', 'Error'), 'webhook', 'answersAfterStoring', {
			executionInAnotherProcess: true,
			runStartsFromEmptyStaticData: true,
			laterNodeWritesStaticData: true,
		});
		const global = workflow.storedStaticData().global as IDataObject;
		expect(global.codeRuns).toBe(1);
		// The webhook process, which still remembers dlv_first, writes it back on its next delivery.
		expect(await rememberedAfterRestart(workflow, ['dlv_w', 'dlv_first'])).toEqual({
			dlv_w: { received: true, duplicate: true },
			dlv_first: { received: true },
		});
	});
});

describe('the run-time check: an n8n that reads the answer before storing', () => {
	it('is noticed on the first delivery, logged once, and the process falls back to saving only stored ids', async () => {
		const workflow = trigger();
		const first = await workflow.deliver(delivery('dlv_1'), 'webhook', 'answersFirst');
		expect(first.body).toEqual({ received: true });
		expect(answerPath()).toBe('atOnce');
		expect(first.logs.filter((line) => line.level === 'warn')).toEqual([
			expect.objectContaining({ message: expect.stringContaining('read the answer before storing the execution') }),
		]);
		const second = await workflow.deliver(delivery('dlv_2', 'Error'), 'webhook', 'answersFirst', { executionInAnotherProcess: true });
		expect(second.logs.filter((line) => line.level === 'warn')).toEqual([]);
		// Its save came before n8n stored it, so it left its own id out (only the execution, in
		// the process that accepted it, would add it).
		const afterSecond = await rememberedAfterRestart(workflow, ['dlv_1', 'dlv_2']);
		expect(afterSecond).toEqual({ dlv_1: { received: true, duplicate: true }, dlv_2: { received: true } });
	});

	it('in regular mode, each delivery reaches the database with its own run\'s save: the tail of a burst is not left to a next delivery', async () => {
		const workflow = trigger();
		const ids = ['dlv_t1', 'dlv_t2', 'dlv_t3'];
		for (const id of ids) {
			const outcome = await workflow.deliver(delivery(id), 'webhook', 'answersFirst');
			expect([id, outcome.status, outcome.runStaticDataChanged]).toEqual([id, 200, true]);
		}
		expect(answerPath()).toBe('atOnce');
		// Every n8n process stops after the last run ends; all three are sent again.
		expect(await rememberedAfterRestart(workflow, ids)).toEqual({
			dlv_t1: { received: true, duplicate: true },
			dlv_t2: { received: true, duplicate: true },
			dlv_t3: { received: true, duplicate: true },
		});
	});

	it('an n8n that never reads the answer it was given is noticed too', async () => {
		const workflow = trigger();
		const outcome = await workflow.deliver(delivery('dlv_1'), 'webhook', 'answersAfterStoring', { ignoresWebhookResponse: true });
		expect(outcome.body).toEqual({ message: 'Workflow was started' });
		expect(answerPath()).toBe('atOnce');
		expect(outcome.logs.some((line) => line.level === 'warn' && /without reading the answer/.test(line.message))).toBe(true);
	});
});

describe('n8n 1.x: the execution answers (responseNode), then n8n saves', () => {
	beforeEach(() => resetAnswerPath('fromExecution'));

	it('insert, then the 200 sent by the execution step, then the save; duplicates after', async () => {
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		const first = await workflow.deliver(delivery('dlv_1'), 'webhook', 'relaysExecutionAnswer');
		expect(first.steps).toEqual(['insert', 'answer', 'save']);
		expect([first.status, first.body]).toEqual([200, { received: true }]);
		expect(landed(first.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
		const retry = await workflow.deliver(delivery('dlv_1'), 'webhook', 'relaysExecutionAnswer');
		expect(retry.body).toEqual({ received: true, duplicate: true });
		expect(retry.outputs).toBeUndefined();
	});

	it('stopping, n8n answers 500 for a stored execution and runs it anyway: the retry in the same process is a duplicate', async () => {
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		const first = await workflow.deliver(delivery('dlv_shutdown'), 'webhook', 'relaysExecutionAnswer', { rejectedAtShutdown: true });
		expect(first.status).toBe(500);
		expect(landed(first.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
		const retry = await workflow.deliver(delivery('dlv_shutdown'), 'webhook', 'relaysExecutionAnswer');
		expect(retry.body).toEqual({ received: true, duplicate: true });
		expect(retry.outputs).toBeUndefined();
	});

	it('saves landing in another order than the deliveries were accepted: the last save still holds every delivery confirmed before it', async () => {
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		let inBetween: Awaited<ReturnType<TriggerWorkflow['deliver']>> | undefined;
		// dlv_first is accepted; while n8n stores it, dlv_second is accepted, run, answered and
		// saved; dlv_first's save lands last.
		const first = await workflow.deliver(delivery('dlv_first'), 'webhook', 'relaysExecutionAnswer', {
			whileStoring: async () => {
				inBetween = await workflow.deliver(delivery('dlv_second', 'Error'), 'webhook', 'relaysExecutionAnswer');
			},
		});
		expect(inBetween?.steps).toEqual(['insert', 'answer', 'save']);
		expect(first.steps).toEqual(['insert', 'answer', 'save']);
		expect(await rememberedAfterRestart(workflow, ['dlv_first', 'dlv_second'])).toEqual({
			dlv_first: { received: true, duplicate: true },
			dlv_second: { received: true, duplicate: true },
		});
	});

	it('the same in queue mode (the execution on a worker, the save in the webhook process after the relayed 200)', async () => {
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		const queued = { executionInAnotherProcess: true } as const;
		await workflow.deliver(delivery('dlv_first'), 'webhook', 'relaysExecutionAnswer', {
			...queued,
			whileStoring: async () => {
				await workflow.deliver(delivery('dlv_second', 'Error'), 'webhook', 'relaysExecutionAnswer', queued);
			},
		});
		expect(await rememberedAfterRestart(workflow, ['dlv_first', 'dlv_second'])).toEqual({
			dlv_first: { received: true, duplicate: true },
			dlv_second: { received: true, duplicate: true },
		});
	});

	it('a 500 for an execution that never runs releases the delivery: its retry runs', async () => {
		const workflow = trigger({ nodeType: new VoisnapTrigger() });
		const lost = await workflow.deliver(delivery('dlv_never_ran'), 'webhook', 'relaysExecutionAnswer', { failBeforeInsert: true });
		expect(lost.status).toBe(500);
		const retry = await workflow.deliver(delivery('dlv_never_ran'), 'webhook', 'relaysExecutionAnswer');
		expect(retry.body).toEqual({ received: true });
		expect(landed(retry.outputs)).toEqual([ROUTES.indexOf('SessionEnded')]);
	});
});

function landed(outputs: unknown[][] | undefined): number[] {
	return (outputs ?? []).flatMap((items, index) => items.map(() => index));
}

describe('the memory overwritten in static data by another writer', () => {
	afterEach(() => jest.restoreAllMocks());

	it('gone altogether (a queue-mode worker run of n8n 2.x that wrote static data): written back, with one warning', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_a'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		// The worker started from empty static data and its Code node saved only its own key.
		workflow.database = { global: { codeRuns: 1 } };
		const later = Date.now() + 5_000;
		jest.spyOn(Date, 'now').mockReturnValue(later);
		const next = await workflow.deliver(delivery('dlv_b', 'Error'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		expect(next.logs.filter((line) => line.level === 'warn')).toEqual([
			expect.objectContaining({ message: expect.stringContaining('gone from workflow static data and wrote it back') }),
		]);
		jest.restoreAllMocks();
		expect((workflow.storedStaticData().global as IDataObject).codeRuns).toBe(1);
		expect(await rememberedAfterRestart(workflow, ['dlv_a', 'dlv_b'])).toEqual({
			dlv_a: { received: true, duplicate: true },
			dlv_b: { received: true, duplicate: true },
		});
	});

	it('a duplicate written back too, and no second warning within ten minutes', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_a'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		workflow.database = { global: {} };
		jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 5_000);
		const duplicate = await workflow.deliver(delivery('dlv_a'));
		expect(duplicate.body).toEqual({ received: true, duplicate: true });
		expect(duplicate.staticDataChanged).toBe(true);
		workflow.database = { global: {} };
		const again = await workflow.deliver(delivery('dlv_a'));
		expect(again.logs.filter((line) => line.level === 'warn')).toEqual([]);
		expect(again.staticDataChanged).toBe(true);
	});

	it('overwritten by a copy without it (another process\'s save, a worker that loaded nothing): written back, with the warning', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_a'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		const key = Object.keys(workflow.storedStaticData().global as IDataObject)[0];
		const other = new DeliveryStore('elsewhere');
		other.remember('dlv_elsewhere', Buffer.alloc(32, 7), Math.floor(Date.now() / 1000), { retentionSeconds: 3600, maxEntries: 10, replayWindowSeconds: 600 });
		workflow.database = { global: { [key]: JSON.parse(JSON.stringify(other.snapshot())) as IDataObject } };
		jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 5_000);
		const duplicate = await workflow.deliver(delivery('dlv_a'));
		expect(duplicate.body).toEqual({ received: true, duplicate: true });
		expect(duplicate.staticDataChanged).toBe(true);
		expect(duplicate.logs.filter((line) => line.level === 'warn')).toEqual([
			expect.objectContaining({ message: expect.stringContaining('found deliveries it had saved missing from workflow static data') }),
		]);
		jest.restoreAllMocks();
		expect(await rememberedAfterRestart(workflow, ['dlv_a', 'dlv_elsewhere'])).toEqual({
			dlv_a: { received: true, duplicate: true },
			dlv_elsewhere: { received: true, duplicate: true },
		});
	});

	it('a save or two behind within two seconds (n8n\'s concurrent saves) is left alone', async () => {
		const workflow = trigger();
		await workflow.deliver(delivery('dlv_a'), 'webhook', 'answersAfterStoring', { executionInAnotherProcess: true });
		workflow.database = { global: {} };
		const duplicate = await workflow.deliver(delivery('dlv_a'));
		expect(duplicate.staticDataChanged).toBe(false);
		expect(duplicate.logs.filter((line) => line.level === 'warn')).toEqual([]);
	});
});
