/**
 * The real-n8n part of the report (bench/results/n8n.json): one section per target, the chain's
 * correctness cases, the n8n settings compared, and memory. Also collects the chart's rows.
 */
import type { ConfigResult, N8nResults, TargetResult } from '../lib/results';
import type { Distribution } from '../lib/stats';
import { KEYS } from '../lib/workflows';
import type { Page } from './format';
import { kb, medianOf, ms, n, rate, spreadOf, statusList, x } from './format';
import { busy, cfg, conc, machineNote, seq, targetName } from './lookup';

export interface ChartRow {
	group: string;
	label: string;
	seq?: Distribution;
	conc?: Distribution;
}

const roundsOf = (config: ConfigResult, pick: (round: ConfigResult['concurrent'][number]) => number, format: (value: number) => string) =>
	config.concurrent.map((round) => format(pick(round))).join(' / ');

function sequentialTable(page: Page, target: TargetResult): void {
	const rows = target.configs
		.filter((config) => seq(config))
		.map((config) => {
			const s = seq(config)!;
			const reference = seq(cfg(target, config.reference));
			const rounds = config.sequential['0.5 KB'].rounds.map((round) => round.p50);
			const large = config.sequential['16 KB']?.latency;
			const label = `${config.label}${config.staticDataBytes ? ` (${kb(config.staticDataBytes)} of static data)` : ''}`;
			return [
				config.key === config.reference ? `**${label}**` : label,
				config.key === config.reference ? '—' : (cfg(target, config.reference)?.label.replace(/^do-nothing trigger, /, '') ?? '–'),
				ms(s.p50),
				ms(s.p90),
				ms(s.p99),
				`${rounds.map(ms).join(' / ')}${spreadOf(rounds) > 0.15 ? ' (spread > 15%)' : ''}`,
				reference ? x(s.p50 / reference.p50) : '–',
				reference ? x(s.p99 / reference.p99) : '–',
				large ? ms(large.p50) : '–',
			];
		});
	page.table(
		['configuration', 'compared with (do-nothing trigger)', 'median', 'p90', 'p99', 'median, each round', 'median ÷ reference', 'p99 ÷ reference', '16 KB median'],
		['l', 'l', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
		rows,
	);
}

function concurrentTable(page: Page, target: TargetResult): void {
	const rows = target.configs
		.filter((config) => config.concurrent.length)
		.map((config) => {
			const reference = cfg(target, config.reference);
			const answers = conc(config, (round) => round.answersPerSec);
			const executions = conc(config, (round) => round.executionsPerSec);
			const timedOut = config.concurrent.some((round) => round.drainTimedOut) ? ' (drain timed out)' : '';
			return [
				config.key === config.reference ? `**${config.label}**` : config.label,
				roundsOf(config, (round) => round.answersPerSec, rate),
				reference ? x(answers / conc(reference, (round) => round.answersPerSec)) : '–',
				`${roundsOf(config, (round) => round.executionsPerSec, rate)}${timedOut}`,
				x(executions / answers),
				roundsOf(config, (round) => round.unstoredAtLoadEnd, n),
				roundsOf(config, (round) => round.unfinishedAtLoadEnd, n),
				roundsOf(config, (round) => round.drainMs / 1000, (value) => `${value.toFixed(1)} s`),
				ms(conc(config, (round) => round.latency.p50)),
				ms(conc(config, (round) => round.latency.p99)),
			];
		});
	page.table(
		['configuration', 'answers/s, each round', 'answers/s ÷ reference', 'executions/s with the drain', 'executions ÷ answers', 'acknowledged, not stored at load end', 'not finished at load end', 'drain after the load', 'median', 'p99'],
		['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
		rows,
	);
}

const FLOOD_NAMES = { none: 'none', unparsable: 'unparsable (control: n8n answers 422 itself)', junk: 'junk', forgery: 'forgeries' } as const;

function floodTable(page: Page, target: TargetResult): void {
	if (!target.floods.length || !target.floodSettings) return;
	const alone = target.floods.filter((run) => run.kind === 'none');
	const baseAnswers = medianOf(alone.map((run) => run.genuine.answersPerSec));
	const baseMedian = medianOf(alone.map((run) => run.genuine.latency.p50));
	page.out(
		`Floods (issue 10): genuine deliveries to the ${target.floodSettings.trigger}, at ${target.floods[0].genuine.connections} connections, alone, beside a flood n8n refuses itself before the trigger runs (signed headers, a body that is not JSON: answered 422 by n8n; the control, what any request costs n8n), beside a flood of junk (no timestamp or no signature header, alternately) and beside a flood of well-formed forgeries (fresh timestamp, \`sha256=\` + 64 random hex), then alone again; each flood from ${target.floodSettings.connections} other connections to the same URL, at most ${target.floodSettings.ratePerSec} requests/s. Ratios against the median of the runs without a flood.`,
	);
	page.out();
	page.table(
		['flood', 'genuine answers/s', '÷ no flood', 'executions/s with the drain', 'median', '÷ no flood', 'p99', 'flood requests/s sent', 'flood answers'],
		['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
		target.floods.map((run) => [
			FLOOD_NAMES[run.kind],
			rate(run.genuine.answersPerSec),
			x(run.genuine.answersPerSec / baseAnswers),
			rate(run.genuine.executionsPerSec),
			ms(run.genuine.latency.p50),
			x(run.genuine.latency.p50 / baseMedian),
			ms(run.genuine.latency.p99),
			run.flood ? rate(run.flood.perSec) : '–',
			run.flood ? statusList(run.flood.statuses) + (run.flood.errors ? `, ${run.flood.errors} failed` : '') : '–',
		]),
	);
}

function targetSection(page: Page, target: TargetResult, chartRows: ChartRow[]): void {
	const title = targetName(target);
	page.out(`### ${title}`);
	page.out();
	const shortened =
		target.rounds.sequential < target.rounds.sequentialAsked || target.rounds.concurrent < target.rounds.concurrentAsked
			? ` Time budget reached: ${target.rounds.sequential} of ${target.rounds.sequentialAsked} sequential and ${target.rounds.concurrent} of ${target.rounds.concurrentAsked} concurrent rounds.`
			: '';
	page.out(`Started ${target.startedAt.slice(0, 16).replace('T', ' ')} UTC, took ${target.seconds.toFixed(0)} s; ${machineNote(target)}.${shortened}`);
	page.out();
	if (busy(target)) {
		page.out(`> Other work used the machine during this target: its figures are noisy; differences smaller than the rounds’ spread mean nothing.`);
		page.out();
	}
	page.out('Sequential (one connection), 0.5 KB deliveries, acknowledgement latency in ms; the reference of each row is the do-nothing trigger of the same node version that answers the same way (bold rows are the references):');
	page.out();
	sequentialTable(page, target);
	page.out(`${target.configs.find((config) => config.concurrent.length)?.concurrent[0]?.connections ?? 20} connections (latency in ms, medians over the rounds):`);
	page.out();
	concurrentTable(page, target);
	floodTable(page, target);
	const statuses = target.configs
		.map((config) => `${config.key}: ${statusList(config.sequential['0.5 KB']?.statuses ?? {})}${config.concurrent.length ? `; concurrent ${config.concurrent.map((round) => statusList(round.statuses)).join(' / ')}` : ''}`)
		.join(' — ');
	page.out(`Answers (status counts): ${statuses}.`);
	page.out();
	for (const config of target.configs.filter((candidate) => !candidate.attribution)) {
		const longest = config.concurrent.length ? config.concurrent.reduce((best, round) => (round.latency.n > best.latency.n ? round : best)) : undefined;
		chartRows.push({ group: title, label: config.label, seq: seq(config), conc: longest?.latency });
	}
}

function correctnessSection(page: Page, targets: TargetResult[]): void {
	const checked = targets.filter((target) => target.checks.length);
	if (!checked.length) return;
	page.out('## 4. The hand-built chain’s correctness (issue 4)');
	page.out();
	page.out('Each case sent to the hand-built chain (Webhook → Crypto → IF → Respond) and to the Voisnap Trigger (v2), in every target; ✗ marks a wrong answer.');
	page.out();
	const mark = (status: number, expected: string) => `${status}${String(status) === expected.slice(0, 3) ? '' : ' ✗'}`;
	page.table(
		['case', 'should be', ...checked.map((target) => `chain / Voisnap, ${target.version} ${target.setting}`)],
		['l', 'l', ...checked.map(() => 'l' as const)],
		checked[0].checks.map((check, index) => [
			check.case,
			check.expected,
			...checked.map((target) => {
				const c = target.checks[index];
				return c ? `${mark(c.chain, c.expected)} / ${mark(c.voisnap, c.expected)}${/duplicate/.test(c.voisnapBody) ? ' (duplicate)' : ''}` : '–';
			}),
		]),
	);
	page.out(
		'The chain signs what n8n gives it: the body parsed and serialised again (`JSON.stringify($json.body)`), never the bytes received. So it rejects genuine deliveries whose bytes differ from that re-serialisation (white space, `\\u00e9`, `1.0`), accepts bytes that were never signed as long as they parse to the same value, has no timestamp check (replays pass), no deduplication (a retry runs the workflow again), compares with a plain string equality (not constant-time), and knows one secret and one header value (no rotation). Its latency and throughput are in section 3.',
	);
	page.out();
}

function settingsSection(page: Page, targets: TargetResult[]): void {
	if (targets.length < 2) return;
	page.out('## 5. n8n settings that matter (README “Performance”)');
	page.out();
	page.out(
		`The same three workflows under each setting, measured ${targets[0].startedAt.slice(0, 10)}; each setting is its own n8n, started one after another, so compare with the machine state beside it. Sequential median latency (ms) and, at 20 connections, answers/s and executions/s with the drain (medians over the rounds).`,
	);
	page.out();
	const cell = (target: TargetResult, key: string) => {
		const config = cfg(target, key);
		return config ? [ms(seq(config)?.p50 ?? NaN), rate(conc(config, (round) => round.answersPerSec)), rate(conc(config, (round) => round.executionsPerSec))] : ['–', '–', '–'];
	};
	page.table(
		[
			'n8n',
			'setting',
			'do-nothing (n8n answers, v2): median',
			'answers/s',
			'executions/s',
			'**Voisnap Trigger (v2)**: median',
			'answers/s',
			'executions/s',
			'Voisnap ÷ do-nothing (median)',
			'Webhook node: median',
			'answers/s',
			'executions/s',
			'machine',
		],
		['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
		targets.map((target) => [
			target.version,
			target.settingLabel,
			...cell(target, KEYS.noopV2),
			...cell(target, KEYS.voisnapV2),
			x((seq(cfg(target, KEYS.voisnapV2))?.p50 ?? NaN) / (seq(cfg(target, KEYS.noopV2))?.p50 ?? NaN)),
			...cell(target, KEYS.webhook),
			machineNote(target),
		]),
	);
}

function memorySection(page: Page, n8n: N8nResults): void {
	if (!n8n.memory.length) return;
	page.out('## 6. Memory');
	page.out();
	page.out('VmRSS (and VmHWM, the peak) of the n8n main process from /proc/<pid>/status, one n8n per row with only that workflow, same load (sequential, then 20 connections), read 3 s after the last execution finished.');
	page.out();
	page.table(
		['n8n', 'configuration', 'after start', 'after the run', 'growth', 'peak', 'deliveries'],
		['l', 'l', 'r', 'r', 'r', 'r', 'r'],
		n8n.memory.map((row) => [
			`${row.version} (${row.engine})`,
			row.label,
			`${row.afterStart.rss.toFixed(0)} MiB`,
			`${row.afterRun.rss.toFixed(0)} MiB`,
			`${(row.afterRun.rss - row.afterStart.rss).toFixed(0)} MiB`,
			`${row.afterRun.hwm.toFixed(0)} MiB`,
			n(row.deliveries),
		]),
	);
	const reference = n8n.memory.find((row) => row.key === KEYS.noopV2);
	const capped = n8n.memory.find((row) => row.key === KEYS.voisnapCap);
	if (reference && capped) {
		page.out(
			`After the run, n8n with the Voisnap Trigger at its default cap is ${(capped.afterRun.rss - reference.afterRun.rss).toFixed(0)} MiB ${capped.afterRun.rss >= reference.afterRun.rss ? 'above' : 'below'} the one with the do-nothing trigger (peak ${(capped.afterRun.hwm - reference.afterRun.hwm).toFixed(0)} MiB). The resident size after the run still holds garbage V8 has not collected; the peak is what a memory limit has to allow.`,
		);
		page.out();
	}
}

/** Sections 3 to 6; returns the chart's rows. */
export function n8nSections(page: Page, n8n: N8nResults): ChartRow[] {
	const chartRows: ChartRow[] = [];
	const st = n8n.settings as Record<string, number>;
	page.out('## 3. Real n8n, per target');
	page.out();
	page.out(
		`Per target: one n8n with every workflow below active side by side (SQLite, executions saved), this package${n8n.previousRelease ? `, an earlier version (commit ${n8n.previousRelease.commit.slice(0, 7)}, renamed n8n-nodes-voisnap-previous so that both load)` : ''} and the do-nothing triggers (bench/noop-trigger) installed as community packages. Loopback only. Warm-up ${st.warmup} deliveries each. *Sequential*: ${st.rounds} rounds × ${st.seqCount} deliveries of 0.5 KB (and ${st.seqLarge} of 16 KB) per configuration, interleaved, the order rotated each round, every delivery distinct and signed. *${st.conc} connections*: ${st.concRounds} rounds of at most ${st.concCount} deliveries or ${st.concSeconds} s each, keep-alive. Latency = acknowledgement latency (request written → whole answer read). *Executions/s with the drain*: executions finished ÷ time from the first request until the last one finished. *Acknowledged, not stored*: answered deliveries with no execution row when the load stopped (acknowledged-but-unstored: lost if n8n dies then); *not finished*: rows still new or running.`,
	);
	page.out();
	page.out(
		'References: *do-nothing trigger, n8n answers* (v1 and v2; `webhook()` returns `{ workflowData, webhookResponse }` with `responseMode: onReceived`, `responseData: \'\'`: on n8n 2.x n8n answers once it stored the execution, as for the Voisnap Trigger and n8n’s own Webhook node; on 1.x before), and *do-nothing trigger, answers itself* (v1; answers inside `webhook()` before n8n creates the execution, the previous release’s way).',
	);
	page.out();
	for (const target of n8n.targets) targetSection(page, target, chartRows);
	correctnessSection(page, n8n.targets);
	settingsSection(
		page,
		n8n.targets.filter((target) => cfg(target, KEYS.voisnapV2) && cfg(target, KEYS.noopV2)),
	);
	memorySection(page, n8n);
	if (n8n.failures.length) {
		page.out('## Failures (n8n part)');
		page.out();
		for (const failure of n8n.failures) page.out(`- ${failure.split('\n')[0]}`);
		page.out();
	}
	return chartRows;
}
