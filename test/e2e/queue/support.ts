import type { Execution, QueueCluster, StoredExecution, WorkflowJson } from '../../harness';
import { QUIET_MS } from '../support';

/**
 * Helpers of the queue-mode end-to-end tests (n8n's queue mode: main, two webhook processes,
 * a worker, Postgres, Redis; see test/harness/queueCluster.ts).
 */

/** Starting Postgres, Redis and four n8n processes on 2 busy cores; a first install takes minutes more. */
export const CLUSTER_START_TIMEOUT_MS = 15 * 60_000;

/** The delivery ids an execution carries: in the trigger's outputs, or still queued if it never ran. */
export function deliveryIdsOf(execution: Pick<StoredExecution, 'queuedItems'> & { outputs?: Execution['outputs']; nodes: StoredExecution['nodes'] }, triggerName = 'Voisnap Trigger'): string[] {
	const emitted = (execution.outputs ?? execution.nodes[triggerName]?.outputs ?? []).flat();
	const items = emitted.length > 0 ? emitted : (execution.queuedItems ?? []);
	return items.flatMap((item) => {
		const id = (item as { delivery?: { id?: unknown } }).delivery?.id;
		return typeof id === 'string' ? [id] : [];
	});
}

/** How many executions carry each delivery id. */
export function executionsPerDelivery(executions: Array<Parameters<typeof deliveryIdsOf>[0]>): Map<string, number> {
	const counts = new Map<string, number>();
	for (const execution of executions) {
		for (const id of deliveryIdsOf(execution)) counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/** Like `track` in ../support.ts, for a queue cluster: the executions created since. */
export async function trackQueue(cluster: QueueCluster, workflow: WorkflowJson) {
	const before = new Set((await cluster.executions(workflow.id)).map((execution) => execution.id));
	return {
		async started(atLeast = 0, quietMs = QUIET_MS): Promise<Execution[]> {
			await cluster.waitForIdle({ workflowId: workflow.id, atLeast: before.size + atLeast, quietMs });
			return (await cluster.executions(workflow.id)).filter((execution) => !before.has(execution.id));
		},
	};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds (polled), or fails after `timeoutMs` with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(200);
	}
}
