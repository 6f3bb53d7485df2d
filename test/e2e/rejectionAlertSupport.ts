import { randomUUID } from 'node:crypto';

import type { Execution, WorkflowJson } from '../harness';
import { ROUTE_OUTPUTS, voisnapWorkflow } from '../harness';

/**
 * Workflows and checks of the Alert on Rejections tests (regular and queue mode): the trigger
 * with a NoOp behind every output, so that which nodes ran shows which branch an execution took.
 */

export const TRIGGER = 'Voisnap Trigger';
export const ALERT_NODE = 'Alert: rejected';
export const EVENT_NODE = (route: string) => `Event: ${route}`;
export const REJECTED_OUTPUT: number = ROUTE_OUTPUTS.length;

/** The trigger with a NoOp behind each of its outputs (`Rejected` last when the option is on). */
export function alertingWorkflow(name: string, options: Record<string, unknown>, routing = 'byEventType'): WorkflowJson {
	const workflow = voisnapWorkflow({ name, parameters: { routing, options } });
	const noOp = (nodeName: string, y: number) => ({
		id: randomUUID(),
		name: nodeName,
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [300, y] as [number, number],
		parameters: {},
	});
	const events = routing === 'single' ? [EVENT_NODE('any')] : ROUTE_OUTPUTS.map(EVENT_NODE);
	const targets = [...events, ...(options.alertOnRejections === true ? [ALERT_NODE] : [])];
	workflow.nodes.push(...targets.map((nodeName, index) => noOp(nodeName, index * 160)));
	workflow.connections = { [TRIGGER]: { main: targets.map((node) => [{ node, type: 'main', index: 0 }]) } };
	return workflow;
}

/** The nodes an execution ran, sorted. */
export function ranNodes(execution: Execution): string[] {
	return Object.keys(execution.nodes).sort();
}

/** The alert item of an execution that ran only the Rejected branch. */
export function alertOf(execution: Execution, rejectedOutput = REJECTED_OUTPUT): Record<string, unknown> {
	expect({ status: execution.status, mode: execution.mode, ran: ranNodes(execution) }).toEqual({
		status: 'success',
		mode: 'webhook',
		ran: [ALERT_NODE, TRIGGER].sort(),
	});
	const occupied = execution.outputs.flatMap((items, index) => (items.length > 0 ? [[index, items.length]] : []));
	expect(occupied).toEqual([[rejectedOutput, 1]]);
	const json = execution.outputs[rejectedOutput][0];
	expect(Object.keys(json)).toEqual(['rejection']);
	return json.rejection as Record<string, unknown>;
}

