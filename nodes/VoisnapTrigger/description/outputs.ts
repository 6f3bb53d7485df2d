import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

import { ROUTES, routeOf } from '../contract/events';

/**
 * The trigger's outputs for its parameters. n8n evaluates this function's source text as the
 * node's `outputs` expression (in the editor and on the server), and `webhook()` calls it too,
 * so the two can never disagree. It must therefore stay self-contained: no imports, no helpers
 * outside its body. A test checks that its names equal `ROUTES` in events.ts.
 */
export function configuredOutputs(parameters: INodeParameters): INodeOutputConfiguration[] {
	if (parameters.routing === 'single') return [{ type: 'main' }];
	return ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'].map(
		(displayName) => ({ type: 'main', displayName }),
	);
}

/**
 * The trigger's output data: each item on its event type's output (or all on the single output).
 * An item without a string `type` (pinned by hand, say) goes to Other.
 */
export function routeItems(items: readonly INodeExecutionData[], singleOutput: boolean): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = configuredOutputs({ routing: singleOutput ? 'single' : 'byEventType' }).map(() => []);
	items.forEach((item, index) => {
		const type = item.json.type;
		const output = singleOutput ? 0 : ROUTES.indexOf(routeOf(typeof type === 'string' ? type : ''));
		outputs[output].push({ ...item, pairedItem: { item: index } });
	});
	return outputs;
}
