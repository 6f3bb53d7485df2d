import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn } from 'node:child_process';

/**
 * Child processes that must never outlive the test run (n8n and its task runner).
 *
 * Each is started as the leader of its own process group (`detached`), so that killing the
 * group by id also ends what it started. They are ended when this process exits, on SIGINT,
 * SIGTERM and SIGHUP, and, should this process be killed outright (SIGKILL, a crashed jest
 * worker), by a one-line shell watchdog that polls this process's id once a second.
 */

const groups = new Map<number, ChildProcess>();
let handlersInstalled = false;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

function killAllNow(): void {
	for (const pid of groups.keys()) signalGroup(pid, 'SIGKILL');
	groups.clear();
}

function installHandlers(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.once('exit', killAllNow);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			killAllNow();
			// Our listener suppressed the default action; restore it and re-raise.
			process.kill(process.pid, signal);
		});
	}
}

/** Kills the group `pid` once the process `parentPid` is gone. Detached so it survives it. */
function startWatchdog(pid: number): void {
	const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${pid} 2>/dev/null; do sleep 1; done; kill -KILL -${pid} 2>/dev/null; exit 0`;
	const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
	watchdog.unref();
}

/** Spawns `command` as a process-group leader that is killed with this process. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
	installHandlers();
	const child = spawn(command, args, { ...options, detached: true });
	if (child.pid === undefined) throw new Error(`Could not start ${command}`);
	const pid = child.pid;
	groups.set(pid, child);
	child.once('exit', () => {
		// The leader is gone; anything it left in its group goes with it.
		signalGroup(pid, 'SIGKILL');
		groups.delete(pid);
	});
	startWatchdog(pid);
	return child;
}

function exited(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Ends the group led by `child`: SIGTERM (n8n shuts down gracefully, finishing what runs),
 * then SIGKILL after `graceMs`.
 */
export async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<void> {
	const pid = child.pid;
	if (pid === undefined) return;
	const done = exited(child);
	signalGroup(pid, 'SIGTERM');
	const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
	if ((await Promise.race([done, timer])) === 'timeout') signalGroup(pid, 'SIGKILL');
	await done;
	signalGroup(pid, 'SIGKILL');
	groups.delete(pid);
}

/** Runs a command to completion, capturing its output; rejects with both streams on failure. */
export function run(
	command: string,
	args: readonly string[],
	options: SpawnOptions & { passStderr?: boolean } = {},
): Promise<{ stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const { passStderr, ...spawnOptions } = options;
		const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
			if (passStderr) process.stderr.write(chunk);
		});
		child.once('error', reject);
		child.once('exit', (code, signal) => {
			if (code === 0) resolve({ stdout, stderr });
			else {
				const tail = (text: string) => text.split('\n').slice(-40).join('\n');
				reject(
					new Error(
						`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
					),
				);
			}
		});
	});
}
