/**
 * Refuses `npm publish` of a package that is not built from the current sources or does not
 * pass `npm run lint`. package.json runs it as `prepublishOnly` and as `prepack`:
 *
 * The project's .npmrc sets ignore-scripts=true (n8n's dev dependencies have install scripts
 * that fail on Node.js 20), and with it npm skips prepublishOnly. package.json's publishConfig
 * turns scripts back on for `npm publish` only, which makes npm run prepack (read after
 * publishConfig) but still not prepublishOnly (read before). So:
 * - as prepublishOnly (scripts on, e.g. --ignore-scripts=false): check;
 * - as prepack: check only when publishing with scripts off, i.e. when prepublishOnly was
 *   skipped; `npm pack` (tests, the scanner) is never slowed down or refused.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { buildProblems } from './lib/publishable';

const REPO_DIR = resolve(__dirname, '..');

function filesUnder(folder: string): string[] {
	const root = join(REPO_DIR, folder);
	let entries: string[];
	try {
		entries = readdirSync(root, { recursive: true, encoding: 'utf8' });
	} catch {
		return [];
	}
	return entries
		.map((entry) => join(root, entry))
		.filter((path) => statSync(path).isFile())
		.map((path) => relative(REPO_DIR, path));
}

function shouldCheck(): boolean {
	if (process.env.npm_lifecycle_event !== 'prepack') return true;
	return process.env.npm_command === 'publish' && process.env.npm_config_ignore_scripts === 'true';
}

function main(): number {
	if (!shouldCheck()) return 0;
	process.stderr.write('[publish] checking that dist/ is built from these sources and that npm run lint passes\n');
	const manifest = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const problems = buildProblems({
		sources: [...filesUnder('nodes'), ...filesUnder('credentials')],
		dist: filesUnder('dist'),
		entryPoints: [...manifest.n8n.nodes, ...manifest.n8n.credentials],
		// Whole milliseconds: gulp copies the icons with their mtime cut to milliseconds.
		modifiedAt: (path) => Math.floor(statSync(join(REPO_DIR, path)).mtimeMs),
	});
	if (problems.length > 0) {
		process.stderr.write(`[publish] refused: the package is not built from these sources:\n  ${problems.join('\n  ')}\n`);
		return 1;
	}
	const lint = spawnSync('npm', ['run', 'lint', '--silent'], { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
	if (lint.status !== 0) {
		process.stderr.write('[publish] refused: npm run lint fails\n');
		return 1;
	}
	if (process.env.npm_config_provenance !== 'true') {
		process.stderr.write('[publish] note: no --provenance; n8n Cloud verifies only packages published with provenance (.github/workflows/publish.yml)\n');
	}
	process.stderr.write('[publish] built and linted\n');
	return 0;
}

process.exitCode = main();
