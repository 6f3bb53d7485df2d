import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { N8nInstall } from './install';
import { run } from './processes';

/**
 * The ways users get a community package into `~/.n8n/nodes`, emulated exactly (used by the
 * compatibility runner, test/compat, and available to `installPackages` in userFolder.ts):
 *
 * - `installer`: what the release's own Community Nodes installer runs, with the packed tarball
 *   in place of the registry spec (`<name>@<version>`):
 *   - n8n ≤ 1.92: `npm install <package>@<version>` in the nodes folder (created with
 *     `npm init -y` when missing), under an environment of only PATH, NODE_PATH and APPDATA: npm's
 *     defaults, so install scripts run and npm 7+ installs the `n8n-workflow` peer. n8n 1.49.0
 *     `dist/services/communityPackages.service.js:88-104` (exec) and `:233-237` (command); 1.88.0
 *     `dist/services/community-packages.service.js:255` adds only `--registry=`.
 *   - n8n ≥ 1.93: the tarball unpacked into `nodes/node_modules/<name>`, `devDependencies`,
 *     `peerDependencies` and `optionalDependencies` deleted from its package.json, then
 *     `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow
 *     --ignore-scripts=true --package-lock=false` inside that folder, and the nodes folder's
 *     package.json (`installed-nodes`) given the dependency. n8n 1.94.1
 *     `dist/services/community-packages.service.js:35-41` (flags), `:203-216` (package.json),
 *     `:358-374` (steps), `:385-389` (dependency).
 * - `readme`: the README's manual install, `cd ~/.n8n/nodes && npm install <tarball>` with npm's
 *   defaults (install scripts on, peers as npm decides).
 *
 * Every npm runs under the Node.js that runs that n8n (first on the PATH), never with the
 * project's npm configuration (the repository's .npmrc turns install scripts off; `npm run`
 * hands it down as npm_config_* variables).
 */
export type InstallRoute = 'installer' | 'readme';

export const INSTALL_ROUTES: readonly InstallRoute[] = ['installer', 'readme'];

/** The first n8n whose Community Nodes installer strips peer dependencies (PR #15104). */
export const STRIPPING_INSTALLER_FROM = '1.93.0';

export function isInstallRoute(value: string | undefined): value is InstallRoute {
	return value === 'installer' || value === 'readme';
}

/** `a` < `b` for dotted numeric versions. */
export function versionBelow(a: string, b: string): boolean {
	const pa = a.split('.').map(Number);
	const pb = b.split('.').map(Number);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		const x = pa[i] ?? 0;
		const y = pb[i] ?? 0;
		if (x !== y) return x < y;
	}
	return false;
}

/** What the route left in the nodes folder. */
export interface RouteOutcome {
	route: InstallRoute;
	/** The commands run, as a user would type them (the tarball's path shortened to its name). */
	commands: string[];
	/** Packages under nodes/node_modules, nested ones included. */
	packages: number;
	/** The version of an `n8n-workflow` installed beside the package (not n8n's own), if any. */
	secondN8nWorkflow: string | null;
}

/** Thrown when npm fails: the package does not install by this route on this n8n. */
export class PackageInstallError extends Error {
	constructor(
		readonly route: InstallRoute,
		readonly command: string,
		readonly output: string,
	) {
		super(`${route} route: \`${command}\` failed:\n${output.split('\n').slice(-25).join('\n')}`);
		this.name = 'PackageInstallError';
	}
}

/** The environment npm runs in: the machine's, minus npm's own variables, n8n's Node.js first. */
function npmEnvironment(install: N8nInstall, only?: string[]): NodeJS.ProcessEnv {
	const path = `${dirname(install.node)}:${process.env.PATH ?? ''}`;
	if (only) {
		// n8n ≤1.92 execs npm with PATH, NODE_PATH and APPDATA only.
		const env: NodeJS.ProcessEnv = { PATH: path };
		for (const name of only) if (process.env[name] !== undefined) env[name] = process.env[name];
		return env;
	}
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (!/^npm_(config|package|lifecycle)_/i.test(name)) env[name] = value;
	}
	env.PATH = path;
	return env;
}

async function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv, route: InstallRoute, shown: string): Promise<void> {
	try {
		await run('npm', args, { cwd, env });
	} catch (error) {
		throw new PackageInstallError(route, shown, (error as Error).message);
	}
}

function packageNameOf(tarballOrFolder: string): { name: string; version: string } {
	const file = existsSync(join(tarballOrFolder, 'package.json')) ? join(tarballOrFolder, 'package.json') : undefined;
	if (file) return JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
	const match = /([^/]+)-(\d+\.\d+\.\d+[^/]*)\.tgz$/.exec(tarballOrFolder);
	if (!match) throw new Error(`Cannot tell the package name of ${tarballOrFolder}`);
	return { name: match[1], version: match[2] };
}

/** Packages under a node_modules folder, nested node_modules included. */
export function countPackages(nodeModules: string): number {
	if (!existsSync(nodeModules)) return 0;
	let count = 0;
	for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
		if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
		const folder = join(nodeModules, entry.name);
		const folders = entry.name.startsWith('@') ? readdirSync(folder).map((name) => join(folder, name)) : [folder];
		for (const packageFolder of folders) {
			if (existsSync(join(packageFolder, 'package.json'))) count++;
			count += countPackages(join(packageFolder, 'node_modules'));
		}
	}
	return count;
}

/** An n8n-workflow the package would resolve before n8n's own (beside it, or inside it). */
export function secondN8nWorkflow(nodesDir: string, packageName: string): string | null {
	for (const folder of [join(nodesDir, 'node_modules', packageName, 'node_modules', 'n8n-workflow'), join(nodesDir, 'node_modules', 'n8n-workflow')]) {
		const file = join(folder, 'package.json');
		if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
	}
	return null;
}

/**
 * Installs one packed package (a tarball) into `<userFolder>/.n8n/nodes` by `route`, for the n8n
 * `install`. Throws `PackageInstallError` when npm fails.
 */
export async function installByRoute(userFolder: string, tarball: string, route: InstallRoute, install: N8nInstall): Promise<RouteOutcome> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const { name } = packageNameOf(tarball);
	const shownTarball = tarball.split('/').pop() ?? tarball;
	const commands: string[] = [];
	if (route === 'readme') {
		mkdirSync(nodesDir, { recursive: true });
		// "a folder with its own package.json" (the README's steps start from one).
		if (!existsSync(join(nodesDir, 'package.json'))) writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
		commands.push(`npm install ${shownTarball}`);
		await npm(['install', tarball], nodesDir, npmEnvironment(install), route, commands[0]);
	} else if (versionBelow(install.version, STRIPPING_INSTALLER_FROM)) {
		const env = npmEnvironment(install, ['NODE_PATH', 'APPDATA']);
		if (!existsSync(nodesDir)) {
			mkdirSync(nodesDir, { recursive: true });
			commands.push('npm init -y');
			await npm(['init', '-y'], nodesDir, env, route, 'npm init -y');
		}
		commands.push(`npm install ${shownTarball}`);
		await npm(['install', tarball], nodesDir, env, route, commands[commands.length - 1]);
	} else {
		const env = npmEnvironment(install);
		mkdirSync(nodesDir, { recursive: true });
		const nodesPackageJson = join(nodesDir, 'package.json');
		if (!existsSync(nodesPackageJson)) writeFileSync(nodesPackageJson, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2), 'utf-8');
		const packageDir = join(nodesDir, 'node_modules', name);
		rmSync(packageDir, { recursive: true, force: true });
		mkdirSync(packageDir, { recursive: true });
		commands.push(`tar -xzf ${shownTarball} -C node_modules/${name} --strip-components=1`);
		try {
			await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { cwd: nodesDir });
		} catch (error) {
			throw new PackageInstallError(route, commands[0], (error as Error).message);
		}
		const packageJsonPath = join(packageDir, 'package.json');
		const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = JSON.parse(readFileSync(packageJsonPath, 'utf-8')) as Record<string, unknown>;
		void devDependencies;
		void peerDependencies;
		void optionalDependencies;
		writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2), 'utf-8');
		commands.push('(package.json without devDependencies, peerDependencies, optionalDependencies)');
		const args = ['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'];
		commands.push(`npm ${args.join(' ')}   # in node_modules/${name}`);
		await npm(args, packageDir, env, route, commands[commands.length - 1]);
		const nodes = JSON.parse(readFileSync(nodesPackageJson, 'utf-8')) as { dependencies?: Record<string, string> };
		nodes.dependencies = { ...nodes.dependencies, [name]: String(packageJson.version) };
		writeFileSync(nodesPackageJson, JSON.stringify(nodes, null, 2), 'utf-8');
	}
	return {
		route,
		commands,
		packages: countPackages(join(nodesDir, 'node_modules')),
		secondN8nWorkflow: secondN8nWorkflow(nodesDir, name),
	};
}

/** What `installByRoute` recorded for a user folder (written beside the nodes folder). */
export function routeOutcomeFile(userFolder: string): string {
	return join(userFolder, '.n8n', 'install-route.json');
}
