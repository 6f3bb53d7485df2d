import { join } from 'node:path';

import { run } from './processes';

/** The repository root (this file is test/harness/install.ts). */
export const REPO_DIR = join(__dirname, '..', '..');

/** The n8n versions the project supports; the e2e suite runs once per version. */
export const DEFAULT_N8N_VERSION = '2.41.1';

export interface N8nInstall {
	version: string;
	/** The Node.js binary to run this n8n with (Node 24 for n8n 2.x on a Node 20 machine). */
	node: string;
	/** The folder whose node_modules/n8n is n8n. */
	n8nDir: string;
	/** `<n8nDir>/node_modules/n8n/bin/n8n`. */
	n8nBin: string;
	/** n8n's major version. */
	major: number;
}

const installs = new Map<string, Promise<N8nInstall>>();

/** `N8N_VERSION` from the environment, else the default. */
export function n8nVersionFromEnv(): string {
	return process.env.N8N_VERSION?.trim() || DEFAULT_N8N_VERSION;
}

/**
 * Installs (or finds in the cache) n8n `version` with scripts/install-n8n.sh, whose progress
 * goes to this process's stderr. Once per version per process.
 */
export function installN8n(version: string = n8nVersionFromEnv()): Promise<N8nInstall> {
	let install = installs.get(version);
	if (!install) {
		install = (async () => {
			const { stdout } = await run('bash', [join(REPO_DIR, 'scripts', 'install-n8n.sh'), version], {
				cwd: REPO_DIR,
				passStderr: true,
			});
			const last = stdout.trim().split('\n').pop() ?? '';
			const match = /^NODE=(\S+) N8N_DIR=(\S+)$/.exec(last);
			if (!match) throw new Error(`install-n8n.sh ${version} printed no NODE=... N8N_DIR=... line: ${last}`);
			const [, node, n8nDir] = match;
			return {
				version,
				node,
				n8nDir,
				n8nBin: join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n'),
				major: Number(version.split('.')[0]),
			};
		})();
		installs.set(version, install);
		install.catch(() => installs.delete(version));
	}
	return install;
}
