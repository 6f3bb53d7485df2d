import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_DIR } from './install';
import { run } from './processes';

let tarball: Promise<string> | undefined;

/**
 * `npm pack` of the repository as built (run `npm run build` first), into a fresh temporary
 * folder, once per process. Returns the tarball's path: what a user installs is exactly this.
 */
export function packPackage(): Promise<string> {
	if (!tarball) {
		tarball = (async () => {
			if (!existsSync(join(REPO_DIR, 'dist', 'nodes'))) {
				throw new Error(`${REPO_DIR}/dist is missing: run \`npm run build\` before starting n8n`);
			}
			const destination = mkdtempSync(join(tmpdir(), 'voisnap-pack-'));
			process.once('exit', () => rmSync(destination, { recursive: true, force: true }));
			const { stdout } = await run(
				'npm',
				['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
				{ cwd: REPO_DIR },
			);
			const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
			return join(destination, filename);
		})();
		tarball.catch(() => (tarball = undefined));
	}
	return tarball;
}
