/**
 * Fails unless n8n's own CLI reports the package eligible for n8n Cloud verification
 * (`n8n-node cloud-support`: package.json's `n8n.strict` on and the default ESLint config of
 * `@n8n/node-cli` at the root). The command prints its verdict and exits 0 either way, so its
 * output is read. Part of `npm run lint`, which runs the lint rules that eligibility also needs.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO_DIR = resolve(__dirname, '..');

const result = spawnSync(join(REPO_DIR, 'node_modules', '.bin', 'n8n-node'), ['cloud-support'], {
	cwd: REPO_DIR,
	encoding: 'utf8',
	stdio: ['ignore', 'pipe', 'pipe'],
	env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
	timeout: 120_000,
});
// Without colours (NO_COLOR) the verdict is one line of plain words inside the prompt's box.
const output = `${result.stdout}${result.stderr}`;
const eligible = /Status: eligible for n8n Cloud verification/.test(output) && !/NOT eligible/.test(output);
if (result.status !== 0 || !eligible) {
	process.stderr.write(`n8n-node cloud-support does not report the package eligible for n8n Cloud (exit ${result.status}):\n${output}\n`);
	process.exit(1);
}
const details = output
	.split('\n')
	.map((line) => line.replace(/^[\s│◆●└┌]+/u, '').trim())
	.filter((line) => /^• (Strict mode|ESLint config|Status):/.test(line));
process.stdout.write(`n8n-node cloud-support: ${details.map((line) => line.slice(2)).join('; ')}\n`);
