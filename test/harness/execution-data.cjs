/*
 * What both database readers (database-reader.cjs for SQLite, postgres-reader.cjs for queue
 * mode's Postgres) make of an execution's stored data: each node's first run, the execution's
 * error, and the items still waiting in its node execution stack (the trigger's items of an
 * execution that never ran, e.g. one n8n kept as crashed), so that a delivery is found in its
 * execution whether it ran or not. `flatted` is n8n's own (its storage format).
 */
'use strict';

function errorMessage(error) {
	if (!error) return null;
	return typeof error.message === 'string' ? error.message : String(error);
}

function describeRun(taskData) {
	const main = (taskData && taskData.data && taskData.data.main) || [];
	return {
		executionStatus: taskData.executionStatus ?? null,
		outputs: main.map((items) => (items || []).map((item) => item.json)),
		error: errorMessage(taskData.error),
		errorDescription: (taskData.error && taskData.error.description) || null,
	};
}

function queuedItemsOf(data) {
	const stack = (data.executionData && data.executionData.nodeExecutionStack) || [];
	return stack.flatMap((entry) => ((entry.data && entry.data.main) || []).flatMap((items) => (items || []).map((item) => item.json)));
}

/** The stored `execution_data.data` text, described. */
function describeData(flatted, text) {
	if (text === null || text === undefined) return { nodes: {}, error: null, lastNodeExecuted: null, queuedItems: [] };
	const data = flatted.parse(text);
	const resultData = data.resultData || {};
	const nodes = {};
	for (const [name, runs] of Object.entries(resultData.runData || {})) {
		if (Array.isArray(runs) && runs.length > 0) nodes[name] = describeRun(runs[0]);
	}
	return {
		nodes,
		error: errorMessage(resultData.error),
		lastNodeExecuted: resultData.lastNodeExecuted ?? null,
		queuedItems: queuedItemsOf(data),
	};
}

module.exports = { describeData };
