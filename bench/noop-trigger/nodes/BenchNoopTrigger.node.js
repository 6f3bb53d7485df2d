'use strict';

/**
 * The floor any community webhook trigger pays in n8n: it answers 200 {"received":true} itself
 * (as the Voisnap Trigger does, so that n8n saves static data and the sender is not kept
 * waiting) and starts the workflow with one item, the parsed body. No verification, no store.
 * Plain CommonJS so that it needs no build; see bench/README.md.
 */
class BenchNoopTrigger {
	constructor() {
		this.description = {
			displayName: 'Bench Noop Trigger',
			name: 'benchNoopTrigger',
			icon: 'fa:bolt',
			group: ['trigger'],
			version: 1,
			description: 'Answers 200 and starts the workflow with the body, nothing else (benchmark floor)',
			defaults: { name: 'Bench Noop Trigger' },
			inputs: [],
			outputs: ['main'],
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
			properties: [],
		};
	}

	async webhook() {
		const body = this.getBodyData();
		this.getResponseObject().status(200).json({ received: true });
		return { noWebhookResponse: true, workflowData: [[{ json: body }]] };
	}
}

module.exports = { BenchNoopTrigger };
