/**
 * The workflows the n8n part of the benchmark runs side by side, each holding only what its
 * configuration needs. Built on the harness's workflow helpers (test/harness/workflows.ts).
 */
import { randomUUID } from 'node:crypto';

import { DEFAULT_MAX_ENTRIES, DEFAULT_RETENTION_HOURS, DEFAULT_TOLERANCE_SECONDS } from '../../nodes/VoisnapTrigger/contract/constants';
import { DeliveryStore } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import type { WorkflowJson, WorkflowNodeJson } from '../../test/harness';
import { VOISNAP_CREDENTIAL_ID, VOISNAP_CREDENTIAL_NAME, VOISNAP_CREDENTIAL_TYPE, newWorkflowId, voisnapWorkflow } from '../../test/harness';

export const NOOP_TRIGGER_TYPE = 'n8n-nodes-bench-noop.benchNoopTrigger';

export type ConfigKind = 'voisnap' | 'noop' | 'webhook' | 'chain';

export interface BenchConfig {
	/** Short key used in results. */
	key: string;
	label: string;
	kind: ConfigKind;
	workflow: WorkflowJson & { staticData?: unknown };
	/** Remembered ids the workflow's static data starts with (voisnap only). */
	prefilled?: number;
	/** Measured sequentially only (attribution configurations). */
	sequentialOnly?: boolean;
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

export function voisnapConfig(key: string, label: string, prefill: number, maxEntries = DEFAULT_MAX_ENTRIES, nowSeconds = Math.floor(Date.now() / 1000)): BenchConfig {
	const webhookId = randomUUID();
	const parameters: Record<string, unknown> = {};
	if (maxEntries !== DEFAULT_MAX_ENTRIES) parameters.options = { dedupMaxEntries: maxEntries };
	const workflow: BenchConfig['workflow'] = voisnapWorkflow({ webhookId, name: `bench ${label}`, parameters });
	if (prefill > 0) workflow.staticData = prefilledStaticData(webhookId, prefill, maxEntries, nowSeconds);
	return { key, label, kind: 'voisnap', workflow, prefilled: prefill };
}

export function noopConfig(): BenchConfig {
	const id = newWorkflowId();
	const node: WorkflowNodeJson = {
		id: randomUUID(),
		name: 'Bench Noop Trigger',
		type: NOOP_TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: {},
	};
	return {
		key: 'noop',
		label: 'do-nothing community trigger',
		kind: 'noop',
		workflow: { id, name: 'bench noop', active: true, nodes: [node], connections: {}, settings: { executionOrder: 'v1' }, pinData: {} },
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
		key: 'webhook',
		label: 'built-in Webhook node (no auth)',
		kind: 'webhook',
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
				value: '={{ $json.headers["x-webhook-timestamp"] + "." + JSON.stringify($json.body) }}',
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
							rightValue: '={{ $json.headers["x-webhook-signature"] ?? "" }}',
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
		key: 'chain',
		label: 'hand-built chain (Webhook → Crypto → IF → Respond)',
		kind: 'chain',
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

export const PROBE_TRIGGER_TYPE = 'n8n-nodes-bench-probe.benchProbeTrigger';
export const PROBE_OUTPUTS_TRIGGER_TYPE = 'n8n-nodes-bench-probe.benchProbeOutputsTrigger';

function probeWorkflow(name: string, type: string, parameters: Record<string, unknown>, credential: boolean): WorkflowJson {
	const node: WorkflowNodeJson = {
		id: randomUUID(),
		name,
		type,
		typeVersion: 1,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters,
	};
	if (credential) node.credentials = { [VOISNAP_CREDENTIAL_TYPE]: { id: VOISNAP_CREDENTIAL_ID, name: VOISNAP_CREDENTIAL_NAME } };
	return { id: newWorkflowId(), name: `bench ${name}`, active: true, nodes: [node], connections: {}, settings: { executionOrder: 'v1' }, pinData: {} };
}

/**
 * Attribution: the do-nothing trigger plus one thing the Voisnap Trigger does, and the Voisnap
 * Trigger without its store. Sequential deliveries only.
 */
export function attributionConfigs(): BenchConfig[] {
	return [
		{
			key: 'probe-credential',
			label: 'do-nothing + loads the Voisnap credential',
			kind: 'noop',
			sequentialOnly: true,
			workflow: probeWorkflow('Probe Credential', PROBE_TRIGGER_TYPE, { useCredential: true }, true),
		},
		{
			key: 'probe-outputs',
			label: 'do-nothing + computed outputs (6, by expression)',
			kind: 'noop',
			sequentialOnly: true,
			workflow: probeWorkflow('Probe Outputs', PROBE_OUTPUTS_TRIGGER_TYPE, {}, false),
		},
		{
			key: 'probe-static',
			label: 'do-nothing + rewrites 19 KB of static data',
			kind: 'noop',
			sequentialOnly: true,
			workflow: probeWorkflow('Probe Static', PROBE_TRIGGER_TYPE, { staticDataBytes: 19_000 }, false),
		},
		{
			...voisnapConfig('voisnap-nodedup', 'Voisnap Trigger, deduplication off (no store)', 0),
			sequentialOnly: true,
			workflow: voisnapWorkflow({ name: 'bench voisnap nodedup', parameters: { options: { deduplicate: false } } }),
		},
	];
}
