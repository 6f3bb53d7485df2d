import { randomBytes, randomUUID } from 'node:crypto';

/** The node type as users get it after installing the package from the Community Nodes screen. */
export const VOISNAP_TRIGGER_TYPE = 'n8n-nodes-voisnap.voisnapTrigger';
export const VOISNAP_CREDENTIAL_TYPE = 'voisnapApi';
/** The credential `N8nInstance.start({ credential })` imports, and workflows use by default. */
export const VOISNAP_CREDENTIAL_ID = 'VoisnapCredE2E01';
export const VOISNAP_CREDENTIAL_NAME = 'Voisnap (e2e)';
export const DEFAULT_TRIGGER_NAME = 'Voisnap Trigger';

/** Output names of the trigger with routing `byEventType`, in order. */
export const ROUTE_OUTPUTS = [
	'SessionStarted',
	'SessionEnded',
	'AnalysisCompleted',
	'TransferInitiated',
	'Error',
	'Other',
] as const;

export interface VoisnapSecrets {
	signingSecret: string;
	previousSigningSecret?: string;
}

/** A credential as `n8n import:credentials` reads it (plain `data` is encrypted on import). */
export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export function voisnapCredential(
	secrets: VoisnapSecrets,
	id = VOISNAP_CREDENTIAL_ID,
	name = VOISNAP_CREDENTIAL_NAME,
): CredentialJson {
	return {
		id,
		name,
		type: VOISNAP_CREDENTIAL_TYPE,
		data: { signingSecret: secrets.signingSecret, previousSigningSecret: secrets.previousSigningSecret ?? '' },
	};
}

export interface WorkflowNodeJson {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}

/** A workflow as `n8n import:workflow` reads it. `active: true` asks the harness to activate it. */
export interface WorkflowJson {
	id: string;
	name: string;
	active: boolean;
	nodes: WorkflowNodeJson[];
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
	pinData: Record<string, unknown>;
	/** n8n 2.0.x's import:workflow needs one (NOT NULL); later releases fill it in. See withVersionIds. */
	versionId?: string;
}

/** A 16-character id like the ones n8n generates for workflows. */
export function newWorkflowId(): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	return Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('');
}

export interface VoisnapWorkflowOptions {
	/** Defaults to a fresh id. */
	id?: string;
	/** Defaults to a fresh UUID. The production URL is /webhook/<webhookId>/webhook. */
	webhookId?: string;
	name?: string;
	nodeName?: string;
	/** The trigger's parameters: `events`, `routing`, `options`; n8n fills in the defaults. */
	parameters?: Record<string, unknown>;
	/** Defaults to VOISNAP_CREDENTIAL_ID; `null` for a trigger without a credential. */
	credentialId?: string | null;
	credentialName?: string;
	/** Whether the harness activates it (publishes it, on 2.x) before starting n8n. Default true. */
	active?: boolean;
	/** The trigger's node version: 2 (what the editor gives a new node) unless an older workflow's 1. */
	typeVersion?: number;
}

/** The node version the editor gives a Voisnap Trigger added today. */
export const CURRENT_TYPE_VERSION = 2;

/**
 * A workflow holding only the Voisnap Trigger. n8n records the trigger's output in every
 * execution (`runData[trigger].data.main[outputIndex]`), so which output an item left on is
 * visible without downstream nodes, and nothing downstream can fail or slow the run.
 */
export function voisnapWorkflow(options: VoisnapWorkflowOptions = {}): WorkflowJson {
	const id = options.id ?? newWorkflowId();
	const nodeName = options.nodeName ?? DEFAULT_TRIGGER_NAME;
	const credentialId = options.credentialId === undefined ? VOISNAP_CREDENTIAL_ID : options.credentialId;
	const node: WorkflowNodeJson = {
		id: randomUUID(),
		name: nodeName,
		type: VOISNAP_TRIGGER_TYPE,
		typeVersion: options.typeVersion ?? CURRENT_TYPE_VERSION,
		position: [0, 0],
		webhookId: options.webhookId ?? randomUUID(),
		parameters: { ...options.parameters },
	};
	if (credentialId !== null) {
		node.credentials = {
			[VOISNAP_CREDENTIAL_TYPE]: { id: credentialId, name: options.credentialName ?? VOISNAP_CREDENTIAL_NAME },
		};
	}
	return {
		id,
		name: options.name ?? `Voisnap ${id}`,
		active: options.active ?? true,
		nodes: [node],
		connections: {},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** The webhook ids of a workflow's nodes (the harness waits until each is registered). */
export function webhookIdsOf(workflow: WorkflowJson): string[] {
	return workflow.nodes.flatMap((node) => (node.webhookId ? [node.webhookId] : []));
}

/**
 * The workflows as `n8n import:workflow` of n8n `version` takes them: n8n 2.0.x refuses a workflow
 * without a `versionId` (a NOT NULL column it does not fill in), so those get a fresh one there;
 * every other release is given the workflows unchanged.
 */
export function withVersionIds(workflows: WorkflowJson[], version: string): WorkflowJson[] {
	if (!/^2\.0\./.test(version)) return workflows;
	return workflows.map((workflow) => (workflow.versionId ? workflow : { ...workflow, versionId: randomUUID() }));
}
