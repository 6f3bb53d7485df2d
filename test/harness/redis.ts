import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureDebianPackages } from './debianPackages';
import { freePort } from './ports';
import { spawnGroup, stopGroup } from './processes';

const REDIS_SERVER = '/usr/bin/redis-server';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends PING, resolves true on +PONG. */
function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		let answer = '';
		socket.setTimeout(1_000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolve(answer.startsWith('+PONG')));
		socket.on('error', () => resolve(false));
	});
}

/**
 * A Redis server of Debian's `redis-server` package (installed when missing) for n8n's job
 * queue: 127.0.0.1, a free port, its own folder, no persistence (the queue lives as long as the
 * test). `stop()` ends it by its PID and removes the folder; it is killed with this process
 * otherwise.
 */
export class RedisServer {
	private constructor(
		readonly folder: string,
		private readonly child: ChildProcess,
		readonly port: number,
		readonly logFile: string,
	) {}

	static async start(): Promise<RedisServer> {
		await ensureDebianPackages([{ name: 'redis-server', present: () => existsSync(REDIS_SERVER) }]);
		const folder = mkdtempSync(join(tmpdir(), 'voisnap-redis-'));
		process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
		const port = await freePort();
		const logFile = join(folder, 'redis.log');
		const log = openSync(logFile, 'a');
		let child: ChildProcess;
		try {
			child = spawnGroup(
				REDIS_SERVER,
				['--bind', '127.0.0.1', '--port', String(port), '--dir', folder, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
				{ cwd: folder, stdio: ['ignore', log, log] },
			);
		} finally {
			closeSync(log);
		}
		const server = new RedisServer(folder, child, port, logFile);
		const deadline = Date.now() + 30_000;
		while (!(await ping(port))) {
			if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
				await server.stop();
				throw new Error(`redis-server did not answer PING:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
			}
			await sleep(50);
		}
		return server;
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	/** SIGTERM by PID (nothing to save), SIGKILL after 5 s; removes the folder. */
	async stop(): Promise<void> {
		await stopGroup(this.child, 5_000);
		rmSync(this.folder, { recursive: true, force: true });
	}
}
