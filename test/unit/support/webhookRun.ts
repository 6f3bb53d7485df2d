import { WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeParameters,
	INodeType,
	INodeTypes,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { VoisnapTrigger } from '../../../nodes/VoisnapTrigger/VoisnapTrigger.node';
import type { SignedDelivery } from '../../support/signedDelivery';

/**
 * Runs the trigger's `webhook()` through n8n's own code: a real `Workflow` from n8n-workflow
 * (its static-data proxy tracks changes the way n8n's save check reads them) and n8n-core's
 * `WebhookContext` (parameters with defaults, credentials, mode, static data). Only the HTTP
 * objects and the credential store are fakes.
 */

export const NODE_TYPE = 'n8n-nodes-voisnap.voisnapTrigger';

const sharedNodeType = new VoisnapTrigger();

function nodeTypesOf(nodeType: INodeType): INodeTypes {
	return {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
}

/**
 * The node type as a freshly started n8n process loads it: its module state (the in-process
 * store registry) is new, so only what n8n saved in static data is remembered.
 */
export function nodeTypeOfNewProcess(): INodeType {
	let fresh: INodeType | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const module = require('../../../nodes/VoisnapTrigger/VoisnapTrigger.node') as {
			VoisnapTrigger: new () => INodeType;
		};
		fresh = new module.VoisnapTrigger();
	});
	return fresh!;
}

export interface LoggedLine {
	level: 'warn' | 'debug' | 'info' | 'error';
	message: string;
	meta: unknown;
}

/** What a client of the webhook would have received. */
export class RecordedResponse {
	statusCode: number | undefined;
	body: unknown;
	sends = 0;

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	json(body: unknown): this {
		this.body = body;
		this.sends++;
		return this;
	}
}

export interface WorkflowSetup {
	parameters?: IDataObject;
	/** The credential's decrypted data; `null` for a node with no credential selected. */
	credential?: IDataObject | null;
	staticData?: IDataObject;
	nodeName?: string;
	webhookId?: string;
	workflowId?: string;
	/** Defaults to the node type shared by every workflow of this test process. */
	nodeType?: INodeType;
}

export interface RunOutcome {
	status: number | undefined;
	body: unknown;
	sends: number;
	/** The response object n8n would use afterwards, e.g. for an answer of its own. */
	response: RecordedResponse;
	result?: IWebhookResponseData;
	error?: Error;
	logs: LoggedLine[];
	/** Whether n8n's save check would write static data after this delivery. */
	staticDataChanged: boolean;
}

/** One workflow holding one Voisnap Trigger; deliveries run against it one by one or at once. */
export class TriggerWorkflow {
	readonly workflow: Workflow;
	readonly node: INode;
	private readonly credential: IDataObject | null;
	private readonly nodeType: INodeType;

	constructor(setup: WorkflowSetup = {}) {
		this.nodeType = setup.nodeType ?? sharedNodeType;
		this.credential = setup.credential === undefined ? { signingSecret: 'whsec_test' } : setup.credential;
		this.node = {
			id: 'node-1',
			name: setup.nodeName ?? 'Voisnap Trigger',
			type: NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			webhookId: setup.webhookId ?? 'c0ffee00-0000-4000-8000-000000000001',
			parameters: (setup.parameters ?? {}) as INodeParameters,
			credentials: this.credential === null ? undefined : { voisnapApi: { id: 'cred-1', name: 'Voisnap' } },
		};
		this.workflow = new Workflow({
			id: setup.workflowId ?? 'wf-1',
			name: 'Voisnap test',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes: nodeTypesOf(this.nodeType),
			// As n8n loads it: a copy of what the database holds.
			staticData: setup.staticData && (JSON.parse(JSON.stringify(setup.staticData)) as IDataObject),
		});
	}

	/** The static data as n8n would store it (plain JSON). */
	storedStaticData(): IDataObject {
		return JSON.parse(JSON.stringify(this.workflow.staticData)) as IDataObject;
	}

	async deliver(delivery: SignedDelivery, mode: WorkflowExecuteMode = 'webhook'): Promise<RunOutcome> {
		const response = new RecordedResponse();
		const logs: LoggedLine[] = [];
		const request = {
			method: 'POST',
			headers: delivery.headers,
			rawBody: delivery.body,
			body: {},
			params: {},
			query: {},
			readRawBody: async () => undefined,
		};
		const credential = this.credential;
		const additionalData = {
			httpRequest: request,
			httpResponse: response,
			credentialsHelper: {
				isCredentialUsableByNode: () => true,
				getDecrypted: async () => {
					if (credential === null) throw new Error('Node does not have any credentials set');
					return credential;
				},
			},
			restApiUrl: 'http://localhost/rest',
			webhookBaseUrl: 'http://localhost/webhook',
			webhookTestBaseUrl: 'http://localhost/webhook-test',
			instanceBaseUrl: 'http://localhost/',
			variables: {},
		} as unknown as IWorkflowExecuteAdditionalData;
		const webhookData = {
			httpMethod: 'POST',
			node: this.node.name,
			path: 'webhook',
			webhookDescription: this.nodeType.description.webhooks![0],
			workflowId: this.workflow.id,
			isTest: mode === 'manual',
		} as unknown as IWebhookData;
		const context = new WebhookContext(this.workflow, this.node, additionalData, mode, webhookData, [], null);
		// n8n's logger comes from its DI container; this instance's lines are recorded instead.
		const record = (level: LoggedLine['level']) => (message: string, meta: unknown) =>
			logs.push({ level, message, meta });
		Object.defineProperty(context, 'logger', {
			value: { warn: record('warn'), debug: record('debug'), info: record('info'), error: record('error') },
		});
		// n8n clears the flag when it loads a workflow; its save check reads it after webhook().
		(this.workflow.staticData as IDataObject).__dataChanged = false;
		let result: IWebhookResponseData | undefined;
		let error: Error | undefined;
		try {
			result = await (this.nodeType.webhook as (this: WebhookContext) => Promise<IWebhookResponseData>).call(context);
		} catch (caught) {
			error = caught as Error;
		}
		return {
			status: response.statusCode,
			body: response.body,
			sends: response.sends,
			response,
			result,
			error,
			logs,
			staticDataChanged: (this.workflow.staticData as IDataObject).__dataChanged === true,
		};
	}
}

export type { INodeType };
