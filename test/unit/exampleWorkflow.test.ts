import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Route } from '../../nodes/VoisnapTrigger/contract/events';
import { ROUTES, parseEvent } from '../../nodes/VoisnapTrigger/contract/events';
import { buildItemJson } from '../../nodes/VoisnapTrigger/contract/items';
import { rejectionAlertJson } from '../../nodes/VoisnapTrigger/contract/rejectionAlerts';
import { configuredOutputs } from '../../nodes/VoisnapTrigger/description/outputs';
import type { WorkflowNodeJson } from '../harness';
import { eventFixture } from '../support/signedDelivery';

/**
 * examples/voisnap-events.json, checked structurally: what the README promises about it, that
 * it uses only built-in nodes that need no account, and that every expression in its Set nodes
 * reads a field the trigger really emits for the event that reaches that node.
 * Importing and running it in a real n8n is an end-to-end matter; these checks need none.
 */

/** A node as the example stores it: the same shape the harness imports. */
type WorkflowNode = WorkflowNodeJson;
interface Connection {
	node: string;
	type: string;
	index: number;
}
interface Workflow {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, { main: Connection[][] }>;
	active: boolean;
	settings: Record<string, unknown>;
	pinData: Record<string, unknown>;
}
interface Assignment {
	id: string;
	name: string;
	value: unknown;
	type: string;
}

const workflow = JSON.parse(
	readFileSync(join(__dirname, '..', '..', 'examples', 'voisnap-events.json'), 'utf8'),
) as Workflow;

const TRIGGER_TYPE = 'n8n-nodes-voisnap.voisnapTrigger';
const TRIGGER_NAME = 'Voisnap Trigger';
/** Built-in nodes that run with no external account, at versions present in n8n 1.123 and 2.41. */
const ALLOWED_TYPES: Record<string, number[]> = {
	[TRIGGER_TYPE]: [2],
	'n8n-nodes-base.set': [3.4],
	'n8n-nodes-base.noOp': [1],
	'n8n-nodes-base.if': [2, 2.2],
	'n8n-nodes-base.stickyNote': [1],
};

/** The trigger's outputs in the example: every route, then Rejected (option Alert on Rejections). */
type Output = Route | 'Rejected';
const OUTPUTS: readonly Output[] = [...ROUTES, 'Rejected'];

/** Which node each trigger output feeds. */
const INTENDED: Record<Output, string[]> = {
	SessionStarted: ['Call started (swap in: your log)'],
	SessionEnded: ['CRM upsert (swap in: HubSpot or Salesforce)'],
	AnalysisCompleted: ['CRM analysis update (swap in: HubSpot or Salesforce)', 'Follow-up email draft (swap in: Gmail or SMTP)'],
	TransferInitiated: ['Transfer notice (swap in: Slack)'],
	Error: ['Recoverable?'],
	Other: ['New event type (swap in: a new branch)'],
	Rejected: ['Refused deliveries alert (swap in: Slack)'],
};

/** The fixture whose event takes each route. */
const FIXTURE_OF_ROUTE: Record<Route, string> = {
	SessionStarted: 'SessionStarted',
	SessionEnded: 'SessionEnded',
	AnalysisCompleted: 'AnalysisCompleted',
	TransferInitiated: 'TransferInitiated',
	Error: 'Error',
	Other: 'VoicemailDetected',
};

const nodes = workflow.nodes;
const byName = new Map(nodes.map((node) => [node.name, node]));
const workNodes = nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
const stickyNotes = nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
const setNodes = nodes.filter((node) => node.type === 'n8n-nodes-base.set');
const trigger = byName.get(TRIGGER_NAME) as WorkflowNode;

function targets(from: string, output: number): string[] {
	return (workflow.connections[from]?.main[output] ?? []).map((connection) => connection.node);
}

function assignments(node: WorkflowNode): Assignment[] {
	return (node.parameters.assignments as { assignments: Assignment[] }).assignments;
}

/** The item the trigger emits for a fixture: the envelope as sent plus `delivery`. */
function emittedItem(fixture: string): Record<string, unknown> {
	const parsed = parseEvent(eventFixture(fixture));
	if (!parsed.valid) throw new Error(`fixture ${fixture} does not parse: ${parsed.reason}`);
	return buildItemJson(
		parsed.routed,
		{ id: 'dlv_example', timestamp: '2025-11-27T02:00:00.000Z', receivedAt: '2025-11-27T02:00:00.120Z' },
		{ headers: {}, body: eventFixture(fixture) },
		{ includeHeaders: false, includeRawBody: false },
	);
}

/** Every `$json.a.b?.c` path in an expression, as ['a', 'b', 'c']. */
function jsonPaths(expression: string): string[][] {
	return [...expression.matchAll(/\$json((?:\??\.[A-Za-z_$][\w$]*)+)/g)].map((match) =>
		match[1].split(/\??\./).filter(Boolean),
	);
}

function hasPath(value: unknown, path: readonly string[]): boolean {
	let current = value;
	for (const key of path) {
		if (typeof current !== 'object' || current === null || !(key in current)) return false;
		current = (current as Record<string, unknown>)[key];
	}
	return true;
}

/** The item the trigger emits on Rejected: an alert about refused deliveries. */
function alertItem(): Record<string, unknown> {
	return rejectionAlertJson({
		reason: 'signature_mismatch',
		status: 401,
		message: 'Invalid signature',
		advice: 'Check the signing secret.',
		deliveryId: 'dlv_example',
		receivedAt: '2025-11-27T02:00:00.120Z',
		count: 3,
		since: '2025-11-27T01:52:00.000Z',
	}) as unknown as Record<string, unknown>;
}

/** The output whose items reach each node (walking the connections from the trigger). */
function routeOfNodes(): Map<string, Output> {
	const routeOf = new Map<string, Output>();
	OUTPUTS.forEach((route, output) => {
		const queue = targets(TRIGGER_NAME, output);
		while (queue.length > 0) {
			const name = queue.shift() as string;
			if (routeOf.has(name)) {
				expect(routeOf.get(name)).toBe(route);
				continue;
			}
			routeOf.set(name, route);
			const outputs = workflow.connections[name]?.main ?? [];
			outputs.forEach((_, index) => queue.push(...targets(name, index)));
		}
	});
	return routeOf;
}

describe('examples/voisnap-events.json', () => {
	it('is an importable workflow: name, fixed id, inactive, v1 execution order, no pinned data', () => {
		expect(workflow).toMatchObject({
			id: 'voisnapExample1',
			name: 'Voisnap events → CRM, email, alerts',
			active: false,
			settings: { executionOrder: 'v1' },
			pinData: {},
		});
		expect(new Set(nodes.map((node) => node.name)).size).toBe(nodes.length);
		expect(new Set(nodes.map((node) => node.id)).size).toBe(nodes.length);
	});

	it('has one Voisnap Trigger, routing by event type, with the Voisnap credential and no webhook id (n8n assigns one per import)', () => {
		expect(nodes.filter((node) => node.type === TRIGGER_TYPE)).toEqual([trigger]);
		expect(trigger).toMatchObject({
			type: TRIGGER_TYPE,
			typeVersion: 2,
			parameters: { events: ['*'], routing: 'byEventType', options: { alertOnRejections: true } },
			credentials: { voisnapApi: { id: 'voisnap-example', name: 'Voisnap' } },
		});
		// A fixed id would give every import the same Production URL, so a second import clashes:
		// n8n's editor (read in 2.41.1's useCanvasOperations and its resolveNodeWebhook) gives a
		// node with webhooks and no webhookId a fresh one, but replaces a fixed one on import only
		// for its own Form Trigger.
		expect(trigger).not.toHaveProperty('webhookId');
	});

	it('wires each of the six outputs, in the order of ROUTES, then Rejected, to its intended node', () => {
		const outputs = configuredOutputs(trigger.parameters as never);
		expect(outputs.map((output) => output.displayName)).toEqual([...OUTPUTS]);
		expect(workflow.connections[TRIGGER_NAME].main).toHaveLength(OUTPUTS.length);
		OUTPUTS.forEach((route, index) => {
			expect({ route, targets: targets(TRIGGER_NAME, index) }).toEqual({ route, targets: INTENDED[route] });
		});
	});

	it('branches errors on data.recoverable: false → alert, true → log', () => {
		const recoverable = byName.get('Recoverable?') as WorkflowNode;
		expect(recoverable.type).toBe('n8n-nodes-base.if');
		const conditions = recoverable.parameters.conditions as {
			combinator: string;
			options: { version: number; typeValidation: string };
			conditions: Array<{ leftValue: string; operator: { type: string; operation: string; singleValue?: boolean } }>;
		};
		expect(conditions.conditions).toHaveLength(1);
		const [condition] = conditions.conditions;
		expect(jsonPaths(condition.leftValue)).toEqual([['data', 'recoverable']]);
		expect(condition.operator).toEqual({ type: 'boolean', operation: 'true', singleValue: true });
		// The filter format version goes with the node version (If 2 → 1, If 2.2 → 2).
		expect(conditions.options.version).toBe(recoverable.typeVersion >= 2.2 ? 2 : 1);
		expect(typeof emittedItem('Error').data).toBe('object');
		expect(typeof (emittedItem('Error').data as { recoverable: unknown }).recoverable).toBe('boolean');
		expect(targets('Recoverable?', 0)).toEqual(['Recoverable error (swap in: your log)']);
		expect(targets('Recoverable?', 1)).toEqual(['Agent error alert (swap in: Slack or PagerDuty)']);
		expect(byName.get('Recoverable error (swap in: your log)')?.type).toBe('n8n-nodes-base.noOp');
		expect(byName.get('Agent error alert (swap in: Slack or PagerDuty)')?.type).toBe('n8n-nodes-base.set');
	});

	it('uses only built-in nodes that need no account (and the trigger), at versions both n8n lines have', () => {
		for (const node of nodes) {
			expect({ name: node.name, type: node.type, allowed: ALLOWED_TYPES[node.type]?.includes(node.typeVersion) }).toEqual({
				name: node.name,
				type: node.type,
				allowed: true,
			});
		}
		expect(byName.get('Call started (swap in: your log)')?.type).toBe('n8n-nodes-base.set');
		expect(byName.get('Transfer notice (swap in: Slack)')?.type).toBe('n8n-nodes-base.noOp');
		expect(byName.get('New event type (swap in: a new branch)')?.type).toBe('n8n-nodes-base.noOp');
	});

	it('connects only existing nodes, and every node but the trigger is reached', () => {
		const reached = new Set<string>();
		for (const [from, { main }] of Object.entries(workflow.connections)) {
			expect(byName.has(from)).toBe(true);
			for (const connection of main.flat()) {
				expect(byName.has(connection.node)).toBe(true);
				expect(connection).toMatchObject({ type: 'main', index: 0 });
				reached.add(connection.node);
			}
		}
		const unreached = workNodes.filter((node) => node !== trigger && !reached.has(node.name)).map((node) => node.name);
		expect(unreached).toEqual([]);
	});

	it('Set nodes use the 3.4 assignments format with unique ids and known types', () => {
		expect(setNodes.length).toBeGreaterThanOrEqual(5);
		const ids = new Set<string>();
		for (const node of setNodes) {
			const list = assignments(node);
			expect(list.length).toBeGreaterThan(0);
			for (const assignment of list) {
				expect(['string', 'number', 'boolean', 'array', 'object']).toContain(assignment.type);
				expect(assignment.name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
				expect(ids.has(assignment.id)).toBe(false);
				ids.add(assignment.id);
			}
		}
	});

	it("every $json path in a Set node exists in the item the trigger emits for that node's event", () => {
		const routeOf = routeOfNodes();
		let checked = 0;
		for (const node of setNodes) {
			const route = routeOf.get(node.name) as Output;
			expect({ node: node.name, route }).toEqual({ node: node.name, route: expect.any(String) });
			const item = route === 'Rejected' ? alertItem() : emittedItem(FIXTURE_OF_ROUTE[route]);
			for (const assignment of assignments(node)) {
				if (typeof assignment.value !== 'string' || !assignment.value.startsWith('=')) continue;
				expect(assignment.value).not.toMatch(/\$json\s*\[/); // bracket access would escape this check
				for (const path of jsonPaths(assignment.value)) {
					expect({ node: node.name, field: assignment.name, path: path.join('.'), exists: hasPath(item, path) }).toEqual({
						node: node.name,
						field: assignment.name,
						path: path.join('.'),
						exists: true,
					});
					checked++;
				}
			}
		}
		expect(checked).toBeGreaterThan(20);
	});

	it('maps what the README promises, by name', () => {
		const paths = (name: string) =>
			new Set(
				assignments(byName.get(name) as WorkflowNode).flatMap((assignment) =>
					jsonPaths(String(assignment.value)).map((path) => path.join('.')),
				),
			);
		const field = (name: string, fieldName: string) =>
			assignments(byName.get(name) as WorkflowNode).find((assignment) => assignment.name === fieldName);

		expect([...paths('CRM upsert (swap in: HubSpot or Salesforce)')]).toEqual(
			expect.arrayContaining(['data.conversationId', 'data.durationSeconds', 'data.cost', 'data.endReason', 'delivery.id']),
		);
		expect(field('CRM upsert (swap in: HubSpot or Salesforce)', 'durationSeconds')).toMatchObject({ type: 'number' });
		expect(field('CRM upsert (swap in: HubSpot or Salesforce)', 'cost')).toMatchObject({ type: 'number' });
		expect([...paths('CRM analysis update (swap in: HubSpot or Salesforce)')]).toEqual(
			expect.arrayContaining(['data.summary', 'data.sentiment', 'data.customFields.resolution_status']),
		);
		const subjectAndBody = [field('Follow-up email draft (swap in: Gmail or SMTP)', 'subject'), field('Follow-up email draft (swap in: Gmail or SMTP)', 'body')]
			.map((assignment) => String(assignment?.value))
			.join('\n');
		const emailPaths = jsonPaths(subjectAndBody).map((path) => path.join('.'));
		expect(emailPaths).toEqual(expect.arrayContaining(['data.summary', 'data.customFields.resolution_status']));
		// Subject and body are what a Gmail or SMTP node sends: nothing meant only for the team.
		expect(emailPaths).not.toContain('data.sentiment');
		expect(emailPaths).not.toContain('data.conversationId');
		expect(subjectAndBody).not.toMatch(/internal|remove before/i);
		expect(field('Follow-up email draft (swap in: Gmail or SMTP)', 'sentiment')).toMatchObject({ value: '={{ $json.data.sentiment }}' });
		expect([...paths('Agent error alert (swap in: Slack or PagerDuty)')]).toEqual(expect.arrayContaining(['data.errorCode', 'data.errorMessage']));
		expect([...paths('Refused deliveries alert (swap in: Slack)')]).toEqual(
			expect.arrayContaining(['rejection.reason', 'rejection.message', 'rejection.advice', 'rejection.count', 'rejection.since']),
		);
	});

	it('names every placeholder for what it stands for and the real node to swap in', () => {
		for (const node of workNodes.filter((n) => n !== trigger && n.type !== 'n8n-nodes-base.if')) {
			expect(node.name).toMatch(/ \(swap in: [^)]+\)$/);
		}
	});

	it('has sticky notes saying where the real CRM, email and alerting nodes go', () => {
		const text = stickyNotes.map((note) => String(note.parameters.content)).join('\n');
		for (const product of ['HubSpot', 'Salesforce', 'Gmail', 'SMTP', 'Slack', 'PagerDuty']) {
			expect(text).toContain(product);
		}
		expect(stickyNotes.length).toBeGreaterThanOrEqual(3);
	});

	it('is laid out readably: no two nodes on top of each other', () => {
		for (const node of nodes) {
			expect(node.position).toEqual([expect.any(Number), expect.any(Number)]);
		}
		for (const [i, a] of workNodes.entries()) {
			for (const b of workNodes.slice(i + 1)) {
				const apart = Math.abs(a.position[0] - b.position[0]) >= 200 || Math.abs(a.position[1] - b.position[1]) >= 140;
				expect({ a: a.name, b: b.name, apart }).toEqual({ a: a.name, b: b.name, apart: true });
			}
		}
		// The trigger sits left of everything it feeds.
		for (const node of workNodes.filter((n) => n !== trigger)) {
			expect(node.position[0]).toBeGreaterThan(trigger.position[0]);
		}
	});
});
