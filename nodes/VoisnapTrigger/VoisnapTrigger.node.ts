import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { IN_FLIGHT_WAIT_MS } from './contract/constants';
import { checkDelivery, screenDelivery } from './contract/delivery';
import { selectsType } from './contract/eventsFilter';
import { buildItemJson } from './contract/items';
import type { VoisnapCredentials } from './contract/secrets';
import { secretProblem } from './contract/secrets';
import type { TriggerParameters } from './contract/settings';
import { readSettings } from './contract/settings';
import { configuredOutputs } from './description/outputs';
import { properties } from './description/properties';
import { activationMessage, eventTriggerDescription, triggerPanel } from './description/triggerPanel';
import { acceptedResponse, answerNow, webhookAnswerFields } from './n8n/answerPath';
import { loadSecrets, reloadAfterMismatch } from './n8n/credentials';
import { WebhookMemory } from './n8n/deliveryMemory';
import { refuseUnmeasuredEngine } from './n8n/engine';
import { executionStep } from './n8n/executionStep';
import { withRejectionAlert } from './n8n/rejectionAlerts';

const CREDENTIAL_CHECKED_LOCALLY =
	'checked locally: the node knows no Voisnap API to check a secret against, so send a test event to be sure';

export class VoisnapTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Voisnap Trigger',
		name: 'voisnapTrigger',
		icon: { light: 'file:voisnap.svg', dark: 'file:voisnap.dark.svg' },
		group: ['trigger'],
		// The same node (README "Version history"): on version 1, n8n evaluates an expression to
		// parse every request's body (`options.binaryData`), which on n8n 2.x takes an expression
		// isolate per delivery when N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE is on. New nodes get 2.
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{ ($parameter["events"] || []).includes("*") ? "All events" : ($parameter["events"] || []).join(", ") }}',
		description: 'Starts the workflow when Voisnap sends a verified webhook event',
		defaults: { name: 'Voisnap Trigger' },
		eventTriggerDescription,
		activationMessage,
		triggerPanel,
		inputs: [],
		outputs: `={{(${configuredOutputs})($parameter)}}`,
		credentials: [{ name: 'voisnapApi', required: true, testedBy: 'voisnapSigningSecret' }],
		webhooks: [{ name: 'default', httpMethod: 'POST', path: 'webhook', ...webhookAnswerFields() }],
		properties,
	};

	methods = {
		credentialTest: {
			async voisnapSigningSecret(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const data = (credential.data ?? {}) as VoisnapCredentials;
				const problem =
					secretProblem('Signing Secret', data.signingSecret, true) ??
					secretProblem('Previous Signing Secret', data.previousSigningSecret, false);
				return problem
					? { status: 'Error', message: `${problem} (${CREDENTIAL_CHECKED_LOCALLY})` }
					: { status: 'OK', message: `Secret looks usable (${CREDENTIAL_CHECKED_LOCALLY})` };
			},
		},
	};

	/**
	 * Nothing to register with Voisnap: the user pastes the URL into the Voisnap Console, so there
	 * is never anything to create or delete. n8n calls these when it activates the workflow (and
	 * arms the Test URL): the moment to refuse an engine the trigger's guarantees were not measured on.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				refuseUnmeasuredEngine(this);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				refuseUnmeasuredEngine(this);
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executionStep(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const receivedAt = new Date();
		const nowSeconds = Math.floor(receivedAt.getTime() / 1000);
		const request = this.getRequestObject();
		// The signature covers these exact bytes; n8n's parsed body is never used for it.
		const body = request.rawBody ?? (await request.readRawBody(), request.rawBody) ?? Buffer.alloc(0);
		const settings = readSettings({
			events: this.getNodeParameter('events', []),
			routing: this.getNodeParameter('routing', 'byEventType'),
			options: this.getNodeParameter('options', {}) as TriggerParameters['options'],
		});
		const delivery = { headers: request.headers, body };
		// Junk (no fresh timestamp, no well-formed signature) costs no credential and no static data.
		const junk = screenDelivery(delivery, settings.toleranceSeconds, nowSeconds);
		if (junk) {
			const refusal = { rejection: junk, screened: true, request: delivery, receivedAt };
			return await withRejectionAlert(this, answerNow(this, junk), refusal, settings);
		}

		// Test deliveries are never remembered: n8n would not save them anyway.
		const memory =
			settings.deduplicate && this.getMode() !== 'manual'
				? new WebhookMemory(this, settings.limits)
				: undefined;
		const check = (secrets: readonly string[]) =>
			checkDelivery(
				delivery,
				{
					secrets,
					toleranceSeconds: settings.toleranceSeconds,
					requireDeliveryId: settings.deduplicate,
					acceptsType: (type) => selectsType(settings.events, type),
					guard: memory,
				},
				nowSeconds,
			);
		let loaded = await loadSecrets(this);
		let verdict = check(loaded.secrets);
		if (verdict.outcome === 'rejected' && verdict.reason === 'signature_mismatch') {
			// Signed with a secret this process does not have yet: the credential may have changed.
			const reloaded = await reloadAfterMismatch(this);
			if (reloaded) {
				loaded = reloaded;
				verdict = check(loaded.secrets);
			}
		}
		if (verdict.outcome === 'retry_later' && verdict.reason === 'in_flight') {
			// A retry while the first copy is being stored: its fate decides this answer.
			await memory?.earlierCopySettled(IN_FLIGHT_WAIT_MS);
			verdict = check(loaded.secrets);
		}
		if (verdict.outcome !== 'accepted') {
			const answered = answerNow(this, verdict, loaded.problem);
			if (verdict.outcome !== 'rejected') return answered;
			const refusal = { rejection: verdict, screened: false, request: delivery, receivedAt };
			return await withRejectionAlert(this, answered, refusal, settings);
		}
		const json = buildItemJson(
			verdict.routed,
			{
				id: verdict.deliveryId ?? null,
				timestamp: new Date(verdict.timestamp * 1000).toISOString(),
				receivedAt: receivedAt.toISOString(),
			},
			delivery,
			settings,
		);
		return acceptedResponse(this, { json: json as IDataObject }, memory);
	}
}
