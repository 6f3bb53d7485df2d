import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

import { routeOf } from '../contract/events';
import { isRejectionAlert } from '../contract/rejectionAlerts';

/**
 * The trigger's outputs for its parameters. n8n evaluates this function's source text as the
 * node's `outputs` expression (in the editor and on the server), and `routeItems` (the trigger's
 * execution step) calls it too, so the two can never disagree. It must therefore stay
 * self-contained: no imports, no helpers outside its body.
 *
 * Frozen for node version 1: workflows connect outputs by position, so adding an event type
 * here would move `Other` and rewire every user's workflow. Event types Voisnap adds later go
 * to `Other` in version 1; new outputs come only with a new node version. A test pins the list.
 * `Rejected` (option Alert on Rejections) comes after all of them, so it moves none.
 */
export function configuredOutputs(parameters: INodeParameters): INodeOutputConfiguration[] {
	const events: INodeOutputConfiguration[] =
		parameters.routing === 'single'
			? [{ type: 'main' }]
			: ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'].map(
					(displayName) => ({ type: 'main', displayName }),
				);
	const options = parameters.options as { alertOnRejections?: unknown } | undefined;
	return options && options.alertOnRejections === true ? events.concat([{ type: 'main', displayName: 'Rejected' }]) : events;
}

/**
 * The trigger's output data: each item on its event type's output (or all on the single output).
 * A type without an output of its own in this version (one added to the contract later, or an
 * item without a string `type`, pinned by hand say) goes to `Other`. An alert about refusals
 * goes to `Rejected`, and nowhere when the option is off: never to an event output.
 */
export function routeItems(
	items: readonly INodeExecutionData[],
	singleOutput: boolean,
	alertOnRejections = false,
): INodeExecutionData[][] {
	const outputs = configuredOutputs({
		routing: singleOutput ? 'single' : 'byEventType',
		options: { alertOnRejections },
	});
	const data: INodeExecutionData[][] = outputs.map(() => []);
	const eventOutputs = alertOnRejections ? outputs.length - 1 : outputs.length;
	items.forEach((item, index) => {
		const routed = { ...item, pairedItem: { item: index } };
		if (isRejectionAlert(item.json)) {
			if (alertOnRejections) data[outputs.length - 1].push(routed);
			return;
		}
		const type = item.json.type;
		const route = routeOf(typeof type === 'string' ? type : '');
		const named = outputs.findIndex((output) => output.displayName === route);
		data[singleOutput || named === -1 ? eventOutputs - 1 : named].push(routed);
	});
	return data;
}
