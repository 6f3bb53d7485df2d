import type { IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

export const ENGINE_V2_REFUSAL = 'The Voisnap Trigger does not run on n8n\'s Engine 2.0 yet';

/**
 * From `webhookMethods` (n8n calls them when it activates the workflow, and when it arms the
 * Test URL): refuses a workflow set to n8n's Engine 2.0 (`settings.engineType: 'v2'`, opt-in from
 * n8n 2.39). That engine runs webhook executions through another dispatcher, where neither "a 200
 * means n8n holds the execution" nor the memory's saves have been measured; refusing with a
 * reason beats a trigger that quietly keeps weaker promises (docs/n8n-behaviour.md, "Engine 2.0: the
 * node refuses to activate").
 * n8n releases without workflow settings in this context run only the classic engine.
 */
export function refuseUnmeasuredEngine(context: IHookFunctions): void {
	const settings = typeof context.getWorkflowSettings === 'function' ? context.getWorkflowSettings() : undefined;
	if ((settings as { engineType?: unknown } | undefined)?.engineType !== 'v2') return;
	throw new NodeOperationError(context.getNode(), ENGINE_V2_REFUSAL, {
		description:
			'This workflow is set to Engine 2.0. The trigger\'s guarantees (a 200 only once n8n holds the execution, ' +
			'duplicates remembered across restarts) are measured on n8n\'s default engine only. Set the workflow\'s ' +
			'engine back to the default (v1) in its settings, then activate it again.',
	});
}
