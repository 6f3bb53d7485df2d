import type { QueueCluster, WorkflowJson } from '../../harness';
import type { SignedDelivery } from '../../support/signedDelivery';
import { eventFixture, postDelivery } from '../../support/signedDelivery';
import { executionsPerDelivery, sign, track } from '../support';

/**
 * Bursts of simultaneous copies of one delivery against a queue cluster (dedup.test.ts: straight
 * to the webhook processes, front.test.ts: through the load balancer and straight, side by side).
 */

let bodies = 0;
/** A distinct body per delivery: identical bytes signed in the same second would be a replay. */
export function distinctBody(label = 'queue'): Buffer {
	const envelope = JSON.parse(eventFixture('SessionEnded').toString('utf8')) as { data: Record<string, unknown> };
	return Buffer.from(JSON.stringify({ ...envelope, data: { ...envelope.data, conversationId: `conv_${label}_${process.pid}_${bodies++}` } }));
}

export const deliveryIdOf = (delivery: SignedDelivery) => delivery.headers['x-webhook-delivery-id'];

export interface BurstFigures {
	/** How many deliveries (bursts) started how many executions. */
	distribution: Record<number, number>;
	/** Bursts with more than one execution. */
	duplicatedBursts: string[];
	/** Every burst's delivery, for sending again later. */
	sent: Array<{ id: string; body: Buffer }>;
	answers: number;
	sendingMs: number;
}

/**
 * `repeats` bursts, one after the other, of `copies` copies of one new delivery each, all sent at
 * once, copy `n` to `urls[n % urls.length]`. Asserts what holds wherever the copies go: every
 * answer is a 200, at most one copy per URL is accepted (one process settles its own copies), and
 * every accepted copy started exactly one execution and no other copy started one.
 */
export async function sendBursts(
	cluster: QueueCluster,
	workflow: WorkflowJson,
	options: { secret: string; urls: readonly string[]; copies: number; repeats: number; label?: string },
): Promise<BurstFigures> {
	const { secret, urls, copies, repeats } = options;
	const executions = await track(cluster, workflow);
	const answeredReceived = new Map<string, number>();
	const sent: BurstFigures['sent'] = [];
	let sendingMs = 0;
	for (let repeat = 0; repeat < repeats; repeat++) {
		const body = distinctBody(options.label);
		const delivery = sign(secret, { body });
		const started = Date.now();
		const answers = await Promise.all(Array.from({ length: copies }, (_, copy) => postDelivery(urls[copy % urls.length], delivery)));
		sendingMs += Date.now() - started;
		expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
		const received = answers.map((answer) => JSON.stringify(answer.body) === '{"received":true}');
		answeredReceived.set(deliveryIdOf(delivery), received.filter(Boolean).length);
		const receivedPerUrl = urls.map((_, url) => received.filter((yes, copy) => yes && copy % urls.length === url).length);
		expect(receivedPerUrl.filter((count) => count > 1)).toEqual([]);
		sent.push({ id: deliveryIdOf(delivery), body });
	}
	const started = await executions.started(repeats, 2_000);
	const perDelivery = executionsPerDelivery(started);
	const distribution: Record<number, number> = {};
	for (const id of answeredReceived.keys()) {
		const count = perDelivery.get(id) ?? 0;
		distribution[count] = (distribution[count] ?? 0) + 1;
	}
	expect([...answeredReceived].filter(([id, received]) => (perDelivery.get(id) ?? 0) !== received)).toEqual([]);
	expect(started.every((execution) => execution.status === 'success')).toBe(true);
	return {
		distribution,
		duplicatedBursts: [...answeredReceived.keys()].filter((id) => (perDelivery.get(id) ?? 0) > 1),
		sent,
		answers: repeats * copies,
		sendingMs,
	};
}
