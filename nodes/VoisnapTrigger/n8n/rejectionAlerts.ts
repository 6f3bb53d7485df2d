import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { DeliveryRequest, Rejection } from '../contract/delivery';
import { hasWellFormedSignature, isSignedWith } from '../contract/delivery';
import { REJECTION_ALERTING, RejectionAlertLimiter, rejectionAlertJson } from '../contract/rejectionAlerts';
import type { TriggerSettings } from '../contract/settings';
import { REJECTION_ADVICE } from '../description/rejectionAdvice';
import { loadSecrets } from './credentials';
import { registry } from './registry';

function limiterOf(context: IWebhookFunctions): RejectionAlertLimiter {
	const key = `${context.getWorkflow().id ?? ''}/${context.getNode().id}`;
	return registry.alerts.obtain(key, () => new RejectionAlertLimiter());
}

/** A refusal `webhook()` has answered, and where in the checks it was made. */
export interface AnsweredRejection {
	rejection: Rejection;
	/** Refused by the cheap screen (before the credential was loaded). */
	screened: boolean;
	request: DeliveryRequest;
	receivedAt: Date;
}

/**
 * Whether a refusal says something is set up wrong or has changed. A refusal of the screen
 * alerts only for its timestamp on a request with a well-formed signature that verifies with
 * a configured secret: only such requests reach the credential, which is kept for seconds
 * (credentials.ts), so a flood of them costs what a flood of fresh forgeries costs already.
 */
async function alerts(context: IWebhookFunctions, { rejection, screened, request }: AnsweredRejection): Promise<boolean> {
	const alerting = REJECTION_ALERTING[rejection.reason];
	if (!screened) return alerting === 'afterScreen';
	if (alerting !== 'whenSigned' || !hasWellFormedSignature(request)) return false;
	return isSignedWith(request, (await loadSecrets(context)).secrets);
}

/**
 * What `webhook()` returns once it has answered a refusal itself: with Alert on Rejections on
 * (in production), a refusal that alerts and the trigger's rate allowing it, the alert item for
 * the `Rejected` output as workflow data beside `noWebhookResponse`: n8n then starts the
 * execution and sends nothing more, so the sender's answer is the one already written.
 */
export async function withRejectionAlert(
	context: IWebhookFunctions,
	answered: IWebhookResponseData,
	refusal: AnsweredRejection,
	settings: Pick<TriggerSettings, 'alertOnRejections' | 'alertIntervalMs'>,
): Promise<IWebhookResponseData> {
	if (!settings.alertOnRejections || context.getMode() === 'manual') return answered;
	if (!(await alerts(context, refusal))) return answered;
	const { rejection, receivedAt } = refusal;
	const tally = limiterOf(context).record(rejection.reason, receivedAt.getTime(), settings.alertIntervalMs);
	if (!tally) return answered;
	context.logger.info(`Voisnap Trigger starts an alert on its Rejected output (${rejection.reason})`, {
		reason: rejection.reason,
		count: tally.count,
		workflowId: context.getWorkflow().id,
		node: context.getNode().name,
	});
	const json = rejectionAlertJson({
		reason: rejection.reason,
		status: rejection.status,
		message: rejection.body.error,
		advice: REJECTION_ADVICE[rejection.reason],
		deliveryId: rejection.deliveryId ?? null,
		receivedAt: receivedAt.toISOString(),
		count: tally.count,
		since: new Date(tally.sinceMs).toISOString(),
	});
	return { ...answered, workflowData: [[{ json: json as unknown as IDataObject }]] };
}
