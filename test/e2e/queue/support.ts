import type { Execution, QueueCluster, WorkflowJson } from '../../harness';
import { QUIET_MS } from '../support';

/**
 * Helpers of the queue-mode end-to-end tests (n8n's queue mode: main, two webhook processes,
 * a worker, Postgres, Redis; see test/harness/queueCluster.ts).
 */

/** Starting Postgres, Redis and four n8n processes on 2 busy cores; a first install takes minutes more. */
export const CLUSTER_START_TIMEOUT_MS = 15 * 60_000;

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
