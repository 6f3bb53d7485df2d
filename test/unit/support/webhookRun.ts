import { EventEmitter } from 'node:events';

import { ExecuteContext, WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow, createRunExecutionData } from 'n8n-workflow';

import type { AnswerPath } from '../../../nodes/VoisnapTrigger/n8n/answerPath';
import { answerPath } from '../../../nodes/VoisnapTrigger/n8n/answerPath';
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
 * The node type as a freshly started n8n process loads it: its module state (the process
 * registry) is new, so only what n8n saved in static data is remembered. It runs the same n8n,
 * so it takes the answer path this process has.
 */
export function nodeTypeOfNewProcess(path: AnswerPath = answerPath()): INodeType {
	let fresh: INodeType | undefined;
	jest.isolateModules(() => {
		/* eslint-disable @typescript-eslint/no-require-imports */
		const module = require('../../../nodes/VoisnapTrigger/VoisnapTrigger.node') as {
			VoisnapTrigger: new () => INodeType;
		};
		(require('../../../nodes/VoisnapTrigger/n8n/answerPath') as { resetAnswerPath: (path: AnswerPath) => void }).resetAnswerPath(path);
		/* eslint-enable @typescript-eslint/no-require-imports */
		fresh = new module.VoisnapTrigger();
	});
	return fresh!;
}

export interface LoggedLine {
	level: 'warn' | 'debug' | 'info' | 'error';
	message: string;
	meta: unknown;
}

/**
 * What a client of the webhook would have received. An event emitter like Node's response:
 * `finish` once an answer is written, then `close`.
 */
export class RecordedResponse extends EventEmitter {
	statusCode = 200;
	body: unknown;
	sends = 0;
	headers: Record<string, string> = {};
	headersSent = false;

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	setHeader(name: string, value: string): this {
		this.headers[name.toLowerCase()] = value;
		return this;
	}

	json(body: unknown): this {
		this.body = body;
		return this.finish();
	}

	/** What n8n's relay of a Respond-to-Webhook answer with a Buffer body does. */
	end(bytes?: Buffer): this {
		if (bytes) this.body = JSON.parse(bytes.toString('utf8'));
		return this.finish();
	}

	private finish(): this {
		this.sends++;
		if (!this.headersSent) {
			this.headersSent = true;
			this.emit('finish');
			this.emit('close');
		}
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
	/** What the trigger's execution step emitted, per output (when n8n started an execution). */
	outputs?: INodeExecutionData[][];
	error?: Error;
	logs: LoggedLine[];
	/** Whether n8n's save check after the webhook found static data changed (and saved it). */
	staticDataChanged: boolean;
	/** In the order n8n did them: `insert` (the execution row), `save` (static data), `answer`. */
	steps: string[];
	/** Whether n8n's end-of-run check found the run's own static data changed (and saved it). */
	runStaticDataChanged?: boolean;
}

/** Variations on what happens around the delivery. */
export interface DeliveryCircumstances {
	/** n8n fails to start the execution (answers 500, stores nothing). */
	failBeforeInsert?: boolean;
	/** A later node of the workflow writes workflow static data (a Code node counting runs). */
	laterNodeWritesStaticData?: boolean;
	/** The execution runs in another process (a queue-mode worker), with a fresh module state. */
	executionInAnotherProcess?: boolean;
	/** The run starts from empty static data (a queue-mode worker of n8n 2.41.1). */
	runStartsFromEmptyStaticData?: boolean;
	/** n8n answers with its own body instead of reading webhookResponse. */
	ignoresWebhookResponse?: boolean;
	/** The sender hangs up (Voisnap's 5 s) before n8n has stored the execution. */
	senderHangsUp?: boolean;
	/**
	 * n8n 1.x stopping (SIGTERM): it answers 500 for a stored execution that has not answered yet
	 * (it rejects the execution's response promise), then runs that execution anyway.
	 */
	rejectedAtShutdown?: boolean;
	/** Runs while n8n is inserting the execution (after webhook() returned, before the insert). */
	whileStoring?: () => Promise<void>;
}

/** How n8n handles what `webhook()` returns (docs/n8n-behaviour.md). */
export type N8nBehaviour =
	/** 2.41.1: run() inserts the execution, then reads webhookResponse, saves static data, answers. */
	| 'answersAfterStoring'
	/** 1.123.81 with a responseNode webhook: the execution's sendResponse answers, then the save. */
	| 'relaysExecutionAnswer'
	/** An n8n that reads webhookResponse at once, before storing anything. */
	| 'answersFirst';

/**
 * One workflow holding one Voisnap Trigger. Each delivery loads static data from `database`
 * (what n8n last saved) as n8n does for every request, and n8n's saves write it back.
 */
export class TriggerWorkflow {
	readonly node: INode;
	/** The workflow's static data as the database holds it. */
	database: IDataObject;
	/** The credential as n8n would decrypt it now; change it to edit the credential. */
	credential: IDataObject | null;
	/** How many times the node asked n8n for the credential. */
	credentialLoads = 0;
	private readonly nodeType: INodeType;
	private readonly workflowId: string;

	constructor(setup: WorkflowSetup = {}) {
		this.nodeType = setup.nodeType ?? sharedNodeType;
		this.credential = setup.credential === undefined ? { signingSecret: 'whsec_test' } : setup.credential;
		this.workflowId = setup.workflowId ?? 'wf-1';
		this.database = copy(setup.staticData ?? {});
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
	}

	/** A Workflow as n8n builds one, with static data loaded from the database (or as given). */
	load(staticData: IDataObject = this.database): Workflow {
		return new Workflow({
			id: this.workflowId,
			name: 'Voisnap test',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes: nodeTypesOf(this.nodeType),
			staticData: copy(staticData),
		});
	}

	get workflow(): Workflow {
		return this.load();
	}

	/** The static data as n8n stored it (plain JSON). */
	storedStaticData(): IDataObject {
		return copy(this.database);
	}

	/** n8n's save check (workflow-static-data.service): writes static data only if marked changed. */
	private saveIfChanged(workflow: Workflow): boolean {
		const changed = (workflow.staticData as IDataObject).__dataChanged === true;
		if (changed) this.database = copy(workflow.staticData as IDataObject);
		return changed;
	}

	async deliver(
		delivery: SignedDelivery,
		mode: WorkflowExecuteMode = 'webhook',
		behaviour: N8nBehaviour = 'answersAfterStoring',
		circumstances: DeliveryCircumstances = {},
	): Promise<RunOutcome> {
		const workflow = this.load();
		const response = new RecordedResponse();
		const logs: LoggedLine[] = [];
		const steps: string[] = [];
		response.once('finish', () => steps.push('answer'));
		const request = {
			method: 'POST',
			headers: delivery.headers,
			rawBody: delivery.body,
			body: {},
			params: {},
			query: {},
			readRawBody: async () => undefined,
		};
		const additionalData = this.additionalData(request, response);
		const webhookData = {
			httpMethod: 'POST',
			node: this.node.name,
			path: 'webhook',
			webhookDescription: this.nodeType.description.webhooks![0],
			workflowId: this.workflowId,
			isTest: mode === 'manual',
		} as unknown as IWebhookData;
		const context = new WebhookContext(workflow, this.node, additionalData, mode, webhookData, [], null);
		recordLogsOf(context, logs);
		let result: IWebhookResponseData | undefined;
		let error: Error | undefined;
		try {
			result = await (this.nodeType.webhook as (this: WebhookContext) => Promise<IWebhookResponseData>).call(context);
		} catch (caught) {
			error = caught as Error;
		}
		const outcome: RunOutcome = { status: undefined, body: undefined, sends: 0, response, result, error, logs, staticDataChanged: false, steps };
		if (result && (result.noWebhookResponse || !result.workflowData)) {
			outcome.staticDataChanged = this.saveIfChanged(workflow);
			// The node answered itself and hands over workflow data: n8n starts the run all the same.
			if (result.workflowData) {
				outcome.steps.push('insert');
				outcome.outputs = await this.execute(this.nodeType, this.load(), result.workflowData[0], response, mode, () => undefined);
			}
		} else if (result?.workflowData) {
			await this.startExecution(workflow, result, response, mode, behaviour, outcome, circumstances);
		}
		return Object.assign(outcome, { status: response.sends > 0 ? response.statusCode : undefined, body: response.body, sends: response.sends });
	}

	/** What n8n does after a webhook() that hands it workflow data, in the order of `behaviour`. */
	private async startExecution(
		workflow: Workflow,
		result: IWebhookResponseData,
		response: RecordedResponse,
		mode: WorkflowExecuteMode,
		behaviour: N8nBehaviour,
		outcome: RunOutcome,
		circumstances: DeliveryCircumstances,
	): Promise<void> {
		// extractWebhookOnReceivedResponse: reads webhookResponse twice, then the save, then res.json.
		const answerFromResult = () => {
			const body =
				!circumstances.ignoresWebhookResponse && result.webhookResponse !== undefined
					? result.webhookResponse
					: { message: 'Workflow was started' };
			outcome.staticDataChanged = this.saveIfChanged(workflow);
			if (outcome.staticDataChanged) outcome.steps.push('save');
			response.status(200).json(body);
		};
		if (behaviour === 'answersFirst') answerFromResult();
		if (behaviour === 'answersAfterStoring') {
			// WorkflowRunner.run wraps the same static data again, which clears its changed flag.
			(workflow.staticData as IDataObject).__dataChanged = false;
		}
		// The execution's run loads static data from the database (2.x before, 1.x after the insert).
		const runWorkflow = circumstances.runStartsFromEmptyStaticData ? this.load({}) : this.load();
		if (circumstances.senderHangsUp) response.emit('close');
		await new Promise((resolve) => setTimeout(resolve, 2));
		await circumstances.whileStoring?.();
		if (circumstances.failBeforeInsert) {
			response.status(500).json({ message: 'Error in workflow' });
			return;
		}
		outcome.steps.push('insert');
		if (behaviour === 'answersAfterStoring') answerFromResult();
		if (circumstances.rejectedAtShutdown) response.status(500).json({ message: 'Error in workflow' });
		const nodeType = circumstances.executionInAnotherProcess ? nodeTypeOfNewProcess() : this.nodeType;
		outcome.outputs = await this.execute(nodeType, runWorkflow, result.workflowData![0], response, mode, () => {
			outcome.staticDataChanged = this.saveIfChanged(workflow);
			if (outcome.staticDataChanged) outcome.steps.push('save');
		});
		if (circumstances.laterNodeWritesStaticData) {
			const global = runWorkflow.getStaticData('global');
			global.codeRuns = ((global.codeRuns as number | undefined) ?? 0) + 1;
		}
		// The end of the run: n8n saves the run's static data if the run changed it.
		outcome.runStaticDataChanged = this.saveIfChanged(runWorkflow);
	}

	/** The trigger's execute() through n8n-core's ExecuteContext, as the execution's first step. */
	private async execute(
		nodeType: INodeType,
		runWorkflow: Workflow,
		items: INodeExecutionData[],
		response: RecordedResponse,
		mode: WorkflowExecuteMode,
		afterRelayedAnswer: () => void,
	): Promise<INodeExecutionData[][]> {
		const additionalData = this.additionalData(undefined, undefined);
		// What n8n's setupResponseNodePromise does with a Buffer body: end the response, then save.
		(additionalData as unknown as { hooks: unknown }).hooks = {
			runHook: async (name: string, [answer]: [{ body: Buffer; statusCode: number }]) => {
				// A response promise n8n already rejected (its 500 went out) ignores the answer.
				if (name !== 'sendResponse' || response.headersSent) return;
				response.status(answer.statusCode).end(answer.body);
				afterRelayedAnswer();
			},
			addHandler: () => undefined,
		};
		const inputData = { main: [items] };
		const context = new ExecuteContext(
			runWorkflow,
			this.node,
			additionalData,
			mode,
			createRunExecutionData(),
			0,
			items,
			inputData,
			{ node: this.node, data: inputData, source: null },
			[],
		);
		recordLogsOf(context, []);
		return (await (nodeType.execute as (this: ExecuteContext) => Promise<INodeExecutionData[][]>).call(context)) ?? [];
	}

	private additionalData(request: unknown, response: RecordedResponse | undefined): IWorkflowExecuteAdditionalData {
		return {
			httpRequest: request,
			httpResponse: response,
			credentialsHelper: {
				isCredentialUsableByNode: () => true,
				getDecrypted: async () => {
					this.credentialLoads++;
					if (this.credential === null) throw new Error('Node does not have any credentials set');
					return { ...this.credential };
				},
			},
			restApiUrl: 'http://localhost/rest',
			webhookBaseUrl: 'http://localhost/webhook',
			webhookTestBaseUrl: 'http://localhost/webhook-test',
			webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
			formWaitingBaseUrl: 'http://localhost/form-waiting',
			instanceBaseUrl: 'http://localhost/',
			variables: {},
		} as unknown as IWorkflowExecuteAdditionalData;
	}
}

function copy<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

/** n8n's logger comes from its DI container; a context's lines are recorded instead. */
function recordLogsOf(context: object, logs: LoggedLine[]): void {
	const record = (level: LoggedLine['level']) => (message: string, meta: unknown) => logs.push({ level, message, meta });
	Object.defineProperty(context, 'logger', {
		value: { warn: record('warn'), debug: record('debug'), info: record('info'), error: record('error') },
	});
}

export type { INodeType };
