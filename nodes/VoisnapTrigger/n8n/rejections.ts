import type { IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Rejection } from '../contract/delivery';
import { ANSWERS_DOC_URL, REJECTION_ADVICE } from '../description/rejectionAdvice';

/**
 * n8n answers a failed test run with a 500 of its own, on a response the node has already
 * answered: that second answer would throw "headers already sent" inside n8n and reset the
 * sender's connection. The node's answer is the one the sender must get, so later ones are
 * dropped.
 */
function keepFirstAnswer(response: ReturnType<IWebhookFunctions['getResponseObject']>): void {
	const alreadyAnswered = () => response;
	Object.assign(response, { status: alreadyAnswered, json: alreadyAnswered, send: alreadyAnswered });
}

/**
 * Rejections are logged, and in test mode shown in the editor, never silently dropped. Called
 * after the rejection has been answered.
 */
export function reportRejection(context: IWebhookFunctions, verdict: Rejection, credentialProblem: string | undefined): void {
	const { reason, deliveryId, status } = verdict;
	context.logger.warn(`Voisnap Trigger rejected a delivery (${reason})`, {
		reason,
		status,
		deliveryId: deliveryId ?? null,
		...(reason === 'no_signing_secret' && credentialProblem ? { credentialProblem } : {}),
		workflowId: context.getWorkflow().id,
		node: context.getNode().name,
	});
	if (context.getMode() === 'manual') {
		// Without an execution n8n keeps listening and the editor waits; a failed test
		// execution shows the user why instead. The answer above has already gone out.
		keepFirstAnswer(context.getResponseObject());
		throw new NodeOperationError(context.getNode(), `Delivery rejected with ${status}: ${verdict.body.error}`, {
			description: rejectionDescription(verdict),
		});
	}
}

/** What the editor shows under the rejection: what to do, the reason code, where to read more. */
export function rejectionDescription({ reason, deliveryId }: Pick<Rejection, 'reason' | 'deliveryId'>): string {
	return `${REJECTION_ADVICE[reason]} (Reason code: ${reason}. Delivery id: ${deliveryId ?? '(none)'}. Every answer and reason code: "Answers and error codes" in the README, ${ANSWERS_DOC_URL})`;
}
