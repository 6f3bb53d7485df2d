'use strict';

/**
 * The do-nothing trigger with the Voisnap Trigger's outputs: computed from the parameters by an
 * expression (six outputs, one per event type), which n8n evaluates whenever it needs them.
 * The function below is the text of nodes/VoisnapTrigger/outputs.ts's configuredOutputs.
 */
function configuredOutputs(parameters) {
	if (parameters.routing === 'single') return [{ type: 'main' }];
	return ['SessionStarted', 'SessionEnded', 'AnalysisCompleted', 'TransferInitiated', 'Error', 'Other'].map(
		(displayName) => ({ type: 'main', displayName }),
	);
}

class BenchProbeOutputsTrigger {
	constructor() {
		this.description = {
			displayName: 'Bench Probe Outputs Trigger',
			name: 'benchProbeOutputsTrigger',
			icon: 'fa:bolt',
			group: ['trigger'],
			version: 1,
			description: 'Do-nothing trigger with computed outputs (benchmark attribution)',
			defaults: { name: 'Bench Probe Outputs Trigger' },
			inputs: [],
			outputs: `={{(${configuredOutputs})($parameter)}}`,
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
			properties: [],
		};
	}

	async webhook() {
		const body = this.getBodyData();
		this.getResponseObject().status(200).json({ received: true });
		// Third output, as an AnalysisCompleted event leaves the Voisnap Trigger.
		return { noWebhookResponse: true, workflowData: [[], [], [{ json: body }], [], [], []] };
	}
}

module.exports = { BenchProbeOutputsTrigger };
