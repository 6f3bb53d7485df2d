/**
 * Which answer path each n8n release needs (answerPath.ts), from what n8n's published code does
 * release by release (docs/n8n-behaviour.md, "When n8n reads a trigger's answer") and what the
 * compatibility sweep measured (docs/compatibility.md):
 *
 * | n8n release            | path            | why                                                          |
 * | ---------------------- | --------------- | ------------------------------------------------------------ |
 * | below 1.46.0           | (does not load) | n8n-core ≤ 1.45 cannot load themed icons                      |
 * | 1.46.0 – 2.7.x         | `fromExecution` | n8n reads an onReceived answer before it stores the execution |
 * | 2.8.0 – 2.41.x         | `afterStoring`  | n8n reads it once `WorkflowRunner.run` has stored it          |
 * | newer, or unknown      | `afterStoring`  | not measured: checked on every delivery, `atOnce` on evidence |
 */
import type { AnswerPath } from './answerPath';

export const SUPPORTED_FLOOR = '1.46.0';
/** The first release that reads an onReceived answer only once the execution is stored. */
export const DEFERRED_ANSWER_SINCE = '2.8.0';
/** The newest release line the sweep measured; a newer one is taken on trust and checked. */
export const NEWEST_MEASURED_LINE = '2.41';

export interface ReleasePlan {
	path: AnswerPath;
	/** The path was measured on this release line (else it is checked at run time, and may fall back). */
	measured: boolean;
}

/** `[major, minor, patch]`, or undefined for anything that is not a release number. */
export function releaseNumbers(version: string | undefined): [number, number, number] | undefined {
	const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
	return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Negative, zero or positive as release `a` is older than, the same as, or newer than `b`. */
export function compareReleases(a: [number, number, number], b: [number, number, number]): number {
	return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function planForRelease(version: string | undefined): ReleasePlan {
	const release = releaseNumbers(version);
	if (!release) return { path: 'afterStoring', measured: false };
	if (compareReleases(release, releaseNumbers(DEFERRED_ANSWER_SINCE)!) < 0) return { path: 'fromExecution', measured: true };
	const [major, minor] = releaseNumbers(`${NEWEST_MEASURED_LINE}.0`)!;
	return { path: 'afterStoring', measured: compareReleases(release, [major, minor, Number.MAX_SAFE_INTEGER]) <= 0 };
}
