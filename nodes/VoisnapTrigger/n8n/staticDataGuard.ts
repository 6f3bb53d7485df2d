import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import type { DuplicateGuard } from '../contract/delivery';
import type { StoreLimits } from '../contract/deliveryStore';
import { processStores } from '../contract/storeRegistry';

/**
 * The trigger's memory of accepted deliveries, kept in the workflow's global static data under
 * the node's webhook id (node-scoped static data is keyed by the node's name, so renaming the
 * node would forget everything). n8n saves static data after `webhook()` when the node answers
 * the request itself, which is why the trigger always does.
 */
export function staticDataGuard(
	context: IWebhookFunctions,
	limits: StoreLimits,
	nowSeconds: number,
): DuplicateGuard {
	const node = context.getNode();
	const key = `voisnap:${node.webhookId ?? node.id}`;
	const staticData = context.getWorkflowStaticData('global');
	const store = processStores.storeFor(`${context.getWorkflow().id}/${key}`);
	return {
		findDuplicate(deliveryId, digest) {
			// Only genuine deliveries get here: forged ones never cost a merge.
			store.absorb(staticData[key], nowSeconds, limits);
			return store.findDuplicate(deliveryId, digest);
		},
		remember(deliveryId, digest) {
			staticData[key] = store.remember(deliveryId, digest, nowSeconds, limits) as unknown as IDataObject;
		},
	};
}
