import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

import { routeOf } from '../contract/events';

/**
 * The trigger's outputs for its parameters. n8n evaluates this function's source text as the
 * node's `outputs` expression (in the editor and on the server), and `routeItems` (the trigger's
 * execution step) calls it too, so the two can never disagree. It must therefore stay
 * self-contained: no imports, no helpers outside its body.
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
 * The trigger's output data: each item on its event type's output (or all on the single output).
 * A type without an output of its own in this version (one added to the contract later, or an
 * item without a string `type`, pinned by hand say) goes to `Other`, the last output.
 */
export function routeItems(items: readonly INodeExecutionData[], singleOutput: boolean): INodeExecutionData[][] {
	const outputs = configuredOutputs({ routing: singleOutput ? 'single' : 'byEventType' });
	const data: INodeExecutionData[][] = outputs.map(() => []);
	items.forEach((item, index) => {
		const type = item.json.type;
		const route = routeOf(typeof type === 'string' ? type : '');
		const named = outputs.findIndex((output) => output.displayName === route);
		data[singleOutput || named === -1 ? outputs.length - 1 : named].push({ ...item, pairedItem: { item: index } });
	});
	return data;
}
