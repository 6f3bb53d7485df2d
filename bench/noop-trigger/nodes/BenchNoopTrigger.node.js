'use strict';

/**
 * The do-nothing counterpart of the previous release's answer path: it answers 200
 * {"received":true} itself inside `webhook()` (before n8n creates the execution, which is why
 * n8n then saves static data) and starts the workflow with one item, the parsed body. No
 * verification, no store. Version 1 only, as the previous release. Plain CommonJS so that it
 * needs no build; see bench/README.md.
 */
class BenchNoopTrigger {
	constructor() {
		this.description = {
			displayName: 'Bench Noop Trigger (answers itself)',
			name: 'benchNoopTrigger',
			icon: 'fa:bolt',
			group: ['trigger'],
			version: 1,
			description: 'Answers 200 itself and starts the workflow with the body, nothing else (benchmark reference)',
			defaults: { name: 'Bench Noop Trigger (answers itself)' },
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
