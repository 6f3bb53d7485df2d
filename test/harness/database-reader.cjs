/*
 * Reads (and, for activation only, writes) an n8n SQLite database. Run with the n8n install's
 * own Node.js binary, so that n8n's own `sqlite3` (built for that Node.js) and `flatted` load
 * from <n8nDir>/node_modules: the project needs no dependency for it.
 *
 *   <node> database-reader.cjs <n8nDir> <database.sqlite> '<request JSON>'
 *   <node> database-reader.cjs <n8nDir> <database.sqlite>      (serves: one request per line
 *                                                                on stdin, one answer per line)
 *
 * Prints one line of JSON per request: the answer, or {"error": "..."} (exit code 1 when run
 * for one request). The database is opened for each request. Requests:
 *   {"op":"executions","workflowId"?:string}  executions, oldest first, with each node's first
 *                                             run (json items per output index), errors, and
 *                                             the items still queued (execution-data.cjs)
 *   {"op":"counts","workflowId"?:string}      {total, pending, byStatus}
 *   {"op":"staticData","workflowId":string}   the workflow's static data, parsed (or null)
 *   {"op":"workflows"}                        [{id, name, active, activeVersionId}]
 *   {"op":"activate","ids":string[]}          what `n8n publish:workflow` (2.x) and
 *                                             `n8n update:workflow --active=true` (1.x) write
 */
'use strict';

const { createRequire } = require('node:module');
const path = require('node:path');

const [n8nDir, databasePath, requestText] = process.argv.slice(2);
const requireFromN8n = createRequire(path.join(n8nDir, 'node_modules', 'n8n', 'package.json'));
const sqlite3 = requireFromN8n('sqlite3');
const flatted = requireFromN8n('flatted');
const { describeData: describeExecutionData } = require('./execution-data.cjs');
const { countsFromRows, staticDataFromRows, answer, failure, serveRequestLines } = require('./reader-common.cjs');

function open(writes) {
	return new Promise((resolve, reject) => {
		const db = new sqlite3.Database(databasePath, writes ? sqlite3.OPEN_READWRITE : sqlite3.OPEN_READONLY, (error) =>
			error ? reject(error) : resolve(db),
		);
	});
}

let db;

function all(sql, params = []) {
	return new Promise((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))));
}

function runSql(sql, params = []) {
	return new Promise((resolve, reject) =>
		db.run(sql, params, function done(error) {
			if (error) reject(error);
			else resolve(this.changes);
		}),
	);
}


const operations = {
	async executions({ workflowId }) {
		const where = workflowId === undefined ? '' : 'WHERE e.workflowId = ?';
		// n8n before 1.5x has no createdAt (1.49.0): startedAt stands in for it there.
		const columns = (await all('PRAGMA table_info(execution_entity)')).map((column) => column.name);
		const createdAt = columns.includes('createdAt') ? 'e.createdAt' : 'e.startedAt AS createdAt';
		const rows = await all(
			`SELECT e.id, e.workflowId, e.status, e.mode, e.finished, e.startedAt, e.stoppedAt, ${createdAt}, d.data
			 FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id
			 ${where} ORDER BY e.id`,
			workflowId === undefined ? [] : [workflowId],
		);
		return rows.map(({ data, ...row }) => ({ ...row, id: String(row.id), ...describeExecutionData(flatted, data) }));
	},
	async counts({ workflowId }) {
		const where = workflowId === undefined ? '' : 'WHERE workflowId = ?';
		return countsFromRows(
			await all(`SELECT status, COUNT(*) AS n FROM execution_entity ${where} GROUP BY status`, workflowId === undefined ? [] : [workflowId]),
		);
	},
	async staticData({ workflowId }) {
		return staticDataFromRows(await all('SELECT staticData FROM workflow_entity WHERE id = ?', [workflowId]), workflowId);
	},
	async workflows() {
		const columns = (await all('PRAGMA table_info(workflow_entity)')).map((column) => column.name);
		const versioned = columns.includes('activeVersionId');
		return all(`SELECT id, name, active${versioned ? ', activeVersionId' : ''} FROM workflow_entity ORDER BY id`);
	},
	async activate({ ids }) {
		const columns = (await all('PRAGMA table_info(workflow_entity)')).map((column) => column.name);
		const versioned = columns.includes('activeVersionId');
		for (const id of ids) {
			// 2.x: WorkflowRepository.publishVersion(id): the current version, which must exist
			// in workflow_history, becomes the active one. 1.x: updateActiveState(id, true).
			const changes = versioned
				? await runSql(
						`UPDATE workflow_entity SET active = 1, activeVersionId = versionId
						 WHERE id = ? AND EXISTS (SELECT 1 FROM workflow_history h
						   WHERE h.workflowId = workflow_entity.id AND h.versionId = workflow_entity.versionId)`,
						[id],
					)
				: await runSql('UPDATE workflow_entity SET active = 1 WHERE id = ?', [id]);
			if (changes !== 1) throw new Error(`Workflow ${id} not found (or, on 2.x, its version is not in workflow_history)`);
		}
		return { activated: ids.length };
	},
};

async function handle(request) {
	const operation = operations[request.op];
	if (!operation) throw new Error(`Unknown op ${request.op}`);
	db = await open(request.op === 'activate');
	db.configure('busyTimeout', 10000);
	try {
		return await operation(request);
	} finally {
		await new Promise((resolve) => db.close(resolve));
	}
}

if (requestText !== undefined) {
	handle(JSON.parse(requestText)).then(answer, (error) => {
		answer(failure(error));
		process.exitCode = 1;
	});
} else {
	serveRequestLines(handle);
}
