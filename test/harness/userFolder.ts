import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import type { N8nDatabase } from './database';
import type { N8nInstall } from './install';
import type { InstallRoute } from './installRoutes';
import { installByRoute, routeOutcomeFile } from './installRoutes';
import { run } from './processes';
import type { CredentialJson, WorkflowJson } from './workflows';

/**
 * Preparing an n8n user folder before `n8n start`: packages, database, credentials, workflows.
 * Each n8n CLI command boots n8n (2-6 s), so there are as few as possible.
 */

/** Runs `n8n <args>` for one user folder (its environment included). */
export type N8nCli = (args: string[]) => Promise<{ stdout: string; stderr: string }>;

export interface PackageInstallOptions {
	/** The Node.js that runs n8n: a user runs npm under it (24 for n8n 2.x). */
	node: string;
	/**
	 * An n8n-workflow release put into the nodes folder first, as another package's install
	 * (or an older release of this one) could: the node must still take n8n's release from n8n.
	 */
	foreignWorkflowCopy?: string;
	/** Install by one of the routes of installRoutes.ts instead (the compatibility sweep). */
	byRoute?: { route: InstallRoute; install: N8nInstall };
}

/** npm's own environment: none of the npm_config_* (ignore-scripts=true among them) that `npm test` hands its children. */
function userNpmEnvironment(node: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (!/^npm_(config|package|lifecycle)_/i.test(name)) env[name] = value;
	}
	env.PATH = `${dirname(node)}:${process.env.PATH ?? ''}`;
	return env;
}

/** The packages at the top of `nodes/node_modules` (scoped ones as `@scope/name`). */
function installedTopLevel(nodesDir: string): string[] {
	const modules = join(nodesDir, 'node_modules');
	if (!existsSync(modules)) return [];
	return readdirSync(modules)
		.filter((entry) => !entry.startsWith('.'))
		.flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`) : [entry]))
		.sort();
}

function packageNameOf(folder: string): string {
	return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string }).name;
}

/**
 * As a user installs the package from a release tarball (README "Installation"): in
 * `<userFolder>/.n8n/nodes`, exactly `npm install <tarball>`, with npm's defaults (install
 * scripts on, peer dependencies as npm decides), under the Node.js that runs n8n. The folder
 * must then hold nothing the package brought along: no n8n-workflow, no dependency. Folders (the
 * benchmark's extra packages) are copied in (`--install-links`), not linked.
 */
export async function installPackages(userFolder: string, packages: string[], options: PackageInstallOptions): Promise<void> {
	if (options.byRoute && packages.length > 0) {
		// One of the ways users install (installRoutes.ts), package by package; what it left
		// behind is recorded in <userFolder>/.n8n/install-route.json.
		const outcomes = [];
		for (const tarball of packages) outcomes.push(await installByRoute(userFolder, tarball, options.byRoute.route, options.byRoute.install));
		writeFileSync(routeOutcomeFile(userFolder), JSON.stringify(outcomes, null, 2));
		return;
	}
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	const env = userNpmEnvironment(options.node);
	const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
	if (options.foreignWorkflowCopy) {
		await run('npm', ['install', `n8n-workflow@${options.foreignWorkflowCopy}`, '--ignore-scripts', ...quiet], { cwd: nodesDir, env });
	}
	const before = installedTopLevel(nodesDir);
	const tarballs = packages.filter((entry) => entry.endsWith('.tgz'));
	const folders = packages.filter((entry) => !entry.endsWith('.tgz'));
	for (const tarball of tarballs) await run('npm', ['install', tarball, ...quiet], { cwd: nodesDir, env });
	if (folders.length > 0) {
		await run('npm', ['install', ...folders, '--install-links', '--ignore-scripts', ...quiet], { cwd: nodesDir, env });
	}
	const asked = [...tarballs.map((tarball) => basename(tarball).replace(/-\d+\.\d+\.\d+[^/]*\.tgz$/, '')), ...folders.map(packageNameOf)];
	const brought = installedTopLevel(nodesDir).filter((name) => !before.includes(name) && !asked.includes(name));
	if (brought.length > 0) {
		throw new Error(`npm install of ${asked.join(', ')} in ${nodesDir} also installed ${brought.length} other packages (${brought.slice(0, 10).join(', ')}...): a community package must bring nothing along`);
	}
}

/**
 * Copies in a database on which n8n's migrations have already run, made once per n8n version
 * beside the install cache: the first n8n command on an empty database spends 5-15 s
 * migrating it. Nothing in it depends on the encryption key or the user folder.
 * `cliFor(folder)` runs the n8n CLI on a scratch folder to make the template.
 */
export async function seedDatabase(install: N8nInstall, databasePath: string, cliFor: (userFolder: string) => N8nCli): Promise<void> {
	const template = join(install.n8nDir, '..', `database-template-${install.version}.sqlite`);
	if (!existsSync(template)) {
		const scratch = mkdtempSync(join(tmpdir(), `n8n-migrate-${install.version}-`));
		try {
			// Any command that opens the database migrates it; this one changes nothing else.
			await cliFor(scratch)(['list:workflow']);
			const partial = `${template}.${process.pid}.tmp`;
			copyFileSync(join(scratch, '.n8n', 'database.sqlite'), partial);
			renameSync(partial, template);
		} finally {
			rmSync(scratch, { recursive: true, force: true });
		}
	}
	mkdirSync(join(databasePath, '..'), { recursive: true });
	copyFileSync(template, databasePath);
}

/**
 * `n8n import:credentials` (plain `data` is encrypted on import; an existing id is updated).
 * The file holds the secrets in plain text: it is readable by its owner only and removed as
 * soon as n8n has imported it, whatever the outcome.
 */
export async function importCredentials(cli: N8nCli, userFolder: string, credentials: CredentialJson[]): Promise<void> {
	const file = join(userFolder, `credentials-${process.pid}-${Date.now()}.json`);
	writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
	let output;
	try {
		output = await cli(['import:credentials', `--input=${file}`]);
	} finally {
		rmSync(file, { force: true });
	}
	const { stdout, stderr } = output;
	if (!/Successfully imported/.test(stdout + stderr)) {
		throw new Error(`n8n import:credentials imported nothing:\n${stdout}\n${stderr}`);
	}
}

/** `n8n import:workflow` (keeps each file's id); imported workflows are inactive. */
export async function importWorkflows(cli: N8nCli, userFolder: string, workflows: WorkflowJson[]): Promise<void> {
	if (workflows.length === 0) return;
	const file = join(userFolder, 'workflows.json');
	writeFileSync(file, JSON.stringify(workflows, null, 2));
	const { stdout, stderr } = await cli(['import:workflow', `--input=${file}`]);
	const imported = /Successfully imported (\d+) workflow/.exec(stdout + stderr);
	if (!imported || Number(imported[1]) !== workflows.length) {
		throw new Error(`n8n import:workflow did not import all ${workflows.length} workflows:\n${stdout}\n${stderr}`);
	}
}

export type Activation = 'database' | 'cli';

/**
 * Activates workflows before `n8n start`. `cli`: `n8n publish:workflow --id=X` (2.x) or
 * `n8n update:workflow --id=X --active=true` (1.x), one n8n boot each. `database`: the same
 * write (`active = 1, activeVersionId = versionId`, see database-reader.cjs) in milliseconds.
 */
export async function activateWorkflows(
	ids: string[],
	how: Activation,
	context: { cli: N8nCli; database: N8nDatabase; major: number },
): Promise<void> {
	if (ids.length === 0) return;
	if (how === 'cli') {
		for (const id of ids) {
			await context.cli(context.major >= 2 ? ['publish:workflow', `--id=${id}`] : ['update:workflow', `--id=${id}`, '--active=true']);
		}
	} else {
		await context.database.activate(ids);
	}
	const stored = await context.database.workflows();
	const inactive = ids.filter((id) => !stored.find((workflow) => workflow.id === id && workflow.active));
	if (inactive.length > 0) throw new Error(`Workflows not activated: ${inactive.join(', ')}`);
}
