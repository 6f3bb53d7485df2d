/**
 * The README's first steps, run the way a newcomer runs them: `npm start`, then
 * `npm run send-event -- SessionEnded` and `-- --tamper` from another terminal, through npm.
 * npm hands its scripts the project's .npmrc (ignore-scripts=true) as npm_config_* variables;
 * the n8n these commands start must work regardless (it once died with "SQLite package has
 * not been found installed").
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { REPO_DIR, freePort } from '../harness';
import { run, stopGroup } from '../harness/processes';
import { START_FILE } from '../../scripts/lib/sendEvent';
import { N8N_VERSION, START_TIMEOUT_MS, TEST_TIMEOUT_MS } from './support';

const READY_LINE = /is running with n8n-nodes-voisnap/;

describe(`npm start and npm run send-event (n8n ${N8N_VERSION})`, () => {
	let start: ChildProcess;
	let port: number;
	let output = '';

	beforeAll(async () => {
		port = await freePort();
		// A process group of its own, as a terminal gives it, so that Ctrl-C reaches all of it.
		start = spawn('npm', ['start'], {
			cwd: REPO_DIR,
			detached: true,
			env: { ...process.env, N8N_VERSION, N8N_PORT: String(port), VOISNAP_WEBHOOK_SECRET: '' },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const ready = new Promise<void>((resolve, reject) => {
			const onData = (chunk: Buffer) => {
				output += chunk.toString();
				if (READY_LINE.test(output)) resolve();
			};
			start.stdout?.on('data', onData);
			start.stderr?.on('data', onData);
			start.once('exit', (code, signal) => reject(new Error(`npm start exited (${signal ?? code}):\n${output.slice(-4000)}`)));
		});
		await ready;
	}, START_TIMEOUT_MS);

	afterAll(async () => {
		if (start) await stopGroup(start);
	});

	const sendEvent = (...args: string[]) =>
		run('npm', ['run', '--silent', 'send-event', '--', ...args], { cwd: REPO_DIR, env: process.env }).then(
			({ stdout }) => ({ status: 0, stdout }),
			(error: Error) => ({ status: 1, stdout: error.message }),
		);

	it('prints the editor and Production URLs and writes .tmp/start.json', () => {
		expect(output).toMatch(/Production URL {2}http:\/\/127\.0\.0\.1:\d+\/webhook\/[0-9a-f-]+\/webhook/);
		const info = JSON.parse(readFileSync(join(REPO_DIR, START_FILE), 'utf8')) as Record<string, string>;
		expect(info.secret).toMatch(/^whsec_/);
		expect(output).toContain(info.webhookUrl);
	});

	it('leaves no plain-text credential file in the n8n user folder', () => {
		const logFile = /n8n's log: (\S+)/.exec(output)?.[1];
		expect(logFile).toBeDefined();
		const userFolder = dirname(logFile as string);
		expect(existsSync(join(userFolder, '.n8n', 'database.sqlite'))).toBe(true);
		expect(readdirSync(userFolder).filter((name) => /credential/i.test(name))).toEqual([]);
	});

	it('npm run send-event -- SessionEnded is accepted', async () => {
		const { status, stdout } = await sendEvent('SessionEnded');
		expect(stdout).toMatch(/← 200 \{"received":true\}/);
		expect(stdout).toContain('✓ Accepted.');
		expect(status).toBe(0);
	}, TEST_TIMEOUT_MS);

	it('npm run send-event -- --tamper sends a SessionEnded and sees it refused with 401', async () => {
		const { status, stdout } = await sendEvent('--tamper');
		expect(stdout).toMatch(/SessionEnded/);
		expect(stdout).toMatch(/← 401 \{"error":"Invalid signature"\}/);
		expect(status).toBe(0);
	}, TEST_TIMEOUT_MS);

	it('Ctrl-C stops n8n and removes .tmp/start.json', async () => {
		// What a terminal does on Ctrl-C: SIGINT to the whole foreground group. npm itself exits
		// at once; the start script goes on to stop n8n.
		process.kill(-(start.pid as number), 'SIGINT');
		const deadline = Date.now() + 60_000;
		const n8nAnswers = () =>
			fetch(`http://127.0.0.1:${port}/healthz`).then(
				() => true,
				() => false,
			);
		while ((existsSync(join(REPO_DIR, START_FILE)) || (await n8nAnswers())) && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(existsSync(join(REPO_DIR, START_FILE))).toBe(false);
		expect(await n8nAnswers()).toBe(false);
	}, TEST_TIMEOUT_MS);
});
