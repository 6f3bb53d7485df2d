import type { Execution, N8nDeployment, N8nInstance, StoredExecution, WorkflowJson } from '../harness';
import { ROUTE_OUTPUTS, n8nVersionFromEnv } from '../harness';
import type { DeliveryOptions, PostResult, SignedDelivery } from '../support/signedDelivery';
import { eventFixture, postDelivery, signedDelivery } from '../support/signedDelivery';
import type { AnswerPath } from '../../nodes/VoisnapTrigger/n8n/answerPath';
import { planForRelease } from '../../nodes/VoisnapTrigger/n8n/releases';

/** The n8n version under test: `N8N_VERSION`, else 2.41.1. CI runs the suite once per version. */
export const N8N_VERSION = n8nVersionFromEnv();

/** Starting n8n takes 10-60 s on a busy 2-core machine; a first install several minutes. */
export const START_TIMEOUT_MS = 15 * 60_000;
export const TEST_TIMEOUT_MS = 3 * 60_000;

/**
 * The trigger's 200 comes once n8n holds the execution, which runs after the answer (and
 * executions of deliveries n8n did not answer 200 may still appear): this long without change
 * means "settled".
 */
export const QUIET_MS = 1_000;

/** Output index of each event fixture (file name) with routing `byEventType`. */
export function routeIndexOf(fixtureName: string): number {
	const index = (ROUTE_OUTPUTS as readonly string[]).indexOf(fixtureName);
	return index === -1 ? ROUTE_OUTPUTS.indexOf('Other') : index;
}

/** A fixture's envelope as parsed JSON (what the item must carry besides `delivery`). */
export function fixtureJson(name: string): Record<string, unknown> {
	return JSON.parse(eventFixture(name).toString('utf8')) as Record<string, unknown>;
}

/** A delivery with one header removed (e.g. the timestamp, which signedDelivery always sets). */
export function withoutHeader(delivery: SignedDelivery, name: string): SignedDelivery {
	const headers = { ...delivery.headers };
	delete headers[name.toLowerCase()];
	return { ...delivery, headers };
}

/** Posts to the workflow's production URL. */
export function deliver(n8n: N8nInstance, workflow: WorkflowJson, delivery: SignedDelivery): Promise<PostResult> {
	return postDelivery(n8n.webhookUrl(workflow.id), delivery);
}

export function sign(secret: string, options: Omit<DeliveryOptions, 'secret'>): SignedDelivery {
	return signedDelivery({ secret, ...options });
}

/**
 * Counts a workflow's executions across a test: `started()` waits until n8n (one process or a
 * queue cluster) has settled and returns the executions created since `track` was called.
 */
export async function track(n8n: Pick<N8nDeployment, 'executions' | 'waitForIdle'>, workflow: WorkflowJson) {
	const before = new Set((await n8n.executions(workflow.id)).map((execution) => execution.id));
	return {
		async started(atLeast = 0, quietMs = QUIET_MS): Promise<Execution[]> {
			await n8n.waitForIdle({ workflowId: workflow.id, atLeast: before.size + atLeast, quietMs });
			return (await n8n.executions(workflow.id)).filter((execution) => !before.has(execution.id));
		},
	};
}

/** Which outputs hold items, as [outputIndex, itemCount] pairs: the routing, at a glance. */
export function occupiedOutputs(execution: Execution): Array<[number, number]> {
	return execution.outputs.flatMap((items, index): Array<[number, number]> => (items.length > 0 ? [[index, items.length]] : []));
}

/** An ISO 8601 timestamp as JavaScript writes it (what the trigger emits). */
export const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Runs `tasks` with at most `limit` in flight; results in task order. */
export async function withConcurrency<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
	const results: T[] = new Array(tasks.length);
	let next = 0;
	const worker = async () => {
		while (next < tasks.length) {
			const index = next++;
			results[index] = await tasks[index]();
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
	return results;
}

type StoredItems = Pick<StoredExecution, 'queuedItems'> & { outputs?: Execution['outputs']; nodes: StoredExecution['nodes'] };

function idsIn(items: readonly unknown[]): string[] {
	return items.flatMap((item) => {
		const id = (item as { delivery?: { id?: unknown } }).delivery?.id;
		return typeof id === 'string' ? [id] : [];
	});
}

/** The delivery ids the trigger emitted in an execution (it ran with them). */
export function ranDeliveryIdsOf(execution: StoredItems, triggerName = 'Voisnap Trigger'): string[] {
	return idsIn((execution.outputs ?? execution.nodes[triggerName]?.outputs ?? []).flat());
}

/** The delivery ids an execution carries: in the trigger's outputs, or still queued if it never ran. */
export function deliveryIdsOf(execution: StoredItems, triggerName = 'Voisnap Trigger'): string[] {
	const ran = ranDeliveryIdsOf(execution, triggerName);
	return ran.length > 0 ? ran : idsIn(execution.queuedItems ?? []);
}

/** How many executions carry each delivery id. */
export function executionsPerDelivery(executions: Array<Parameters<typeof deliveryIdsOf>[0]>): Map<string, number> {
	const counts = new Map<string, number>();
	for (const execution of executions) {
		for (const id of deliveryIdsOf(execution)) counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/** The answer path the node must take on n8n `version`: the release table's (unit-tested in answerPath.test.ts). */
export function expectedPathOn(version: string): AnswerPath {
	return planForRelease(version).path;
}

/** What the node logs when it falls back (answerPath.ts): never, on a release it was measured on. */
export const FALLBACK_WARNING = /n8n read the answer before storing the execution|n8n answered without reading the answer/;

/**
 * An n8n-workflow of the other major line than n8n's, put into the nodes folder before the
 * package: the copy the package then resolves. The node must take n8n's release from n8n.
 */
export function foreignWorkflowCopyFor(version: string): string {
	return version.startsWith('1.') ? '2.41.0' : '1.120.31';
}

