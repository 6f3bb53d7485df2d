import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { N8nInstall } from './install';
import { spawnGroup, stopGroup } from './processes';

/** The roles of n8n's queue mode: `n8n start`, `n8n webhook`, `n8n worker`. */
export type QueueRole = 'main' | 'webhook' | 'worker';

const COMMAND: Record<QueueRole, string[]> = { main: ['start'], webhook: ['webhook'], worker: ['worker'] };

const readiness = new Map<string, string>();

/**
 * `/healthz/readiness` (200 once the database is connected and migrated), or `/healthz` on
 * releases without that route: n8n 1.41.1 and 1.49.0 (`dist/AbstractServer.js:102` registers only
 * `/healthz`; an unknown path there may be answered by the editor's page). 1.94.1 and 1.123.81
 * have it (`dist/abstract-server.js`), as 2.x does. Main's REST check follows in either case.
 */
export function readinessPath(install: N8nInstall): string {
	let path = readiness.get(install.n8nDir);
	if (!path) {
		const dist = join(install.n8nDir, 'node_modules', 'n8n', 'dist');
		const old = install.major < 2 && ['AbstractServer.js', 'abstract-server.js'].every((file) => !existsSync(join(dist, file)) || !readFileSync(join(dist, file), 'utf8').includes('/healthz/readiness'));
		path = old ? '/healthz' : '/healthz/readiness';
		readiness.set(install.n8nDir, path);
	}
	return path;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface N8nProcessOptions {
	/** Further command-line arguments (e.g. a worker's `--concurrency`). */
	args?: string[];
	/** Log lines also go to this process's stderr (default: only to the log file). */
	echoLog?: boolean;
}

/**
 * One n8n process (`N8nInstance`'s, or one of a queue-mode cluster), in its own user folder
 * (its own `.n8n/nodes`), in a process group of its own that never outlives the test process
 * (processes.ts). `port` is where it answers `/healthz/readiness`: the HTTP port of main and
 * webhook processes, the worker's health-check port (QUEUE_HEALTH_CHECK_PORT).
 */
export class N8nProcess {
	readonly logFile: string;
	readonly baseUrl: string;
	private child: ChildProcess | undefined;

	constructor(
		readonly name: string,
		readonly role: QueueRole,
		private readonly install: N8nInstall,
		readonly userFolder: string,
		readonly port: number,
		/** The environment it runs with (also what a CLI command for this folder needs). */
		readonly environment: () => NodeJS.ProcessEnv,
		private readonly options: N8nProcessOptions = {},
	) {
		this.logFile = join(userFolder, 'n8n.log');
		this.baseUrl = `http://127.0.0.1:${port}`;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/**
	 * Starts the process and waits for `/healthz/readiness` (200), then for `ready` (further
	 * checks); a failure of either says so with the end of the process's log.
	 */
	async launch(timeoutMs = 180_000, ready?: () => Promise<void>): Promise<void> {
		if (this.running) throw new Error(`${this.name} is already running`);
		const logOffset = this.logOffset();
		const log = openSync(this.logFile, 'a');
		try {
			this.child = spawnGroup(this.install.node, [this.install.n8nBin, ...COMMAND[this.role], ...(this.options.args ?? [])], {
				cwd: this.userFolder,
				env: this.environment(),
				stdio: ['ignore', log, log],
			});
		} finally {
			closeSync(log);
		}
		if (this.options.echoLog) this.echoLogFrom(logOffset, this.child);
		const started = Date.now();
		try {
			const path = readinessPath(this.install);
			await this.waitFor('readiness', async () => (await this.status('GET', path)) === 200, timeoutMs);
			await ready?.();
		} catch (error) {
			throw new Error(`${this.name}: ${(error as Error).message} (n8n ${this.install.version}, ${Date.now() - started} ms)\n--- ${this.name} log ---\n${this.logTail(logOffset)}`);
		}
	}

	/** Copies what n8n appends to its log file to this process's stderr while it runs. */
	private echoLogFrom(offset: number, child: ChildProcess): void {
		let position = offset;
		const copy = () => {
			const size = this.logOffset();
			if (size <= position) return;
			process.stderr.write(readFileSync(this.logFile).subarray(position, size));
			position = size;
		};
		const timer = setInterval(copy, 250);
		timer.unref();
		child.once('exit', () => {
			clearInterval(timer);
			copy();
		});
	}

	/** Polls `check` until it holds; fails at once if the process exits. */
	async waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const child = this.child;
			if (!child || child.exitCode !== null || child.signalCode !== null) {
				throw new Error(`${this.name} exited (${child?.signalCode ?? child?.exitCode}) while waiting for ${what}`);
			}
			if (await check().catch(() => false)) return;
			if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} of ${this.name}`);
			await sleep(150);
		}
	}

	async status(method: string, path: string, headers?: Record<string, string>): Promise<number> {
		const response = await fetch(`${this.baseUrl}${path}`, { method, headers });
		await response.arrayBuffer();
		return response.status;
	}

	/** SIGTERM to the group (n8n shuts down gracefully), SIGKILL after 15 s. */
	async halt(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		if (child) await stopGroup(child);
	}

	/** `signal` (default SIGKILL: a crash) to the whole group, the task runner included. */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		const child = this.child;
		this.child = undefined;
		if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		process.kill(-child.pid, signal);
		await exited;
	}

	logOffset(): number {
		try {
			return statSync(this.logFile).size;
		} catch {
			return 0;
		}
	}

	logText(fromOffset = 0): string {
		try {
			return readFileSync(this.logFile).subarray(fromOffset).toString('utf8');
		} catch {
			return '';
		}
	}

	logTail(fromOffset = 0, lines = 60): string {
		return this.logText(fromOffset).split('\n').slice(-lines).join('\n');
	}
}
