/**
 * `npm run test:compat -- [versions…]`: the compatibility runner. For each n8n release (one at a
 * time, default set below; `latest` = the newest n8n on npm now) it installs that n8n
 * (scripts/install-n8n.sh, cached per release outside the clone), then for each install route
 * runs the compat jest project (test/compat/compat.test.ts) with N8N_VERSION and
 * VOISNAP_INSTALL_ROUTE, and finally merges the results into docs/compatibility.md
 * (scripts/lib/compatReport.ts). Every release has a bounded time; one that overruns is killed
 * and reported "timed out", one whose install fails "does not install here".
 *
 * Environment:
 *   VOISNAP_COMPAT_ROUTES        routes to run (default "installer readme")
 *   VOISNAP_COMPAT_TIMEOUT_MIN   minutes per release, install included (default 30)
 *   VOISNAP_COMPAT_OUT           folder for results.jsonl and the logs (default .tmp/compat/<time>)
 *   VOISNAP_COMPAT_DOC           the document to merge into (default docs/compatibility.md; "-" for none)
 *   VOISNAP_COMPAT_QUEUE         releases that also run queue mode (default "1.123.81 2.8.0 2.8.4 2.41.1 latest")
 *   VOISNAP_COMPAT_ENGINE_V2     releases that also run an Engine 2.0 workflow (default "2.41.1 latest")
 *   VOISNAP_COMPAT_BURST         deliveries per burst (default 100)
 *   VOISNAP_COMPAT_COMMIT        the commit to stamp the rows with (default: this checkout's HEAD)
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { ReleaseOutcome, Row } from './lib/compatReport';
import { mergeRows, regressions, renderDocument, rowsOfDocument, rowsOfResults } from './lib/compatReport';

const REPO_DIR = resolve(__dirname, '..');
// 2.8.0 does not install from every registry (the one here lacks the @n8n/ai-workflow-builder
// 1.8.0 it pins): 2.8.4, the same line's patch, stands in for it where it fails.
export const DEFAULT_RELEASES = ['1.41.1', '1.49.0', '1.94.1', '1.123.81', '2.7.5', '2.8.0', '2.8.4', '2.39.0', '2.41.1'];
const words = (value: string | undefined, fallback: string) => (value?.trim() || fallback).split(/[\s,]+/).filter(Boolean);

const routes = words(process.env.VOISNAP_COMPAT_ROUTES, 'installer readme');
const timeoutMs = Number(process.env.VOISNAP_COMPAT_TIMEOUT_MIN || 30) * 60_000;
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const outDir = resolve(process.env.VOISNAP_COMPAT_OUT || join(REPO_DIR, '.tmp', 'compat', stamp));
const docPath = process.env.VOISNAP_COMPAT_DOC === '-' ? undefined : resolve(REPO_DIR, process.env.VOISNAP_COMPAT_DOC || join('docs', 'compatibility.md'));
const queueReleases = words(process.env.VOISNAP_COMPAT_QUEUE, '1.123.81 2.8.0 2.8.4 2.41.1 latest');
const engineV2Releases = words(process.env.VOISNAP_COMPAT_ENGINE_V2, '2.41.1 latest');
const results = join(outDir, 'results.jsonl');
/** The code measured: taken once, at the start. */
const measuredCommit = commit();

function say(message: string): void {
	process.stdout.write(`[compat ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function note(row: Omit<Row, 'table' | 'release' | 'route'> & Pick<Row, 'table' | 'release' | 'route'>): void {
	appendFileSync(results, `${JSON.stringify(row)}\n`);
}

/** This checkout's commit (VOISNAP_COMPAT_COMMIT if set), `-dirty` when files other than the document differ from it. */
function commit(): string {
	if (process.env.VOISNAP_COMPAT_COMMIT) return process.env.VOISNAP_COMPAT_COMMIT;
	try {
		const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_DIR, encoding: 'utf8' })
			.split('\n')
			.filter((line) => line.trim() && !line.endsWith('docs/compatibility.md'));
		return dirty.length ? `${head}-dirty` : head;
	} catch {
		return 'unknown';
	}
}

/** Runs a command in a process group of its own, output to `logFile` (lines starting with `[` echoed), killed at `deadline`. */
function runBounded(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, deadline: number): Promise<{ code: number | null; timedOut: boolean }> {
	return new Promise((done) => {
		const log = createWriteStream(logFile, { flags: 'a' });
		const child: ChildProcess = spawn(command, args, { cwd: REPO_DIR, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		let pending = '';
		const echo = (chunk: Buffer) => {
			log.write(chunk);
			pending += chunk.toString();
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) if (/^\[(compat|install-n8n)\]/.test(line)) process.stdout.write(`  ${line}\n`);
		};
		child.stdout?.on('data', echo);
		child.stderr?.on('data', echo);
		let timedOut = false;
		const kill = (signal: NodeJS.Signals) => {
			try {
				if (child.pid) process.kill(-child.pid, signal);
			} catch {
				// gone
			}
		};
		const timer = setTimeout(() => {
			timedOut = true;
			kill('SIGTERM');
			setTimeout(() => kill('SIGKILL'), 30_000).unref();
		}, Math.max(1_000, deadline - Date.now()));
		const onSignal = () => kill('SIGKILL');
		process.once('exit', onSignal);
		child.once('exit', (code) => {
			clearTimeout(timer);
			process.removeListener('exit', onSignal);
			log.end();
			done({ code, timedOut });
		});
	});
}

function render(): void {
	if (!docPath || !existsSync(results)) return;
	const old = existsSync(docPath) ? rowsOfDocument(readFileSync(docPath, 'utf8')) : [];
	const packageVersion = (JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string }).version;
	const fresh = rowsOfResults(readFileSync(results, 'utf8').split('\n'), { packageVersion, commit: measuredCommit, date: new Date().toISOString().slice(0, 10) });
	writeFileSync(docPath, renderDocument(mergeRows(old, fresh)));
}

function newestN8n(): string {
	return execFileSync('npm', ['view', 'n8n', 'version'], { encoding: 'utf8', env: { ...process.env, npm_config_ignore_scripts: undefined } }).trim();
}

async function checkRelease(release: string): Promise<ReleaseOutcome> {
	const started = Date.now();
	const deadline = started + timeoutMs;
	const env = { ...process.env, N8N_VERSION: release, VOISNAP_COMPAT_RESULTS: results, VOISNAP_COMPAT_LOG_DIR: outDir };
	say(`n8n ${release}: installing (scripts/install-n8n.sh; cached after the first time)`);
	const install = await runBounded('bash', [join(REPO_DIR, 'scripts', 'install-n8n.sh'), release], env, join(outDir, `install-${release}.log`), deadline);
	const installSeconds = Math.round((Date.now() - started) / 1000);
	if (install.code !== 0) {
		const lines = readFileSync(join(outDir, `install-${release}.log`), 'utf8').split('\n');
		const reason = lines.find((line) => /No matching version|notarget|ETARGET|ERESOLVE|E404/i.test(line)) ?? lines.filter((line) => /npm error|ERROR/.test(line) && !/complete log/.test(line)).pop();
		const tail = (reason ?? '').replace(/^npm error (notarget )?/, '').trim().slice(0, 300);
		const status = install.timedOut ? `timed out installing (${installSeconds} s)` : `does not install here${tail ? `: ${tail}` : ''}`;
		say(`n8n ${release}: ${status}`);
		for (const route of routes) note({ table: 'regular', release, route, status });
		note({ table: 'release', release, route: '-', status, installSeconds, releaseSeconds: installSeconds });
		return { release, installed: false, failedRoutes: [] };
	}
	say(`n8n ${release}: installed in ${installSeconds} s`);
	let status = 'done';
	const failedRoutes: string[] = [];
	for (const route of routes) {
		if (Date.now() > deadline) {
			note({ table: 'regular', release, route, status: 'timed out (no time left for this route)' });
			status = 'timed out';
			failedRoutes.push(route);
			continue;
		}
		const routeStarted = Date.now();
		say(`n8n ${release}, route ${route}: running the compat suite`);
		const extra = {
			VOISNAP_INSTALL_ROUTE: route,
			VOISNAP_COMPAT_QUEUE: route === 'installer' && queueReleases.includes(release) ? '1' : '0',
			VOISNAP_COMPAT_ENGINE_V2: route === 'installer' && engineV2Releases.includes(release) ? '1' : '0',
		};
		const jest = await runBounded(
			'npx',
			['jest', '--selectProjects', 'compat', '--runInBand', '--ci', '--forceExit'],
			{ ...env, ...extra },
			join(outDir, `jest-${release}-${route}.log`),
			deadline,
		);
		const seconds = Math.round((Date.now() - routeStarted) / 1000);
		if (jest.timedOut) {
			note({ table: 'regular', release, route, status: `timed out (after ${seconds} s)` });
			status = 'timed out';
		}
		if (jest.timedOut || jest.code !== 0) failedRoutes.push(route);
		say(`n8n ${release}, route ${route}: ${jest.timedOut ? 'timed out' : jest.code === 0 ? 'finished, no check failed (a route that cannot install skips the checks: see the rows)' : 'finished, some checks failed (see the rows)'} in ${seconds} s`);
	}
	note({ table: 'release', release, route: '-', status, installSeconds, releaseSeconds: Math.round((Date.now() - started) / 1000) });
	return { release, installed: true, failedRoutes };
}

async function main(): Promise<void> {
	mkdirSync(outDir, { recursive: true });
	let releases = process.argv.slice(2).filter(Boolean);
	if (releases.length === 0) releases = DEFAULT_RELEASES;
	releases = releases.map((release) => {
		if (release !== 'latest') return release;
		const newest = newestN8n();
		if (queueReleases.includes('latest')) queueReleases.push(newest);
		if (engineV2Releases.includes('latest')) engineV2Releases.push(newest);
		return newest;
	});
	say(`releases ${releases.join(', ')}; routes ${routes.join(', ')}; ${timeoutMs / 60_000} min per release; results and logs in ${outDir}`);
	const outcomes: ReleaseOutcome[] = [];
	for (const release of releases) {
		outcomes.push(await checkRelease(release));
		render();
	}
	if (docPath) say(`wrote ${docPath}`);
	// The rows are written either way; the exit code is what a workflow (compat.yml, and
	// publish.yml through it) can fail on.
	const failed = regressions(outcomes);
	if (failed.length > 0) {
		say(`failed checks on supported releases: ${failed.join('; ')}`);
		process.exitCode = 1;
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
