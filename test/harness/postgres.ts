import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureDebianPackages } from './debianPackages';
import { freePort } from './ports';
import { run, spawnGroup, stopGroup } from './processes';

/** What n8n (DB_POSTGRESDB_*) and the database reader need to connect. */
export interface PostgresConnection {
	host: string;
	port: number;
	user: string;
	password: string;
	database: string;
}

const POSTGRES_ROOT = '/usr/lib/postgresql';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Debian's server binaries: /usr/lib/postgresql/<newest version>/bin, or undefined. */
function binDir(): string | undefined {
	if (!existsSync(POSTGRES_ROOT)) return undefined;
	const versions = readdirSync(POSTGRES_ROOT)
		.filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'postgres')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length > 0 ? join(POSTGRES_ROOT, versions[0], 'bin') : undefined;
}

/** The uid and gid to run the server as: Postgres refuses to run as root. */
async function serverIdentity(): Promise<{ uid: number; gid: number } | undefined> {
	if (process.getuid?.() !== 0) return undefined;
	const { stdout: uid } = await run('id', ['-u', 'postgres']);
	const { stdout: gid } = await run('id', ['-g', 'postgres']);
	return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/**
 * A PostgreSQL server of Debian's package (installed when missing), in a cluster of its own:
 * a fresh data folder in the temp dir, a free port on 127.0.0.1, no Unix socket, password
 * authentication, run as the `postgres` user when this process is root. `stop()` ends it by
 * its PID (fast shutdown) and removes the folder; it is killed with this process otherwise.
 */
export class PostgresServer {
	private constructor(
		private readonly bin: string,
		readonly folder: string,
		private readonly child: ChildProcess,
		readonly port: number,
		private readonly password: string,
		readonly logFile: string,
	) {}

	static async start(): Promise<PostgresServer> {
		await ensureDebianPackages([{ name: 'postgresql', present: () => binDir() !== undefined }]);
		const bin = binDir() as string;
		const identity = await serverIdentity();
		const folder = mkdtempSync(join(tmpdir(), 'voisnap-postgres-'));
		process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
		// The server's user must reach its data folder inside.
		chmodSync(folder, 0o755);
		const data = join(folder, 'data');
		mkdirSync(data, { mode: 0o700 });
		const password = randomBytes(18).toString('base64url');
		const passwordFile = join(folder, 'password');
		writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
		if (identity) {
			chownSync(data, identity.uid, identity.gid);
			chownSync(passwordFile, identity.uid, identity.gid);
		}
		const asServer = { ...identity, cwd: folder, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } };
		await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-sync'], asServer);
		rmSync(passwordFile);

		const port = await freePort();
		const logFile = join(folder, 'postgres.log');
		const log = openSync(logFile, 'a');
		let child: ChildProcess;
		try {
			child = spawnGroup(
				join(bin, 'postgres'),
				['-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
				{ ...asServer, stdio: ['ignore', log, log] },
			);
		} finally {
			closeSync(log);
		}
		const server = new PostgresServer(bin, folder, child, port, password, logFile);
		await server.waitUntilReady();
		return server;
	}

	private async waitUntilReady(): Promise<void> {
		const deadline = Date.now() + 60_000;
		for (;;) {
			if (this.child.exitCode !== null || this.child.signalCode !== null) {
				throw new Error(`postgres exited (${this.child.signalCode ?? this.child.exitCode}):\n${readFileSync(this.logFile, 'utf8').slice(-3000)}`);
			}
			const ready = await run(join(this.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-q']).then(() => true, () => false);
			if (ready) return;
			if (Date.now() > deadline) throw new Error(`postgres not ready after 60 s:\n${readFileSync(this.logFile, 'utf8').slice(-3000)}`);
			await sleep(100);
		}
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	connection(database: string): PostgresConnection {
		return { host: '127.0.0.1', port: this.port, user: 'postgres', password: this.password, database };
	}

	private clientEnv(): NodeJS.ProcessEnv {
		return { PATH: process.env.PATH, PGPASSWORD: this.password, PGHOST: '127.0.0.1', PGPORT: String(this.port), PGUSER: 'postgres' };
	}

	/** Runs SQL with psql against `database`; stops at the first error. */
	async psql(sql: string, database = 'postgres'): Promise<string> {
		const { stdout } = await run(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { env: this.clientEnv() });
		return stdout;
	}

	/**
	 * Takes `LOCK TABLE <table> IN <mode> MODE` in a transaction of its own and holds it until
	 * `release()` (COMMIT): with EXCLUSIVE, readers go on and every writer waits, e.g. n8n storing
	 * an execution. The psql session ends, and the lock with it, when this process does.
	 */
	async lockTable(database: string, table: string, mode = 'EXCLUSIVE'): Promise<{ release: () => Promise<void> }> {
		const session = spawn(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database], {
			env: this.clientEnv(),
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let output = '';
		session.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		session.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const ended = new Promise<void>((resolve) => session.once('exit', () => resolve()));
		session.stdin.write(`BEGIN;\nLOCK TABLE ${table} IN ${mode} MODE;\n\\echo voisnap-locked\n`);
		const deadline = Date.now() + 30_000;
		while (!output.includes('voisnap-locked')) {
			if (session.exitCode !== null || Date.now() > deadline) {
				session.kill('SIGKILL');
				throw new Error(`psql did not lock ${table}: ${output}`);
			}
			await sleep(20);
		}
		return {
			release: async () => {
				session.stdin.end('COMMIT;\n');
				await ended;
			},
		};
	}

	async createDatabase(name: string): Promise<void> {
		await this.psql(`CREATE DATABASE "${name}"`);
	}

	/** Writes `database` as SQL to `file` (a migrated n8n schema, cached between runs). */
	async dump(database: string, file: string): Promise<void> {
		await run(join(this.bin, 'pg_dump'), ['--no-owner', '--no-privileges', '-d', database, '-f', file], { env: this.clientEnv() });
	}

	/** Loads a file written by `dump()` into `database`. */
	async restore(database: string, file: string): Promise<void> {
		await run(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', file], { env: this.clientEnv() });
	}

	/** Fast shutdown (SIGINT to the postmaster, by PID), SIGKILL after 10 s; removes the cluster. */
	async stop(): Promise<void> {
		if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
			process.kill(this.child.pid, 'SIGINT');
		}
		await stopGroup(this.child, 10_000);
		rmSync(this.folder, { recursive: true, force: true });
	}
}
