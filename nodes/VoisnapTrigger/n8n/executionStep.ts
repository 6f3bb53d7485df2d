import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { isRejectionAlert } from '../contract/rejectionAlerts';
import type { TriggerParameters } from '../contract/settings';
import { readSettings } from '../contract/settings';
import { routeItems } from '../description/outputs';
import { answerFromExecution } from './answerPath';
import { rememberInExecution } from './deliveryMemory';

/**
 * The trigger's `execute()`: the first step of every execution it starts. `webhook()` hands it
 * the delivery's item on output 0; here, with the execution stored, the delivery is answered
 * (where this process answers from the execution) and remembered, then routed to its output.
 * An alert about refused deliveries (option Alert on Rejections) was answered by `webhook()`
 * already: it is neither answered nor remembered, only routed to `Rejected`.
 */
export async function executionStep(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const settings = readSettings({
		routing: context.getNodeParameter('routing', 0, 'byEventType'),
		options: context.getNodeParameter('options', 0, {}) as TriggerParameters['options'],
	});
	if (items.length > 0 && items.every((item) => isRejectionAlert(item.json))) {
		return routeItems(items, settings.singleOutput, settings.alertOnRejections);
	}
	await answerFromExecution(context);
	if (settings.deduplicate && context.getMode() !== 'manual') {
		const ids = items
			.map((item) => (item.json.delivery as { id?: unknown } | undefined)?.id)
			.filter((id): id is string => typeof id === 'string');
		rememberInExecution(context, ids, settings.limits);
	}
	return routeItems(items, settings.singleOutput, settings.alertOnRejections);
}
