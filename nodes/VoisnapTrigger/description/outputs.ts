import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

import type { Route } from '../contract/events';
import { ROUTES } from '../contract/events';

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

/** The trigger's output data: the one item on its route's output (or on the single output). */
export function routeItem(item: INodeExecutionData, route: Route, singleOutput: boolean): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = configuredOutputs({ routing: singleOutput ? 'single' : 'byEventType' }).map(() => []);
	outputs[singleOutput ? 0 : ROUTES.indexOf(route)].push(item);
	return outputs;
}
