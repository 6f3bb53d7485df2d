/*
 * What the two database readers (database-reader.cjs for SQLite, postgres-reader.cjs for queue
 * mode's Postgres) share beyond their SQL: the answers built from rows, and the line protocol
 * (one JSON request per line on stdin, one JSON answer per line on stdout, in order).
 */
'use strict';

/** Rows of `SELECT status, COUNT(*) AS n ... GROUP BY status` as {total, pending, byStatus}. */
function countsFromRows(rows) {
	const byStatus = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
	const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
	const pending = (byStatus.new ?? 0) + (byStatus.running ?? 0);
	return { total, pending, byStatus };
}

/** Rows of `SELECT staticData FROM workflow_entity WHERE id = ...`, parsed (null when unset). */
function staticDataFromRows(rows, workflowId) {
	if (rows.length === 0) throw new Error(`No workflow ${workflowId}`);
	const value = rows[0].staticData;
	if (value === null || value === undefined) return null;
	return typeof value === 'string' ? JSON.parse(value) : value;
}

const answer = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const failure = (error) => ({ error: String((error && error.stack) || error) });

/** Answers each request line with `handle(request)`, one at a time; `onEnd` runs once stdin closes. */
function serveRequestLines(handle, onEnd = () => {}) {
	const lines = require('node:readline').createInterface({ input: process.stdin });
	let queue = Promise.resolve();
	lines.on('line', (line) => {
		queue = queue.then(async () => {
			try {
				answer(await handle(JSON.parse(line)));
			} catch (error) {
				answer(failure(error));
			}
		});
	});
	lines.on('close', () => {
		queue.then(onEnd);
	});
}

module.exports = { countsFromRows, staticDataFromRows, answer, failure, serveRequestLines };
