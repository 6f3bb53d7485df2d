import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { N8nInstance } from './instance';

const LOCKER = join(__dirname, 'sqlite-lock.cjs');

/** A held write lock on an instance's SQLite database (see sqlite-lock.cjs). */
export interface SqliteWriteLock {
	release(): Promise<void>;
}

/**
 * Takes SQLite's write lock on the instance's database from another process: until `release()`,
 * each write n8n tries fails at once (SQLITE_BUSY), as under a long write elsewhere.
 */
export async function holdSqliteWriteLock(n8n: N8nInstance, timeoutMs = 15_000): Promise<SqliteWriteLock> {
	const child = spawn(n8n.install.node, [LOCKER, n8n.install.n8nDir, n8n.database.path], { stdio: ['pipe', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const lines = createInterface({ input: child.stdout });
	const next = (expected: string) =>
		new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				child.kill('SIGKILL');
				reject(new Error(`sqlite-lock: no "${expected}" within ${timeoutMs} ms: ${stderr}`));
			}, timeoutMs);
			const onExit = (code: number | null) => {
				clearTimeout(timer);
				reject(new Error(`sqlite-lock exited (${code}) before "${expected}": ${stderr}`));
			};
			child.once('exit', onExit);
			lines.once('line', (line) => {
				clearTimeout(timer);
				child.off('exit', onExit);
				if (line === expected) resolve();
				else reject(new Error(`sqlite-lock printed ${line}: ${stderr}`));
			});
		});
	await next('locked');
	return {
		async release() {
			const released = next('released');
			child.stdin.write('release\n');
			await released;
		},
	};
}
