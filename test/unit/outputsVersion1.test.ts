import type { INodeExecutionData } from 'n8n-workflow';

import type { Route } from '../../nodes/VoisnapTrigger/contract/events';
import { configuredOutputs, routeItem } from '../../nodes/VoisnapTrigger/description/outputs';
import { VoisnapTrigger } from '../../nodes/VoisnapTrigger/VoisnapTrigger.node';

/**
 * Version 1's outputs are positional: workflows connect "output 5", not "Error". This list is
 * frozen. If this test fails because an event type was added, do not update the list: give the
 * type the Other output in version 1 and add the new output in a new node version.
 */
const VERSION_1_OUTPUTS = ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'];

const item: INodeExecutionData = { json: { type: 'x' } };
const outputIndexOf = (data: INodeExecutionData[][]) => data.findIndex((items) => items.includes(item));

describe('node version 1: outputs are frozen', () => {
	it('is the only node version', () => {
		expect(new VoisnapTrigger().description.version).toBe(1);
	});

	it('has exactly these six outputs, in this order, by event type', () => {
		expect(configuredOutputs({ routing: 'byEventType' })).toEqual(
			VERSION_1_OUTPUTS.map((displayName) => ({ type: 'main', displayName })),
		);
	});

	it('has one unnamed output with routing "single"', () => {
		expect(configuredOutputs({ routing: 'single' })).toEqual([{ type: 'main' }]);
	});

	it.each(VERSION_1_OUTPUTS.map((route, index) => [route, index]))('routes %s to output %i', (route, index) => {
		expect(outputIndexOf(routeItem(item, route as Route, false))).toBe(index);
	});

	it('sends a route that has no output in version 1 (an event type added later) to Other, the last output', () => {
		const data = routeItem(item, 'VoicemailDetected' as Route, false);
		expect(data).toHaveLength(6);
		expect(outputIndexOf(data)).toBe(VERSION_1_OUTPUTS.indexOf('Other'));
	});
});
