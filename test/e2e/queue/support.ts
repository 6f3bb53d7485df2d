
/**
 * Helpers of the queue-mode end-to-end tests (n8n's queue mode: main, two webhook processes,
 * a worker, Postgres, Redis; see test/harness/queueCluster.ts).
 */

/** Starting Postgres, Redis and four n8n processes on 2 busy cores; a first install takes minutes more. */
export const CLUSTER_START_TIMEOUT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds (polled), or fails after `timeoutMs` with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(200);
	}
}
