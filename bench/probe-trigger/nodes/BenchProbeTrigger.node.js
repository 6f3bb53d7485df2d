'use strict';

/**
 * The do-nothing trigger (bench/noop-trigger) plus, on request, one thing the Voisnap Trigger
 * does before or after it answers: load its credential (`useCredential`), or rewrite a string of
 * `staticDataBytes` characters in the workflow's static data on every delivery, as the dedup
 * store does. Measures where the Voisnap Trigger's time over the do-nothing trigger goes.
 */
class BenchProbeTrigger {
	constructor() {
		this.description = {
			displayName: 'Bench Probe Trigger',
			name: 'benchProbeTrigger',
			icon: 'fa:bolt',
			group: ['trigger'],
			version: 1,
			description: 'Do-nothing trigger plus one chosen cost (benchmark attribution)',
			defaults: { name: 'Bench Probe Trigger' },
			inputs: [],
			outputs: ['main'],
			credentials: [{ name: 'voisnapApi', required: false, displayOptions: { show: { useCredential: [true] } } }],
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
			properties: [
				{ displayName: 'Use Credential', name: 'useCredential', type: 'boolean', default: false },
				{ displayName: 'Static Data Bytes', name: 'staticDataBytes', type: 'number', default: 0 },
			],
		};
	}

	async webhook() {
		if (this.getNodeParameter('useCredential', false)) await this.getCredentials('voisnapApi');
		const bytes = this.getNodeParameter('staticDataBytes', 0);
		if (bytes > 0) {
			const staticData = this.getWorkflowStaticData('global');
			const stamp = String(Date.now()).padStart(16, '0');
			staticData.probe = stamp + 'x'.repeat(Math.max(0, bytes - stamp.length));
		}
		const body = this.getBodyData();
		this.getResponseObject().status(200).json({ received: true });
		return { noWebhookResponse: true, workflowData: [[{ json: body }]] };
	}
}

module.exports = { BenchProbeTrigger };
