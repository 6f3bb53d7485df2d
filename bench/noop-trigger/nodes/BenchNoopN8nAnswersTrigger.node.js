'use strict';

/**
 * The reference the benchmark's goals compare against: a community webhook trigger that does
 * nothing and lets n8n answer, as n8n's own triggers do. `webhook()` returns the body as the
 * one item plus the answer; with `responseMode: 'onReceived'` and `responseData: ''` n8n sends
 * that answer as JSON (200 {"received":true}, the Voisnap Trigger's), on n8n 2.x only once it
 * has stored the execution. Without `responseData` n8n would answer the literal text
 * `firstEntryJson` as text/html (seen over HTTP on 2.41.1 and 1.123.81).
 *
 * Versions 1 and 2, identical (light versioning, as the Voisnap Trigger): n8n evaluates one
 * expression per request for a version 1 node only (`options.binaryData`), so each ratio uses
 * the same version on both sides. Plain CommonJS so that it needs no build.
 */
class BenchNoopN8nAnswersTrigger {
	constructor() {
		this.description = {
			displayName: 'Bench Noop Trigger (n8n answers)',
			name: 'benchNoopN8nAnswersTrigger',
			icon: 'fa:bolt',
			group: ['trigger'],
			version: [1, 2],
			defaultVersion: 2,
			description: 'Starts the workflow with the body and lets n8n answer 200 {"received":true} (benchmark reference)',
			defaults: { name: 'Bench Noop Trigger (n8n answers)' },
			inputs: [],
			outputs: ['main'],
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'webhook' }],
			properties: [],
		};
	}

	async webhook() {
		return { workflowData: [[{ json: this.getBodyData() }]], webhookResponse: { received: true } };
	}
}

module.exports = { BenchNoopN8nAnswersTrigger };
