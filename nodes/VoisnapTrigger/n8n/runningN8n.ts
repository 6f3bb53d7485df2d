/**
 * The release of the n8n that runs this node, read from n8n's own package.json through the
 * process's main module: n8n's CLI (`n8n/bin/n8n`) in every n8n process (main, webhook,
 * worker; `n8n start` in Docker too). Not from `n8n-workflow`: the copy this package resolves
 * can belong to another install beside it in the nodes folder, of another major version
 * (docs/n8n-behaviour.md, "Which n8n runs the node").
 *
 * `undefined` when the main module is not n8n's CLI (n8n started through another launcher, or
 * a test): the answer path then starts as for the newest release and checks n8n's behaviour.
 */
export function runningN8nVersion(main: NodeJS.Module | undefined = require.main): string | undefined {
	let manifest: unknown;
	try {
		manifest = main?.require('../package.json');
	} catch {
		// No package.json beside the main module: not n8n's CLI. The path taken says so once.
		manifest = undefined;
	}
	const { name, version } = (manifest ?? {}) as { name?: unknown; version?: unknown };
	return name === 'n8n' && typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
}
