import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

import type { Route } from '../contract/events';

/**
 * The trigger's outputs for its parameters. n8n evaluates this function's source text as the
 * node's `outputs` expression (in the editor and on the server), and `webhook()` calls it too,
 * so the two can never disagree. It must therefore stay self-contained: no imports, no helpers
 * outside its body.
 *
 * Frozen for node version 1: workflows connect outputs by position, so adding an event type
 * here would move `Other` and rewire every user's workflow. Event types Voisnap adds later go
 * to `Other` in version 1; new outputs come only with a new node version. A test pins the list.
 */
export function configuredOutputs(parameters: INodeParameters): INodeOutputConfiguration[] {
	if (parameters.routing === 'single') return [{ type: 'main' }];
	return ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'].map(
		(displayName) => ({ type: 'main', displayName }),
	);
}

/**
 * The trigger's output data: the one item on its route's output (or on the single output). A
 * route without an output of its own in this version (a type added to the contract later) goes
 * to `Other`, the last output.
 */
export function routeItem(item: INodeExecutionData, route: Route, singleOutput: boolean): INodeExecutionData[][] {
	const outputs = configuredOutputs({ routing: singleOutput ? 'single' : 'byEventType' });
	const data: INodeExecutionData[][] = outputs.map(() => []);
	const named = outputs.findIndex((output) => output.displayName === route);
	data[singleOutput || named === -1 ? outputs.length - 1 : named].push(item);
	return data;
}
