import type { IExecuteFunctions, INodeExecutionData, IWebhookFunctions, IWebhookResponseData, WebhookResponseMode } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { ACCEPTED_BODY } from '../contract/answers';
import type { Verdict } from '../contract/delivery';
import type { WebhookMemory } from './deliveryMemory';
import { registry } from './registry';
import { reportRejection } from './rejections';
import { planForRelease } from './releases';
import { runningN8nVersion } from './runningN8n';

/**
 * How an accepted delivery is answered, so that Voisnap's 200 means n8n holds the execution
 * (Voisnap never resends a delivery it got a 2xx for):
 *
 * - `afterStoring` (n8n 2.8 and later): n8n answers, as it does for its own Webhook node: only once
 *   `WorkflowRunner.run` has inserted the execution (and, in queue mode, queued its job). The
 *   answer is a getter, read by n8n at that moment; it marks the trigger's memory in static data
 *   changed again, because starting the run cleared n8n's "changed" flag, so that n8n saves it
 *   right before answering.
 * - `fromExecution` (n8n 1.46 to 2.7, which read an onReceived answer before storing the
 *   execution): the webhook is
 *   `responseNode`, and the execution's first step (the trigger's `execute()`) sends the answer
 *   with `sendResponse`, as the Respond to Webhook node does; n8n relays it from a queue-mode
 *   worker. n8n saves the memory after that answer.
 * - `atOnce`: what `afterStoring` becomes on evidence that n8n does not behave as it relies on
 *   (checked on every delivery; only a 200 can be such evidence): n8n's plain onReceived answer,
 *   and the memory saved only with deliveries known to be stored. Nothing acknowledged is then
 *   remembered before it is stored; a delivery's own id reaches the database with a later save.
 *
 * Who saves a delivery's id, and when, on each path: savePlan.ts. When n8n reads the getter, and
 * that its "changed" flag works so, are not promises n8n makes: docs/n8n-behaviour.md.
 */
export type AnswerPath = 'afterStoring' | 'fromExecution' | 'atOnce';

/** The path a process of n8n `release` starts on (releases.ts): never from the n8n-workflow this package resolves. */
export function expectedAnswerPath(release: string | undefined = runningN8nVersion()): AnswerPath {
	return planForRelease(release).path;
}

/** The path of this process: chosen from n8n's release on first use, `atOnce` after evidence against it. */
export function answerPath(): AnswerPath {
	registry.answerPath ??= expectedAnswerPath();
	return registry.answerPath;
}

/** For tests: the path as a process of n8n `release` starts with. */
export function resetAnswerPath(path: AnswerPath = expectedAnswerPath()): void {
	registry.answerPath = path;
	registry.answerPathAnnounced = false;
}

/**
 * Says once per process, at its first accepted delivery, which path it takes and why: what a
 * user (and the compatibility sweep) reads to know what a 200 means on their n8n.
 */
function announcePath(context: IWebhookFunctions, path: AnswerPath): void {
	if (registry.answerPathAnnounced) return;
	registry.answerPathAnnounced = true;
	const release = runningN8nVersion();
	const plan = planForRelease(release);
	const trust = plan.measured
		? 'as measured for this release'
		: 'not measured for this release: n8n\'s behaviour is checked on every delivery';
	context.logger.info(`Voisnap Trigger: answer path ${path} (n8n ${release ?? 'release unknown'}; ${trust})`, {
		workflowId: context.getWorkflow().id ?? null,
	});
}

/** The webhook description's answer fields for this process. */
export function webhookAnswerFields(): { responseMode: WebhookResponseMode; responseData: string } {
	// responseData '' makes n8n answer with `webhookResponse` (a non-empty value is sent instead).
	return { responseMode: answerPath() === 'fromExecution' ? 'responseNode' : 'onReceived', responseData: '' };
}

const ACCEPTED_BYTES = Buffer.from(JSON.stringify(ACCEPTED_BODY));

/**
 * Settles the delivery's claim on n8n's answer: a 200 means n8n held the execution when it
 * answered, anything else that it did not. A sender that hung up first (Voisnap gives up after
 * 5 s) settles nothing: n8n goes on storing the delivery, and what it does decides (for at most
 * ABANDONED_CLAIM_MS, see contract/claims.ts). `onAnswered` sees the answer before the claim is
 * settled.
 */
function settleOnAnswer(response: ReturnType<IWebhookFunctions['getResponseObject']>, memory: WebhookMemory | undefined, onAnswered: (status: number) => void = () => undefined): void {
	let answered = false;
	response.once('finish', () => {
		answered = true;
		onAnswered(response.statusCode);
		if (response.statusCode === 200) memory?.confirm();
		else memory?.release();
	});
	response.once('close', () => {
		if (!answered) memory?.senderGone();
	});
}

/**
 * What `webhook()` returns for an accepted delivery: the item on output 0 (the trigger's
 * `execute()` routes it), and the answer as this process's path gives it.
 */
export function acceptedResponse(context: IWebhookFunctions, item: INodeExecutionData, memory: WebhookMemory | undefined): IWebhookResponseData {
	const workflowData = [[item]];
	const response = context.getResponseObject();
	const path = answerPath();
	announcePath(context, path);
	if (path !== 'afterStoring') {
		settleOnAnswer(response, memory);
		return path === 'fromExecution' ? { workflowData } : { workflowData, webhookResponse: ACCEPTED_BODY };
	}

	// Storing the execution takes database I/O, so at least one turn of the event loop passes
	// between this return and n8n's read of the answer. If none does, n8n answers first.
	let turnPassed = false;
	void sleep(0).then(() => (turnPassed = true));
	let readAfterStoring: boolean | undefined;
	settleOnAnswer(response, memory, (status) => {
		// Only a 200 n8n sent without reading the answer, or having read it too early, says n8n
		// changed: its 500 (it could not start or store the execution), a 503, or a sender that
		// hung up say nothing about the path, and must not lower it for every trigger here.
		if (status !== 200 || readAfterStoring === true || answerPath() !== 'afterStoring') return;
		registry.answerPath = 'atOnce';
		context.logger.warn(
			readAfterStoring === undefined
				? 'Voisnap Trigger: n8n answered without reading the answer the trigger gave it. From now on the trigger lets n8n answer at once and saves a delivery\'s id only once it is known to be stored (README "Guarantees").'
				: 'Voisnap Trigger: n8n read the answer before storing the execution (a change in n8n). From now on a 200 can precede the stored execution, as with n8n\'s own Webhook node on this version; the trigger saves a delivery\'s id only once it is known to be stored (README "Guarantees").',
			{ workflowId: context.getWorkflow().id ?? null },
		);
	});
	return {
		workflowData,
		// n8n reads this (twice) once it has stored the execution, then saves static data if it
		// is marked changed, then answers.
		get webhookResponse() {
			readAfterStoring = turnPassed;
			// n8n holds the execution now, whether or not the sender is still there to hear it.
			memory?.answerRead(turnPassed);
			return ACCEPTED_BODY;
		},
	};
}

/**
 * Every other answer (refused, duplicate, ignored, retry later), written by the trigger at once:
 * nothing is started, and n8n then saves static data if it changed. Refusals are reported.
 */
export function answerNow(context: IWebhookFunctions, verdict: Exclude<Verdict, { outcome: 'accepted' }>, credentialProblem?: string): IWebhookResponseData {
	const response = context.getResponseObject();
	if (verdict.outcome === 'retry_later') response.setHeader('Retry-After', String(verdict.retryAfterSeconds));
	response.status(verdict.status).json(verdict.body);
	if (verdict.outcome === 'rejected') reportRejection(context, verdict, credentialProblem);
	else context.logger.debug(`Voisnap Trigger answered a ${verdict.outcome} delivery`, { deliveryId: verdict.deliveryId ?? null });
	return { noWebhookResponse: true };
}

/** From `execute()`: sends the held answer when this process answers from the execution. */
export async function answerFromExecution(context: IExecuteFunctions): Promise<void> {
	if (answerPath() !== 'fromExecution') return;
	await context.sendResponse({
		body: ACCEPTED_BYTES,
		headers: { 'content-type': 'application/json; charset=utf-8' },
		statusCode: 200,
	});
}
