/*
 * The Postgres counterpart of database-reader.cjs, for queue mode: reads (and, for activation
 * only, writes) n8n's Postgres database with n8n's own `pg` and `flatted` (from <n8nDir>), run
 * with the n8n install's Node.js, so the project needs no dependency for it. Same requests and
 * answers as database-reader.cjs, one JSON request per line on stdin, one answer per line:
 *
 *   <node> postgres-reader.cjs <n8nDir> '<connection JSON: host, port, user, password, database>'
 *
 * Executions also carry `queuedItems`: the JSON of the items still waiting in the execution's
 * node execution stack (the trigger's items of an execution that a worker never ran, e.g. one
 * whose worker was killed), so that a delivery is found in its execution whether it ran or not.
 */
'use strict';

const { createRequire } = require('node:module');
const path = require('node:path');

const [n8nDir, connectionText] = process.argv.slice(2);
const requireFromN8n = createRequire(path.join(n8nDir, 'node_modules', 'n8n', 'package.json'));
const { Pool } = requireFromN8n('pg');
const flatted = requireFromN8n('flatted');
const { describeData: describeExecutionData } = require('./execution-data.cjs');
const { countsFromRows, staticDataFromRows, serveRequestLines } = require('./reader-common.cjs');

const pool = new Pool({ ...JSON.parse(connectionText), max: 2 });

async function all(sql, params = []) {
	return (await pool.query(sql, params)).rows;
}


async function hasColumn(table, column) {
	const rows = await all('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [table, column]);
	return rows.length > 0;
}

const iso = (value) => (value instanceof Date ? value.toISOString() : value);

const operations = {
	async executions({ workflowId }) {
		const where = workflowId === undefined ? '' : 'WHERE e."workflowId" = $1';
		const rows = await all(
			`SELECT e.id, e."workflowId", e.status, e.mode, e.finished, e."startedAt", e."stoppedAt", e."createdAt", d.data
			 FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id
			 ${where} ORDER BY e.id`,
			workflowId === undefined ? [] : [workflowId],
		);
		return rows.map(({ data, ...row }) => ({
			...row,
			id: String(row.id),
			startedAt: iso(row.startedAt),
			stoppedAt: iso(row.stoppedAt),
			createdAt: iso(row.createdAt),
			...describeExecutionData(flatted, data),
		}));
	},
	async counts({ workflowId }) {
		const where = workflowId === undefined ? '' : 'WHERE "workflowId" = $1';
		return countsFromRows(
			await all(`SELECT status, COUNT(*) AS n FROM execution_entity ${where} GROUP BY status`, workflowId === undefined ? [] : [workflowId]),
		);
	},
	async staticData({ workflowId }) {
		return staticDataFromRows(await all('SELECT "staticData" FROM workflow_entity WHERE id = $1', [workflowId]), workflowId);
	},
	async workflows() {
		const versioned = await hasColumn('workflow_entity', 'activeVersionId');
		const rows = await all(`SELECT id, name, active${versioned ? ', "activeVersionId"' : ''} FROM workflow_entity ORDER BY id`);
		// The SQLite reader answers 0/1; keep the same shape.
		return rows.map((row) => ({ ...row, active: row.active ? 1 : 0 }));
	},
	async activate({ ids }) {
		const versioned = await hasColumn('workflow_entity', 'activeVersionId');
		for (const id of ids) {
			// What `n8n publish:workflow` (2.x) and `n8n update:workflow --active=true` (1.x) write.
			const result = versioned
				? await pool.query(
						`UPDATE workflow_entity SET active = true, "activeVersionId" = "versionId"
						 WHERE id = $1 AND EXISTS (SELECT 1 FROM workflow_history h
						   WHERE h."workflowId" = workflow_entity.id AND h."versionId" = workflow_entity."versionId")`,
						[id],
					)
				: await pool.query('UPDATE workflow_entity SET active = true WHERE id = $1', [id]);
			if (result.rowCount !== 1) throw new Error(`Workflow ${id} not found (or, on 2.x, its version is not in workflow_history)`);
		}
		return { activated: ids.length };
	},
};

// The pool ends when stdin closes.
serveRequestLines(async (request) => {
	const operation = operations[request.op];
	if (!operation) throw new Error(`Unknown op ${request.op}`);
	return operation(request);
}, () => pool.end());
