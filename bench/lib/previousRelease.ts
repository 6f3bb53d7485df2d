/**
 * An earlier version of the package (BENCH_PREVIOUS_REF: a commit, tag or branch; off by
 * default), built from git and renamed so that n8n loads it beside the current package in the
 * same instance, to check a change for regressions against it:
 *
 *   package name   n8n-nodes-voisnap → n8n-nodes-voisnap-previous (node type
 *                  n8n-nodes-voisnap-previous.voisnapTrigger)
 *   credential     voisnapApi → voisnapApiPrevious, wherever it occurs in the built JS (n8n keys
 *                  credential types by this name across all packages, so two would collide)
 *   display names  "Voisnap Trigger (previous)", "Voisnap API (previous)"
 *
 * Built once per commit into the install cache (…/n8n-nodes-voisnap/bench-previous-<sha>/),
 * from `git archive` (no worktree, nothing in the repository changes), with the current
 * checkout's node_modules when the commit's package-lock.json is the same (else `npm ci`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { REPO_DIR } from '../../test/harness';

export const PREVIOUS_PACKAGE = 'n8n-nodes-voisnap-previous';
export const PREVIOUS_TRIGGER_TYPE = `${PREVIOUS_PACKAGE}.voisnapTrigger`;
export const PREVIOUS_CREDENTIAL_TYPE = 'voisnapApiPrevious';

export interface PreviousRelease {
	/** Full commit id. */
	commit: string;
	/** A folder holding package.json and dist/, to install like any community package. */
	packageDir: string;
}

function cacheRoot(): string {
	return process.env.VOISNAP_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n8n-nodes-voisnap');
}

function git(args: string[]): string {
	return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).trim();
}

/** npm without the npm_config_* that `npm run bench` hands down (they would change npm ci). */
function npm(args: string[], cwd: string): void {
	const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_(config|package|lifecycle)_/.test(name)));
	const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
	if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

/** The renames above, applied to the built files; returns how many credential names changed. */
function renameBuilt(distDir: string): number {
	let credentialNames = 0;
	for (const file of filesUnder(distDir)) {
		if (file.endsWith('.map')) {
			rmSync(file); // they point at sources that are not shipped
			continue;
		}
		if (!/\.(js|json|d\.ts)$/.test(file)) continue;
		const before = readFileSync(file, 'utf8');
		const after = before
			.replace(/\bvoisnapApi\b/g, () => {
				credentialNames++;
				return PREVIOUS_CREDENTIAL_TYPE;
			})
			.replace(/\bn8n-nodes-voisnap\.voisnapTrigger\b/g, PREVIOUS_TRIGGER_TYPE)
			.replace(/(displayName\s*[:=]\s*)(['"])Voisnap (Trigger|API)\2/g, '$1$2Voisnap $3 (previous)$2')
			.replace(/(defaults\s*:\s*\{\s*name\s*:\s*)(['"])Voisnap Trigger\2/g, '$1$2Voisnap Trigger (previous)$2');
		if (after !== before) writeFileSync(file, after);
	}
	return credentialNames;
}

/** Loads the renamed node and credential and checks what n8n will read from them. */
function checkRenamed(packageDir: string, nodeModules: string): void {
	const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
	const script = `
		const [node, credential] = process.argv.slice(1).map((file) => Object.values(require(file))[0]);
		const n = new node(), c = new credential();
		const d = n.description;
		const problems = [];
		if (c.name !== ${JSON.stringify(PREVIOUS_CREDENTIAL_TYPE)}) problems.push('credential name ' + c.name);
		if (!/\\(previous\\)$/.test(c.displayName)) problems.push('credential displayName ' + c.displayName);
		if (!/\\(previous\\)$/.test(d.displayName)) problems.push('node displayName ' + d.displayName);
		if ((d.credentials || []).some((entry) => entry.name !== ${JSON.stringify(PREVIOUS_CREDENTIAL_TYPE)})) problems.push('node credentials ' + JSON.stringify(d.credentials));
		if (problems.length) { console.error(problems.join('; ')); process.exit(1); }
	`;
	const result = spawnSync(process.execPath, ['-e', script, join(packageDir, manifest.n8n.nodes[0]), join(packageDir, manifest.n8n.credentials[0])], {
		env: { ...process.env, NODE_PATH: nodeModules },
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`the renamed previous release does not load as expected: ${result.stderr}`);
}

function build(commit: string, target: string, log: (message: string) => void): void {
	const scratch = mkdtempSync(join(cacheRoot(), `bench-previous-${commit.slice(0, 12)}.tmp-`));
	try {
		const source = join(scratch, 'source');
		mkdirSync(source);
		execFileSync('sh', ['-c', `git archive --format=tar "$1" | tar -x -C "$2"`, 'sh', commit, source], { cwd: REPO_DIR });
		const sameLock = readFileSync(join(source, 'package-lock.json'), 'utf8') === readFileSync(join(REPO_DIR, 'package-lock.json'), 'utf8');
		if (sameLock && existsSync(join(REPO_DIR, 'node_modules'))) {
			symlinkSync(join(REPO_DIR, 'node_modules'), join(source, 'node_modules'));
		} else {
			log(`previous release: npm ci in ${source} (its package-lock.json differs from this checkout's)`);
			npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], source);
		}
		npm(['run', '--silent', 'build'], source);

		const packageDir = join(scratch, 'package');
		mkdirSync(packageDir);
		cpSync(join(source, 'dist'), join(packageDir, 'dist'), { recursive: true });
		const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
		const { scripts: _scripts, devDependencies: _dev, ...kept } = manifest;
		writeFileSync(
			join(packageDir, 'package.json'),
			`${JSON.stringify({ ...kept, name: PREVIOUS_PACKAGE, description: `${String(manifest.description)} (previous release, commit ${commit.slice(0, 7)}, for the benchmark)`, private: true }, null, 2)}\n`,
		);
		const renamed = renameBuilt(join(packageDir, 'dist'));
		if (renamed === 0) throw new Error(`no "voisnapApi" found in the build of ${commit}: nothing was renamed`);
		checkRenamed(packageDir, join(source, 'node_modules'));
		writeFileSync(join(packageDir, 'BUILT_FROM'), `${commit}\n`);
		// Complete only once renamed into place.
		renameSync(packageDir, target);
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}

/** Builds (or finds in the cache) the version at `ref`, renamed for installing beside this one. */
export function previousRelease(ref: string, log: (message: string) => void): PreviousRelease {
	const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
	mkdirSync(cacheRoot(), { recursive: true });
	const packageDir = join(cacheRoot(), `bench-previous-${commit}`);
	if (!existsSync(join(packageDir, 'package.json'))) {
		const started = Date.now();
		log(`previous release: building commit ${commit.slice(0, 7)} into ${packageDir}`);
		build(commit, packageDir, log);
		log(`previous release: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	}
	return { commit, packageDir };
}
