import type { TriggerPanelDefinition } from 'n8n-workflow';

/**
 * What n8n's editor says around "Listen for test event", declared the way the built-in Webhook
 * node declares it. Where n8n 2.x shows each text (read off its editor):
 * - `eventTriggerDescription`: on the canvas node and the "Stop listening" button while the
 *   editor waits for a test event;
 * - `triggerPanel`: the node panel's input side before listening (header, activation hint, and
 *   "When will this node trigger my flow?" with `executionsHelp`);
 * - `activationMessage`: the dialog after the workflow is published (activated).
 * The Test URL itself is shown by n8n under "Webhook URLs" at the top of the node's parameters.
 */

const SEND_TEST_EVENT =
	"send a delivery to the node's <b>Test URL</b> (under <i>Webhook URLs</i> above the parameters): point a webhook in the Voisnap Console at it while you test, or, from a clone of n8n-nodes-voisnap, run <code>npm run send-event -- --url &lt;Test URL&gt; --secret &lt;signing secret&gt;</code>";

const PRODUCTION =
	"<b>Use production mode to run your workflow automatically</b>. Point the webhook in the Voisnap Console at the <b>Production URL</b>";

export const eventTriggerDescription = 'Waiting for a signed Voisnap delivery to the Test URL';

export const activationMessage =
	'Voisnap deliveries to the Production URL now start this workflow. Point the webhook in the Voisnap Console at that URL if you have not yet.';

export const triggerPanel: TriggerPanelDefinition = {
	header: 'Pull in a test event from Voisnap',
	executionsHelp: {
		inactive: `<b>Use test mode while you build your workflow</b>. Click <b>Execute step</b> (<i>Listen for test event</i>), then ${SEND_TEST_EVENT}. The event shows up in this editor; a rejected delivery shows up as an error that says why.<br /><br />${PRODUCTION}, then publish the workflow. Those executions show up in the executions list, not in the editor.`,
		active: `<b>Use test mode while you build your workflow</b>. Click <b>Execute step</b> (<i>Listen for test event</i>), then ${SEND_TEST_EVENT}. The event shows up in this editor; a rejected delivery shows up as an error that says why.<br /><br />${PRODUCTION}. Since the workflow is published, its deliveries start it now; they show up in the <a data-key="executions">executions list</a>, not in the editor.`,
	},
	activationHint: {
		inactive:
			'Once the workflow is built, publish it and Voisnap deliveries to the Production URL start it without this button.',
		active: 'Voisnap deliveries to the Production URL also start this workflow (those executions do not show up here).',
	},
};
