import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { checkDelivery } from './contract/delivery';
import { selectsType } from './contract/eventsFilter';
import { buildItemJson } from './contract/items';
import type { VoisnapCredentials } from './contract/secrets';
import { secretProblem } from './contract/secrets';
import type { TriggerParameters } from './contract/settings';
import { readSettings } from './contract/settings';
import { configuredOutputs, routeItem } from './description/outputs';
import { properties } from './description/properties';
import { activationMessage, eventTriggerDescription, triggerPanel } from './description/triggerPanel';
import { loadSecrets } from './n8n/credentials';
import { reportRejection } from './n8n/rejections';
import { staticDataGuard } from './n8n/staticDataGuard';

const CREDENTIAL_CHECKED_LOCALLY =
	'checked locally: Voisnap has no API to test a secret, so send a test event to be sure';

export class VoisnapTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Voisnap Trigger',
		name: 'voisnapTrigger',
		icon: { light: 'file:voisnap.svg', dark: 'file:voisnap.dark.svg' },
		group: ['trigger'],
		version: 1,
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
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
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
	 * Voisnap has no API to register webhooks: the user pastes the URL into the Voisnap Console.
	 * So there is never anything to create or delete, and these say so rather than pretend.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: unknown): Promise<boolean> {
				return true;
			},
			async create(this: unknown): Promise<boolean> {
				return true;
			},
			async delete(this: unknown): Promise<boolean> {
				return true;
			},
		},
	};

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
		const { secrets, problem: credentialProblem } = await loadSecrets(this);
		const testMode = this.getMode() === 'manual';

		const delivery = { headers: request.headers, body };
		const verdict = checkDelivery(
			delivery,
			{
				secrets,
				toleranceSeconds: settings.toleranceSeconds,
				requireDeliveryId: settings.deduplicate,
				acceptsType: (type) => selectsType(settings.events, type),
				// Test deliveries are never remembered: n8n would not save them anyway.
				guard: settings.deduplicate && !testMode ? staticDataGuard(this, settings.limits, nowSeconds) : undefined,
			},
			nowSeconds,
		);

		// Answered here, before the run starts: n8n then saves static data (the dedup store),
		// and Voisnap gets its answer in milliseconds whatever the workflow does.
		this.getResponseObject().status(verdict.status).json(verdict.body);

		if (verdict.outcome === 'rejected') {
			reportRejection(this, verdict, credentialProblem);
			return { noWebhookResponse: true };
		}
		if (verdict.outcome !== 'accepted') {
			this.logger.debug(`Voisnap Trigger answered a ${verdict.outcome} delivery`, {
				deliveryId: verdict.deliveryId ?? null,
			});
			return { noWebhookResponse: true };
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
		return {
			noWebhookResponse: true,
			workflowData: routeItem({ json: json as IDataObject }, verdict.routed.route, settings.singleOutput),
		};
	}
}
