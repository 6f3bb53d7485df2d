/*
 * Holds SQLite's write lock on an n8n database (`BEGIN IMMEDIATE`) until a line arrives on
 * stdin, then rolls back and exits. Run with the n8n install's own Node.js, so that n8n's own
 * `sqlite3` loads (as database-reader.cjs does). While the lock is held, every write n8n tries
 * fails at once with SQLITE_BUSY (n8n opens SQLite without a busy timeout); reads go on (WAL).
 *
 *   <node> sqlite-lock.cjs <n8nDir> <database.sqlite>   prints "locked" once held, "released" at the end
 */
'use strict';

const { createRequire } = require('node:module');
const path = require('node:path');

const [n8nDir, databasePath] = process.argv.slice(2);
const sqlite3 = createRequire(path.join(n8nDir, 'node_modules', 'n8n', 'package.json'))('sqlite3');

const fail = (error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
};
const db = new sqlite3.Database(databasePath, sqlite3.OPEN_READWRITE, (error) => {
	if (error) return fail(error);
	// Wait for n8n's own writes in progress, then hold the lock.
	db.configure('busyTimeout', 10_000);
	db.exec('BEGIN IMMEDIATE', (begun) => {
		if (begun) return fail(begun);
		process.stdout.write('locked\n');
		// Also when the test process goes away without releasing (stdin closes).
		process.stdin.once('end', () => process.exit(0));
		process.stdin.once('data', () =>
			db.exec('ROLLBACK', (rolledBack) => {
				if (rolledBack) return fail(rolledBack);
				db.close(() => {
					process.stdout.write('released\n');
					process.exit(0);
				});
			}),
		);
	});
});
