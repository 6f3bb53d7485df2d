/**
 * The workflows the n8n part of the benchmark runs side by side, each holding only what its
 * configuration needs. Built on the harness's workflow helpers (test/harness/workflows.ts).
 */
import { randomUUID } from 'node:crypto';

import {
	DEFAULT_MAX_ENTRIES,
	DEFAULT_RETENTION_HOURS,
	DEFAULT_TOLERANCE_SECONDS,
	SIGNATURE_HEADER,
	TIMESTAMP_HEADER,
} from '../../nodes/VoisnapTrigger/contract/constants';
import { DeliveryStore } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import type { WorkflowJson, WorkflowNodeJson } from '../../test/harness';
import type { CredentialJson } from '../../test/harness';
import { newWorkflowId, voisnapWorkflow } from '../../test/harness';
import { PREVIOUS_CREDENTIAL_TYPE, PREVIOUS_TRIGGER_TYPE } from './previousRelease';

/** The reference: a do-nothing trigger that lets n8n answer (versions 1 and 2). */
export const NOOP_N8N_ANSWERS_TYPE = 'n8n-nodes-bench-noop.benchNoopN8nAnswersTrigger';
/** The old path's reference: a do-nothing trigger that answers inside webhook() (version 1). */
export const NOOP_ANSWERS_ITSELF_TYPE = 'n8n-nodes-bench-noop.benchNoopTrigger';

export type ConfigKind = 'voisnap' | 'noop' | 'webhook' | 'chain';

/** Keys of the configurations the report compares (see `reference`). */
export const KEYS = {
	noopV2: 'noop-n8n-v2',
	noopV1: 'noop-n8n-v1',
	noopSelf: 'noop-self',
	webhook: 'webhook',
	voisnapV2: 'voisnap-v2',
	voisnapV1: 'voisnap-v1',
	voisnapCap: 'voisnap-cap',
	voisnapNoMemory: 'voisnap-v2-nodedup',
	previous: 'voisnap-previous',
	chain: 'chain',
} as const;

export interface BenchConfig {
	/** Short key used in results. */
	key: string;
	label: string;
	kind: ConfigKind;
	/**
	 * The do-nothing trigger this one is compared with: the same node version and the same way
	 * of answering (n8n answers, or the trigger answers itself).
	 */
	reference: string;
	workflow: WorkflowJson & { staticData?: unknown };
	/** Remembered ids the workflow's static data starts with (voisnap only). */
	prefilled?: number;
	/** Measured sequentially only, with this many 0.5 KB deliveries per round (attribution configurations). */
	sequentialOnly?: { count: number };
	/** The URL, when the harness cannot derive it (built-in Webhook nodes use their own path). */
	url?: (baseUrl: string) => string;
}

/**
 * What the trigger would have written after `count` deliveries spread over the last day: the
 * snapshot n8n keeps under `voisnap:<webhookId>` in the workflow's global static data.
 */
export function prefilledStaticData(webhookId: string, count: number, maxEntries: number, nowSeconds: number) {
	const store = new DeliveryStore('benchfil');
	const limits = {
		retentionSeconds: DEFAULT_RETENTION_HOURS * 3600,
		maxEntries,
		replayWindowSeconds: 2 * DEFAULT_TOLERANCE_SECONDS,
	};
	const first = nowSeconds - DEFAULT_RETENTION_HOURS * 3600 + 3600; // an hour of margin
	const span = DEFAULT_RETENTION_HOURS * 3600 - 3600 - 2 * DEFAULT_TOLERANCE_SECONDS - 60;
	for (let i = 0; i < count; i++) {
		const digest = Buffer.alloc(32);
		digest.writeUInt32BE(i, 0);
		digest.write(webhookId.slice(0, 8), 4, 'latin1');
		store.remember(`dlv_prefill_${i}_${randomUUID()}`, digest, first + Math.floor((span * i) / Math.max(1, count)), limits);
	}
	return { global: { [`voisnap:${webhookId}`]: store.snapshot() } };
}

export interface VoisnapConfigOptions {
	/** Remembered ids the store starts with (through the workflow's static data on import). */
	prefill?: number;
	maxEntries?: number;
	/** The node version (2, what the editor gives a new node, unless said). */
	typeVersion?: 1 | 2;
	/** Deduplication (on unless said): off, the trigger keeps no memory in static data. */
	deduplicate?: boolean;
	nowSeconds?: number;
}

export function voisnapConfig(key: string, label: string, options: VoisnapConfigOptions = {}): BenchConfig {
	const { prefill = 0, maxEntries = DEFAULT_MAX_ENTRIES, typeVersion = 2, deduplicate = true, nowSeconds = Math.floor(Date.now() / 1000) } = options;
	const webhookId = randomUUID();
	const settings: Record<string, unknown> = {};
	if (maxEntries !== DEFAULT_MAX_ENTRIES) settings.dedupMaxEntries = maxEntries;
	if (!deduplicate) settings.deduplicate = false;
	const parameters: Record<string, unknown> = Object.keys(settings).length ? { options: settings } : {};
	const workflow: BenchConfig['workflow'] = voisnapWorkflow({ webhookId, name: `bench ${label}`, parameters, typeVersion });
	if (prefill > 0) workflow.staticData = prefilledStaticData(webhookId, prefill, maxEntries, nowSeconds);
	return { key, label, kind: 'voisnap', reference: typeVersion === 1 ? KEYS.noopV1 : KEYS.noopV2, workflow, prefilled: prefill };
}

/** A workflow holding one community trigger (plus its credential, if any). */
function triggerWorkflow(name: string, type: string, typeVersion: number, parameters: Record<string, unknown> = {}, credentials?: WorkflowNodeJson['credentials']): BenchConfig['workflow'] {
	const node: WorkflowNodeJson = { id: randomUUID(), name, type, typeVersion, position: [0, 0], webhookId: randomUUID(), parameters };
	if (credentials) node.credentials = credentials;
	return { id: newWorkflowId(), name: `bench ${name}`, active: true, nodes: [node], connections: {}, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** The reference: does nothing, n8n answers (on 2.x once it stored the execution). */
export function noopN8nAnswersConfig(typeVersion: 1 | 2): BenchConfig {
	const key = typeVersion === 1 ? KEYS.noopV1 : KEYS.noopV2;
	return {
		key,
		label: `do-nothing trigger, n8n answers (v${typeVersion})`,
		kind: 'noop',
		reference: key,
		workflow: triggerWorkflow(`Noop n8n answers v${typeVersion}`, NOOP_N8N_ANSWERS_TYPE, typeVersion),
	};
}

/** Does nothing, answers itself inside webhook(): the previous release's way, without its work. */
export function noopAnswersItselfConfig(): BenchConfig {
	return {
		key: KEYS.noopSelf,
		label: 'do-nothing trigger, answers itself (v1)',
		kind: 'noop',
		reference: KEYS.noopSelf,
		workflow: triggerWorkflow('Noop answers itself', NOOP_ANSWERS_ITSELF_TYPE, 1),
	};
}

/** The credential the previous release's trigger uses (its type renamed, see previousRelease.ts). */
export const PREVIOUS_CREDENTIAL_ID = 'VoisnapPrevBench';

export function previousCredential(signingSecret: string): CredentialJson {
	return { id: PREVIOUS_CREDENTIAL_ID, name: 'Voisnap (previous)', type: PREVIOUS_CREDENTIAL_TYPE, data: { signingSecret, previousSigningSecret: '' } };
}

/** An earlier version built from a git ref (BENCH_PREVIOUS_REF), node version 1, store empty. */
export function previousConfig(ref: string): BenchConfig {
	return {
		key: KEYS.previous,
		label: `Voisnap Trigger, earlier version (${ref}, v1), store empty`,
		kind: 'voisnap',
		reference: KEYS.noopSelf,
		workflow: triggerWorkflow('Voisnap Trigger previous', PREVIOUS_TRIGGER_TYPE, 1, {}, {
			[PREVIOUS_CREDENTIAL_TYPE]: { id: PREVIOUS_CREDENTIAL_ID, name: 'Voisnap (previous)' },
		}),
		prefilled: 0,
	};
}

/**
 * n8n's Webhook node takes its `path` parameter as the whole path (`isFullPath`), which the
 * harness does not model: without a webhookId n8n serves it at
 * /webhook/<workflowId>/<node name, lower case>/<path>, a URL known before n8n starts.
 */
function webhookNode(name: string, responseMode: 'onReceived' | 'responseNode'): WorkflowNodeJson {
	return {
		id: randomUUID(),
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		parameters: { httpMethod: 'POST', path: 'in', responseMode, options: {} },
	};
}

function builtinWebhookUrl(workflowId: string, nodeName: string) {
	return (baseUrl: string) => `${baseUrl}/webhook/${workflowId}/${encodeURIComponent(nodeName.toLowerCase())}/in`;
}

export function webhookConfig(): BenchConfig {
	const id = newWorkflowId();
	const node = webhookNode('Webhook', 'onReceived');
	return {
		key: KEYS.webhook,
		label: 'built-in Webhook node (v2, no auth)',
		kind: 'webhook',
		reference: KEYS.noopV2,
		workflow: { id, name: 'bench webhook', active: true, nodes: [node], connections: {}, settings: { executionOrder: 'v1' }, pinData: {} },
		url: builtinWebhookUrl(id, node.name),
	};
}

/**
 * What users build by hand from the guide: Webhook (answer from a Respond node) → Crypto (HMAC
 * SHA256 of `<timestamp>.<body>` with the secret) → IF (`sha256=<hmac>` equals the header) →
 * Respond 200 / Respond 401. The body it can sign is n8n's parsed body serialised again, not
 * the bytes received.
 */
export function chainConfig(secret: string): BenchConfig {
	const id = newWorkflowId();
	const webhook = webhookNode('Webhook', 'responseNode');
	const nodes: WorkflowNodeJson[] = [
		webhook,
		{
			id: randomUUID(),
			name: 'HMAC',
			type: 'n8n-nodes-base.crypto',
			typeVersion: 1,
			position: [220, 0],
			parameters: {
				action: 'hmac',
				type: 'SHA256',
				value: `={{ $json.headers["${TIMESTAMP_HEADER}"] + "." + JSON.stringify($json.body) }}`,
				dataPropertyName: 'computed',
				secret,
				encoding: 'hex',
			},
		},
		{
			id: randomUUID(),
			name: 'Signature matches',
			type: 'n8n-nodes-base.if',
			typeVersion: 2,
			position: [440, 0],
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
					conditions: [
						{
							id: randomUUID(),
							leftValue: '={{ "sha256=" + $json.computed }}',
							rightValue: `={{ $json.headers["${SIGNATURE_HEADER}"] ?? "" }}`,
							operator: { type: 'string', operation: 'equals' },
						},
					],
					combinator: 'and',
				},
				options: {},
			},
		},
		{
			id: randomUUID(),
			name: 'Accept',
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.1,
			position: [660, -100],
			parameters: { respondWith: 'json', responseBody: '{"received":true}', options: { responseCode: 200 } },
		},
		{
			id: randomUUID(),
			name: 'Reject',
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.1,
			position: [660, 100],
			parameters: { respondWith: 'json', responseBody: '{"error":"Invalid signature"}', options: { responseCode: 401 } },
		},
	];
	const to = (node: string) => [{ node, type: 'main', index: 0 }];
	return {
		key: KEYS.chain,
		label: 'hand-built chain (Webhook → Crypto → IF → Respond)',
		kind: 'chain',
		reference: KEYS.noopV2,
		workflow: {
			id,
			name: 'bench chain',
			active: true,
			nodes,
			connections: {
				Webhook: { main: [to('HMAC')] },
				HMAC: { main: [to('Signature matches')] },
				'Signature matches': { main: [to('Accept'), to('Reject')] },
			},
			settings: { executionOrder: 'v1' },
			pinData: {},
		},
		url: builtinWebhookUrl(id, webhook.name),
	};
}
