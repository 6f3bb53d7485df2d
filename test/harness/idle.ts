import type { ExecutionCounts, N8nDatabase } from './database';

export interface WaitForIdleOptions {
	/** Only this workflow's executions (default: all). */
	workflowId?: string;
	/** The count must not change for this long (default 1500 ms): answers precede executions. */
	quietMs?: number;
	/** Do not return before at least this many executions exist. */
	atLeast?: number;
	timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no execution is `new` or `running` and the number of executions has not changed
 * for `quietMs`: the trigger's 200 comes once n8n holds the execution, which runs after the
 * answer (in queue mode on a worker, later still); an execution of a delivery n8n answered
 * otherwise (a 500 while stopping) may appear later.
 */
export async function waitForIdle(database: N8nDatabase, options: WaitForIdleOptions = {}, who = 'n8n'): Promise<ExecutionCounts> {
	const { workflowId, quietMs = 1500, atLeast = 0, timeoutMs = 120_000 } = options;
	const deadline = Date.now() + timeoutMs;
	let last: ExecutionCounts | undefined;
	let stableSince = Date.now();
	for (;;) {
		const counts = await database.counts(workflowId);
		if (!last || counts.total !== last.total || counts.pending !== last.pending) stableSince = Date.now();
		last = counts;
		if (counts.pending === 0 && counts.total >= atLeast && Date.now() - stableSince >= quietMs) return counts;
		if (Date.now() > deadline) {
			throw new Error(`${who} not idle after ${timeoutMs} ms: ${JSON.stringify(counts)} (wanted at least ${atLeast})`);
		}
		await sleep(200);
	}
}
