/** Queue mode's part of the report (bench/results/queue.json). */
import type { QueueResults } from '../lib/results';
import { KEYS } from '../lib/workflows';
import type { Page } from './format';
import { medianOf, ms, rate, x } from './format';
import { machineNote } from './lookup';

const trigger = (key: string) => (key === KEYS.noopV2 ? 'do-nothing trigger, n8n answers (v2)' : 'Voisnap Trigger (v2), store empty');

export function queueSection(page: Page, queue: QueueResults): void {
	const st = queue.settings as Record<string, number>;
	page.out('## 7. Queue mode');
	page.out();
	page.out(
		`bench/queue.ts: per n8n version, Postgres, Redis, one main, two \`n8n webhook\` processes and one worker (concurrency ${st.workerConcurrency}), all on the same 2 cores. ${st.conc} connections to one webhook process, then split over both; ${st.rounds} rounds of at most ${st.concCount} deliveries or ${st.concSeconds} s, medians over the rounds. *Executions/s with the drain* counts until the last execution finished on the worker. *Worker executions/s*: the worker stopped, ${st.backlog} deliveries answered and queued, the worker started; executions ÷ time from the first one’s start to the last one’s end as n8n recorded them.`,
	);
	page.out();
	for (const target of queue.targets) {
		page.out(`### Queue mode, n8n ${target.version} (${target.engine} expression engine)`);
		page.out();
		page.out(`Started ${target.startedAt.slice(0, 16).replace('T', ' ')} UTC, took ${target.seconds.toFixed(0)} s; ${machineNote(target)}.`);
		page.out();
		const rows: string[][] = [];
		for (const key of [KEYS.voisnapV2, KEYS.noopV2]) {
			for (const processes of [1, 2]) {
				const runs = target.throughput.filter((row) => row.config === key && row.webhookProcesses === processes);
				if (!runs.length) continue;
				const reference = target.throughput.filter((row) => row.config === KEYS.noopV2 && row.webhookProcesses === processes);
				const answers = medianOf(runs.map((row) => row.answersPerSec));
				rows.push([
					key === KEYS.noopV2 ? `**${trigger(key)}**` : trigger(key),
					String(processes),
					runs.map((row) => rate(row.answersPerSec)).join(' / '),
					x(answers / medianOf(reference.map((row) => row.answersPerSec))),
					ms(medianOf(runs.map((row) => row.p50))),
					ms(medianOf(runs.map((row) => row.p99))),
					`${runs.map((row) => rate(row.executionsPerSec)).join(' / ')}${runs.some((row) => row.drainTimedOut) ? ' (drain timed out)' : ''}`,
					runs.map((row) => String(row.unstoredAtLoadEnd)).join(' / '),
					runs.map((row) => String(row.unfinishedAtLoadEnd)).join(' / '),
				]);
			}
		}
		page.table(
			['trigger', 'webhook processes', 'answers/s, each round', 'answers/s ÷ do-nothing', 'median ms', 'p99 ms', 'executions/s with the drain', 'acknowledged, not stored at load end', 'not finished at load end'],
			['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
			rows,
		);
		if (target.worker.length) {
			page.table(
				['trigger', 'queued', 'worker executions/s', 'worker ready after'],
				['l', 'r', 'r', 'r'],
				target.worker.map((row) => [trigger(row.config), String(row.queued), `${rate(row.executionsPerSec)}${row.drainTimedOut ? ' (timed out)' : ''}`, `${(row.workerStartMs / 1000).toFixed(1)} s`]),
			);
		}
		for (const note of target.notes) page.out(`- ${note}`);
		if (target.notes.length) page.out();
	}
	if (queue.failures.length) {
		page.out('Failures (queue mode):');
		page.out();
		for (const failure of queue.failures) page.out(`- ${failure.split('\n')[0]}`);
		page.out();
	}
}
