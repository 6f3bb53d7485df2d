/**
 * The servers queue mode runs on: Postgres and Redis from Debian's packages (installed when
 * missing), on loopback, on free ports, in their own folders, stopped by PID, and gone when the
 * process that started them dies without stopping them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { PostgresServer, REPO_DIR, RedisServer } from '../../harness';
import { eventually } from './support';

jest.setTimeout(5 * 60_000);

function alive(pid: number | undefined): boolean {
	if (pid === undefined) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** The local addresses listening on `port` (from /proc/net/tcp and tcp6), e.g. ['127.0.0.1']. */
function listeningAddresses(port: number): string[] {
	const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
	return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
		readFileSync(file, 'utf8')
			.split('\n')
			.slice(1)
			.map((line) => line.trim().split(/\s+/))
			.filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
			.map(([, local]) => {
				const address = local.split(':')[0];
				// IPv4 is four bytes in host order; an IPv6 address is left in hex (never loopback-only here).
				if (address.length !== 8) return `ipv6:${address}`;
				return (address.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.');
			}),
	);
}

test('Postgres and Redis start on free loopback ports (not 5432 or 6379), answer, and stop by PID, their folders removed', async () => {
	const [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
	try {
		expect([postgres.port, redis.port]).not.toContain(5432);
		expect([postgres.port, redis.port]).not.toContain(6379);
		expect(await postgres.psql('SELECT 40 + 2 AS answer')).toMatch(/\b42\b/);
		expect({ postgres: listeningAddresses(postgres.port), redis: listeningAddresses(redis.port) }).toEqual({ postgres: ['127.0.0.1'], redis: ['127.0.0.1'] });
		// Postgres refuses root: as root the harness runs it as Debian's `postgres` user.
		if (process.getuid?.() === 0) expect(readFileSync(`/proc/${postgres.pid}/status`, 'utf8')).not.toMatch(/^Uid:\s+0\s/m);
	} finally {
		await Promise.all([postgres.stop(), redis.stop()]);
	}
	expect([alive(postgres.pid), alive(redis.pid)]).toEqual([false, false]);
	expect([existsSync(postgres.folder), existsSync(redis.folder)]).toEqual([false, false]);
});

test('a process killed with SIGKILL while its Postgres and Redis run leaves neither running', async () => {
	const child = spawn('npx', ['tsx', join(__dirname, 'fixtures', 'startServices.ts')], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	let errors = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
	await eventually('the servers to start', () => output.includes('\n') || child.exitCode !== null, 120_000);
	expect(errors).toBe('');
	const started = JSON.parse(output.split('\n')[0]) as { owner: number; pids: number[]; folders: string[] };
	try {
		expect(started.pids.map(alive)).toEqual([true, true]);
		// The process that started them (npx and tsx run it as a child), killed outright: no exit handler runs.
		process.kill(started.owner, 'SIGKILL');
		await eventually('the servers to be gone', () => !started.pids.some(alive), 15_000);
	} finally {
		if (child.exitCode === null) child.kill('SIGKILL');
		// Nothing could remove them after a SIGKILL.
		for (const folder of started.folders) rmSync(folder, { recursive: true, force: true });
	}
});
