import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Verdict } from './contract/delivery';
import { checkDelivery } from './contract/delivery';
import { properties } from './description/properties';
import { staticDataGuard } from './n8n/staticDataGuard';
import { ROUTES } from './contract/events';
import { selectsType } from './contract/eventsFilter';
import { buildItemJson } from './contract/items';
import { configuredOutputs } from './description/outputs';
import type { VoisnapCredentials } from './contract/secrets';
import { secretProblem, usableSecrets } from './contract/secrets';
import type { TriggerParameters, TriggerSettings } from './contract/settings';
import { readSettings } from './contract/settings';

const CREDENTIAL_CHECKED_LOCALLY =
	'checked locally: Voisnap has no API to test a secret, so send a test event to be sure';

/** The secrets to verify with; none, with n8n's reason, when the credential is unusable. */
async function loadSecrets(context: IWebhookFunctions): Promise<{ secrets: string[]; problem?: string }> {
	try {
		return { secrets: usableSecrets(await context.getCredentials<VoisnapCredentials>('voisnapApi')) };
	} catch (error) {
		// No credential selected, or one n8n cannot decrypt: answered as a misconfiguration.
		return { secrets: [], problem: (error as Error).message };
	}
}

function outputsFor(verdict: Extract<Verdict, { outcome: 'accepted' }>, settings: TriggerSettings, json: IDataObject): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = configuredOutputs({
		routing: settings.singleOutput ? 'single' : 'byEventType',
	}).map(() => []);
	const index = settings.singleOutput ? 0 : ROUTES.indexOf(verdict.routed.route);
	outputs[index].push({ json });
	return outputs;
}

/**
 * n8n answers a failed test run with a 500 of its own, on a response the node has already
 * answered: that second answer would throw "headers already sent" inside n8n and reset the
 * sender's connection. The node's answer is the one the sender must get, so later ones are
 * dropped.
 */
function keepFirstAnswer(response: ReturnType<IWebhookFunctions['getResponseObject']>): void {
	const alreadyAnswered = () => response;
	Object.assign(response, { status: alreadyAnswered, json: alreadyAnswered, send: alreadyAnswered });
}

/** Rejections are logged, and in test mode shown in the editor, never silently dropped. */
function reportRejection(
	context: IWebhookFunctions,
	verdict: Extract<Verdict, { outcome: 'rejected' }>,
	credentialProblem: string | undefined,
): void {
	const { reason, deliveryId, status } = verdict;
	context.logger.warn(`Voisnap Trigger rejected a delivery (${reason})`, {
		reason,
		status,
		deliveryId: deliveryId ?? null,
		...(reason === 'no_signing_secret' && credentialProblem ? { credentialProblem } : {}),
		workflowId: context.getWorkflow().id,
		node: context.getNode().name,
	});
	if (context.getMode() === 'manual') {
		// Without an execution n8n keeps listening and the editor waits; a failed test
		// execution shows the user why instead. The answer above has already gone out.
		keepFirstAnswer(context.getResponseObject());
		throw new NodeOperationError(
			context.getNode(),
			`Delivery rejected with ${status}: ${verdict.body.error}`,
			{
				description: `Reason code: ${reason}. Delivery id: ${deliveryId ?? '(none)'}. See the README's "Error answers" table.`,
			},
		);
	}
}

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
		return { noWebhookResponse: true, workflowData: outputsFor(verdict, settings, json as IDataObject) };
	}
}
