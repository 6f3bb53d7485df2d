import type { INodeExecutionData } from 'n8n-workflow';

import { configuredOutputs, routeItems } from '../../nodes/VoisnapTrigger/description/outputs';
import { VoisnapTrigger } from '../../nodes/VoisnapTrigger/VoisnapTrigger.node';

/**
 * The outputs of node versions 1 and 2 (one node, light versioning: they differ only in a body
 * parsing step n8n skips on 2) are positional: workflows connect "output 5", not "Error". This
 * list is frozen. If this test fails because an event type was added, do not update the list:
 * give the type the Other output in these versions and add the new output in a new node version.
 */
const FROZEN_OUTPUTS = ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'];

const itemOf = (type: string | number | undefined): INodeExecutionData => ({ json: { type } });
const outputIndexOf = (data: INodeExecutionData[][]) => data.findIndex((items) => items.length > 0);

describe('node versions 1 and 2: outputs are frozen', () => {
	it('versions 1 and 2 are the only node versions, and share one description', () => {
		expect(new VoisnapTrigger().description.version).toEqual([1, 2]);
	});

	it('has exactly these six outputs, in this order, by event type', () => {
		expect(configuredOutputs({ routing: 'byEventType' })).toEqual(FROZEN_OUTPUTS.map((displayName) => ({ type: 'main', displayName })));
	});

	it('has one unnamed output with routing "single"', () => {
		expect(configuredOutputs({ routing: 'single' })).toEqual([{ type: 'main' }]);
	});

	it.each(FROZEN_OUTPUTS.slice(0, -1).map((route, index) => [route, index]))('routes %s to output %i', (route, index) => {
		expect(outputIndexOf(routeItems([itemOf(route)], false))).toBe(index);
	});

	it.each([['VoicemailDetected'], ['Other'], [undefined], [42]])(
		'sends a type without an output of its own (%p: an event type added later, or none) to Other, the last output',
		(type) => {
			const data = routeItems([itemOf(type)], false);
			expect(data).toHaveLength(6);
			expect(outputIndexOf(data)).toBe(FROZEN_OUTPUTS.indexOf('Other'));
		},
	);

	it('routing "single": every item on output 0, each paired with its input item', () => {
		const data = routeItems([itemOf('Error'), itemOf('SessionStarted')], true);
		expect(data).toEqual([[{ json: { type: 'Error' }, pairedItem: { item: 0 } }, { json: { type: 'SessionStarted' }, pairedItem: { item: 1 } }]]);
	});
});
