/**
 * Resident memory of an n8n that ran only one workflow: VmRSS and VmHWM of the main process
 * after the start and after the same load (sequential, then concurrent rounds).
 */
import type { CredentialJson } from '../../test/harness';
import { N8nInstance, installN8n } from '../../test/harness';
import { BENCH_SECRET } from './bodies';
import type { Delivery } from './loadgen';
import { runLoad } from './loadgen';
import { stopAtHardStop } from './hardStop';
import { urlOf } from './measure';
import { findN8nPid, residentMiB } from './proc';
import type { MemoryResult } from './results';
import type { BenchConfig } from './workflows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MemoryLoad {
	sequential: number;
	concurrentRounds: number;
	connections: number;
	count: number;
	seconds: number;
}

export async function memoryRun(
	target: { version: string; engine: 'default' | 'legacy'; extraPackages: string[]; extraCredentials: CredentialJson[] },
	config: BenchConfig,
	fresh: () => Delivery,
	load: MemoryLoad,
	log: (message: string) => void,
): Promise<MemoryResult> {
	const install = await installN8n(target.version);
	const n8n = await N8nInstance.start({
		version: target.version,
		credential: { signingSecret: BENCH_SECRET },
		extraCredentials: target.extraCredentials,
		workflows: [config.workflow],
		extraPackages: target.extraPackages,
		expressionEngine: target.engine,
	});
	const untrack = stopAtHardStop(n8n);
	try {
		const pid = findN8nPid(install.n8nBin, n8n.userFolder);
		if (!pid) throw new Error('n8n main process not found in /proc');
		await sleep(3000);
		const afterStart = residentMiB(pid);
		const url = urlOf(n8n, config);
		let deliveries = (await runLoad({ url, delivery: fresh, count: load.sequential, timeLimitMs: 240_000, connections: 1 })).replies.length;
		for (let round = 0; round < load.concurrentRounds; round++) {
			deliveries += (await runLoad({ url, delivery: fresh, count: load.count, timeLimitMs: load.seconds * 1000, connections: load.connections })).replies.length;
		}
		await n8n.waitForIdle({ quietMs: 1500, timeoutMs: 120_000 });
		await sleep(3000);
		const afterRun = residentMiB(pid);
		log(`  memory, ${config.key}: ${afterStart.rss.toFixed(0)} MiB after start, ${afterRun.rss.toFixed(0)} MiB after ${deliveries} deliveries (peak ${afterRun.hwm.toFixed(0)})`);
		return { version: target.version, engine: target.engine, key: config.key, label: config.label, afterStart, afterRun, deliveries };
	} finally {
		untrack();
		await n8n.stop();
	}
}
