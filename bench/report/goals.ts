/**
 * The goals (issues 8, 9, 10), each judged from figures measured in one run and one n8n (one
 * cluster for queue mode): met or missed, and when missed, the measured reason.
 */
import type { ConfigResult, FloodRun, N8nResults, QueueResults, QueueTargetResult, TargetResult } from '../lib/results';
import { KEYS } from '../lib/workflows';
import { medianOf, ms, rate, spreadOf, x } from './format';
import { busy, cfg, conc, seq, targetName } from './lookup';

export interface Goal {
	goal: string;
	measured: string;
	met: boolean | undefined;
	why: string;
	/** Measured while other work used the machine. */
	noisy?: boolean;
}

export const GOALS = {
	/** Default engine: answers/s at 20 connections ÷ the reference, at least. */
	throughputVsReference: 1.0,
	/** Sequential median ÷ the reference, at most. */
	latencyVsReference: 1.05,
	/** Lazy acquire: executions/s with the drain ÷ the built-in Webhook node's, at least. */
	lazyExecutionsVsWebhook: 1.5,
	/** Acknowledged means stored: executions/s with the drain ÷ answers/s, at least (the last runs finish after the last answer). */
	executionsPerAnswer: 0.9,
	/** Beside a flood: genuine answers/s ÷ without, at least; median ÷ without, at most. */
	floodThroughput: 0.9,
	floodLatency: 1.1,
	/** The new path's cost over the previous release ÷ the same cost for the do-nothing triggers, at most. */
	pathCostSlack: 1.05,
} as const;

const signedMs = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;
const answers = (config: ConfigResult | undefined) => conc(config, (round) => round.answersPerSec);
const executions = (config: ConfigResult | undefined) => conc(config, (round) => round.executionsPerSec);

/**
 * Why a latency ratio is over: the difference, and whether it is within the spread of the
 * reference's own per-round medians (then it is noise, not a measured difference).
 */
function latencyDiagnosis(target: TargetResult, config: ConfigResult, reference: ConfigResult): string {
	const ours = seq(config)!;
	const theirs = seq(reference)!;
	const delta = ours.p50 - theirs.p50;
	const roundMedians = reference.sequential['0.5 KB']?.rounds.map((round) => round.p50) ?? [];
	const spread = spreadOf(roundMedians) * Math.min(...roundMedians);
	const parts = [`median ${signedMs(delta)} ms against the reference`];
	if (roundMedians.length > 1) {
		parts.push(
			Math.abs(delta) <= spread
				? `within the reference’s own round-to-round spread (${roundMedians.map(ms).join(' / ')} ms): noise, not a measured difference`
				: `larger than the reference’s round-to-round spread (${roundMedians.map(ms).join(' / ')} ms)`,
		);
	}
	if (busy(target)) parts.push('other work used the machine during this target');
	const noMemory = seq(cfg(target, KEYS.voisnapNoMemory));
	if (noMemory && config.key === KEYS.voisnapV2) {
		parts.push(
			`of it, the trigger without its memory (deduplication off) is ${signedMs(noMemory.p50 - theirs.p50)} ms against the reference (verifying, reading the raw body, the secrets reloaded every 10 s), and the memory (n8n saving it in workflow static data: one more database write per delivery) ${signedMs(ours.p50 - noMemory.p50)} ms`,
		);
	}
	const capped = seq(cfg(target, KEYS.voisnapCap));
	if (capped && config.key === KEYS.voisnapV2) parts.push(`with ${cfg(target, KEYS.voisnapCap)!.prefilled?.toLocaleString('en')} ids remembered: ${ms(capped.p50)} ms`);
	return parts.join('; ');
}

function referenceGoal(target: TargetResult, withThroughput: boolean): Goal | undefined {
	const config = cfg(target, KEYS.voisnapV2);
	const reference = cfg(target, KEYS.noopV2);
	if (!seq(config) || !seq(reference)) return undefined;
	const latency = seq(config)!.p50 / seq(reference)!.p50;
	const throughput = answers(config) / answers(reference);
	const latencyMet = latency <= GOALS.latencyVsReference;
	const throughputMet = throughput >= GOALS.throughputVsReference;
	const met = latencyMet && (!withThroughput || throughputMet);
	const v1 = cfg(target, KEYS.voisnapV1);
	const v1Reference = cfg(target, KEYS.noopV1);
	const measured = [
		`median ${ms(seq(config)!.p50)} vs ${ms(seq(reference)!.p50)} ms (${x(latency)})`,
		withThroughput ? `answers/s at ${config!.concurrent[0]?.connections ?? 20} connections ${rate(answers(config))} vs ${rate(answers(reference))} (${x(throughput)}), median there ${x(conc(config, (r) => r.latency.p50) / conc(reference, (r) => r.latency.p50))}` : '',
		seq(v1) && seq(v1Reference) ? `v1 against the v1 reference: ${x(seq(v1)!.p50 / seq(v1Reference)!.p50)}` : '',
	].filter(Boolean);
	const why: string[] = [];
	if (!latencyMet) why.push(`Latency: ${latencyDiagnosis(target, config!, reference!)}.`);
	if (withThroughput && !throughputMet) {
		const rounds = (c: ConfigResult | undefined) => c?.concurrent.map((round) => rate(round.answersPerSec)).join(' / ');
		why.push(`Throughput: ${rate(answers(config))} vs ${rate(answers(reference))} answers/s (rounds ${rounds(config)} vs ${rounds(reference)})${busy(target) ? '; other work used the machine' : ''}.`);
	}
	return {
		goal: `${targetName(target)}: Voisnap Trigger (v2) ${withThroughput ? `answers/s at 20 connections ≥ ${GOALS.throughputVsReference}× and ` : ''}median latency ≤ ${GOALS.latencyVsReference}× the do-nothing trigger n8n answers (v2)`,
		measured: measured.join('; '),
		met,
		why: why.join(' '),
		noisy: busy(target),
	};
}

function lazyGoal(target: TargetResult): Goal | undefined {
	const config = cfg(target, KEYS.voisnapV2);
	const webhook = cfg(target, KEYS.webhook);
	if (!config?.concurrent.length || !webhook?.concurrent.length) return undefined;
	const ratio = executions(config) / executions(webhook);
	const met = ratio >= GOALS.lazyExecutionsVsWebhook;
	return {
		goal: `${targetName(target)}: Voisnap Trigger (v2) executions/s with the drain ≥ ${GOALS.lazyExecutionsVsWebhook}× the built-in Webhook node’s`,
		measured: `${rate(executions(config))} vs ${rate(executions(webhook))} executions/s (${x(ratio)}); answers/s ${rate(answers(config))} vs ${rate(answers(webhook))}; do-nothing (n8n answers, v2) ${rate(executions(cfg(target, KEYS.noopV2)))} executions/s`,
		met,
		why: met
			? ''
			: `at 20 connections n8n finished ${rate(executions(config))} executions/s for the Voisnap Trigger and ${rate(executions(webhook))} for the Webhook node (both answered once n8n stored the execution), ${rate(executions(cfg(target, KEYS.noopV2)))} for the do-nothing trigger n8n answers (executions/s per round: ${config.concurrent.map((round) => rate(round.executionsPerSec)).join(' / ')} vs ${webhook.concurrent.map((round) => rate(round.executionsPerSec)).join(' / ')})${busy(target) ? '; other work used the machine' : ''}. With this setting neither builds an expression isolate per delivery, and both are answered only once n8n has stored the execution, so the Webhook node's work per delivery (insert, run, finish) is a floor for any trigger: the Voisnap Trigger adds its memory's write to it and cannot run 1.5× as many. The goal assumed the Webhook node still paid for an isolate here`,
		noisy: busy(target),
	};
}

function storedGoal(target: TargetResult): Goal | undefined {
	const keys = [KEYS.voisnapV2, KEYS.voisnapV1, KEYS.voisnapCap].filter((key) => cfg(target, key)?.concurrent.length);
	if (keys.length === 0) return undefined;
	const rows = keys.map((key) => {
		const config = cfg(target, key)!;
		const unstored = Math.max(...config.concurrent.map((round) => round.unstoredAtLoadEnd));
		const perAnswer = Math.min(...config.concurrent.map((round) => round.executionsPerSec / round.answersPerSec));
		return { key, unstored, perAnswer, drain: Math.max(...config.concurrent.map((round) => round.drainMs)) };
	});
	const met = rows.every((row) => row.unstored === 0 && row.perAnswer >= GOALS.executionsPerAnswer);
	const previous = cfg(target, KEYS.previous);
	const previousNote = previous?.concurrent.length
		? `; for comparison the previous release: up to ${Math.max(...previous.concurrent.map((round) => round.unstoredAtLoadEnd))} acknowledged but not stored, ${rate(answers(previous))} answers/s against ${rate(executions(previous))} executions/s`
		: '';
	return {
		goal: `${targetName(target)}: acknowledged means stored: Voisnap Trigger answers/s match executions/s with the drain (no acknowledged delivery without an execution row at load end; executions/s ≥ ${GOALS.executionsPerAnswer}× answers/s)`,
		measured: `${rows.map((row) => `${row.key}: at most ${row.unstored} unstored, executions ÷ answers ≥ ${x(row.perAnswer)}`).join('; ')}${previousNote}`,
		met,
		why: met
			? ''
			: rows
					.filter((row) => row.unstored > 0 || row.perAnswer < GOALS.executionsPerAnswer)
					.map((row) => (row.unstored > 0 ? `${row.key}: ${row.unstored} deliveries acknowledged without an execution row when the load stopped (n8n answered before storing: the trigger’s runtime check falls back then, see the n8n log)` : `${row.key}: executions finished up to ${(row.drain / 1000).toFixed(1)} s after the last answer (the answer comes once the execution is stored, not finished)`))
					.join('; '),
		noisy: busy(target),
	};
}

function floodGoal(target: TargetResult): Goal | undefined {
	if (target.floods.length === 0 || !target.floodSettings) return undefined;
	const alone = target.floods.filter((run) => run.kind === 'none');
	const baseAnswers = medianOf(alone.map((run) => run.genuine.answersPerSec));
	const baseMedian = medianOf(alone.map((run) => run.genuine.latency.p50));
	const judged = (kind: FloodRun['kind']) => {
		const run = target.floods.find((candidate) => candidate.kind === kind);
		if (!run) return undefined;
		return { kind, run, throughput: run.genuine.answersPerSec / baseAnswers, latency: run.genuine.latency.p50 / baseMedian };
	};
	const floods = [judged('junk'), judged('forgery')].filter((entry): entry is NonNullable<typeof entry> => entry !== undefined);
	const control = judged('unparsable');
	const controlNote = control
		? `a flood n8n refuses itself before the trigger runs (invalid JSON, 422) at ${rate(control.run.flood?.perSec ?? NaN)}/s: answers/s ${x(control.throughput)}, median ${x(control.latency)}`
		: '';
	const met = floods.every((entry) => entry.throughput >= GOALS.floodThroughput && entry.latency <= GOALS.floodLatency);
	const noise = alone.length > 1 ? spreadOf(alone.map((run) => run.genuine.answersPerSec)) : 0;
	return {
		goal: `${targetName(target)}: junk and forgery floods (≤ ${target.floodSettings.ratePerSec}/s over ${target.floodSettings.connections} other connections) barely move genuine traffic to the Voisnap Trigger (v2): answers/s ≥ ${GOALS.floodThroughput}×, median ≤ ${GOALS.floodLatency}× without a flood`,
		measured: floods
			.map((entry) => `${entry.kind}: answers/s ${x(entry.throughput)}, median ${x(entry.latency)}, p99 ${ms(entry.run.genuine.latency.p99)} ms (flood ${rate(entry.run.flood?.perSec ?? NaN)}/s)`)
			.concat(controlNote ? [`control, ${controlNote}`] : [])
			.concat(`without a flood: ${rate(baseAnswers)} answers/s, median ${ms(baseMedian)} ms (the two runs ${(noise * 100).toFixed(0)}% apart)`)
			.join('; '),
		met,
		why: met
			? ''
			: `${floods
					.filter((entry) => entry.throughput < GOALS.floodThroughput || entry.latency > GOALS.floodLatency)
					.map((entry) => `beside ${entry.kind} at ${rate(entry.run.flood?.perSec ?? NaN)}/s genuine answers/s fell to ${x(entry.throughput)} and the median rose to ${x(entry.latency)}`)
					.join('; ')}${control ? `; ${controlNote}: that much is n8n’s own work per request (it loads the workflow from the database for every request), before any trigger runs; ${floods.map((entry) => `${entry.kind} ${entry.throughput >= control.throughput - 0.05 ? 'costs no more than the control' : `costs more than the control (${x(entry.throughput)} against ${x(control.throughput)})`}`).join(', ')}` : ''}${noise > 1 - GOALS.floodThroughput ? `; the two runs without a flood differ by ${(noise * 100).toFixed(0)}% themselves` : ''}${target.engine === 'default' && !target.env.N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE ? '; on this engine n8n builds an expression isolate for every request to a community trigger before the trigger runs, refused ones included (docs/performance.md, “The n8n setting that matters”): compare the same floods on the other settings' : ''}${busy(target) ? '; other work used the machine' : ''}`,
		noisy: busy(target),
	};
}

function pathCostGoal(target: TargetResult): Goal | undefined {
	const v1 = cfg(target, KEYS.voisnapV1);
	const v2 = cfg(target, KEYS.voisnapV2);
	const previous = cfg(target, KEYS.previous);
	const noopV1 = cfg(target, KEYS.noopV1);
	const noopSelf = cfg(target, KEYS.noopSelf);
	if (!seq(v1) || !seq(previous) || !seq(noopV1) || !seq(noopSelf)) return undefined;
	const latency = seq(v1)!.p50 / seq(previous)!.p50;
	const noopLatency = seq(noopV1)!.p50 / seq(noopSelf)!.p50;
	const throughput = executions(v1) / executions(previous);
	const noopThroughput = executions(noopV1) / executions(noopSelf);
	const latencyMet = latency <= noopLatency * GOALS.pathCostSlack;
	const throughputMet = throughput >= noopThroughput / GOALS.pathCostSlack;
	return {
		goal: `${targetName(target)}: the new answer path against the previous release (same run): it costs the Voisnap Trigger no more than letting n8n answer costs the do-nothing trigger (both v1; within ${GOALS.pathCostSlack}×)`,
		measured:
			`median v1 ${ms(seq(v1)!.p50)} vs previous ${ms(seq(previous)!.p50)} ms (${x(latency)}; do-nothing n8n answers ÷ answers itself ${x(noopLatency)}); ` +
			`executions/s with the drain ${rate(executions(v1))} vs ${rate(executions(previous))} (${x(throughput)}; do-nothing ${x(noopThroughput)}); ` +
			`answers/s ${rate(answers(v1))} vs ${rate(answers(previous))}; ` +
			(seq(v2) ? `what upgrading gives (v2 ÷ previous): median ${x(seq(v2)!.p50 / seq(previous)!.p50)}, executions/s ${x(executions(v2) / executions(previous))}` : ''),
		met: latencyMet && throughputMet,
		why: [
			latencyMet ? '' : `Latency: the new path changes the Voisnap Trigger’s median by ${signedMs(seq(v1)!.p50 - seq(previous)!.p50)} ms, the do-nothing trigger’s by ${signedMs(seq(noopV1)!.p50 - seq(noopSelf)!.p50)} ms.`,
			throughputMet ? '' : `Throughput: ${x(throughput)} of the previous release’s executions/s against ${x(noopThroughput)} for the do-nothing triggers.`,
			busy(target) && !(latencyMet && throughputMet) ? 'Other work used the machine.' : '',
		]
			.filter(Boolean)
			.join(' '),
		noisy: busy(target),
	};
}

function queueGoal(target: QueueTargetResult): Goal {
	const rows = (config: string, processes: number) => target.throughput.filter((row) => row.config === config && row.webhookProcesses === processes);
	const ours = target.throughput.filter((row) => row.config === KEYS.voisnapV2);
	const unstored = Math.max(0, ...ours.map((row) => row.unstoredAtLoadEnd));
	const ratio = (processes: number, pick: (row: QueueTargetResult['throughput'][number]) => number) =>
		medianOf(rows(KEYS.voisnapV2, processes).map(pick)) / medianOf(rows(KEYS.noopV2, processes).map(pick));
	const worker = (key: string) => target.worker.find((row) => row.config === key);
	const met = unstored === 0 && ours.length > 0;
	return {
		goal: `queue mode, n8n ${target.version} (${target.engine} engine): acknowledged means stored (no acknowledged delivery without an execution row at load end); throughput against the do-nothing trigger n8n answers (v2)`,
		measured:
			`at most ${unstored} unstored; answers/s ÷ do-nothing: ${x(ratio(1, (row) => row.answersPerSec))} (1 webhook process), ${x(ratio(2, (row) => row.answersPerSec))} (2); ` +
			`executions/s ÷ do-nothing: ${x(ratio(1, (row) => row.executionsPerSec))}, ${x(ratio(2, (row) => row.executionsPerSec))}` +
			(worker(KEYS.voisnapV2) || worker(KEYS.noopV2) ? `; worker executions/s: Voisnap ${rate(worker(KEYS.voisnapV2)?.executionsPerSec ?? NaN)}, do-nothing ${rate(worker(KEYS.noopV2)?.executionsPerSec ?? NaN)}` : ''),
		met,
		why: met ? '' : ours.length === 0 ? 'not measured' : `${unstored} deliveries acknowledged without an execution row when the load stopped`,
		noisy: busy(target),
	};
}

export function n8nGoals(n8n: N8nResults): Goal[] {
	const goals: Goal[] = [];
	const add = (goal: Goal | undefined) => {
		if (goal) goals.push(goal);
	};
	const major = (target: TargetResult) => Number(target.version.split('.')[0]);
	const twoX = (setting: string) => n8n.targets.filter((target) => major(target) >= 2 && target.setting === setting);
	for (const target of twoX('default')) add(referenceGoal(target, true));
	for (const target of twoX('lazy')) add(lazyGoal(target));
	for (const target of [...twoX('legacy'), ...n8n.targets.filter((target) => major(target) < 2)]) add(referenceGoal(target, false));
	for (const target of n8n.targets) add(storedGoal(target));
	for (const target of n8n.targets) add(floodGoal(target));
	for (const target of n8n.targets) add(pathCostGoal(target));
	return goals;
}

export function queueGoals(queue: QueueResults): Goal[] {
	return queue.targets.map(queueGoal);
}
