/**
 * npm run scan: n8n's community-package scanner (@n8n/scan-community-package) on what we would
 * publish, before publishing. Run after `npm run build`.
 *
 * The scanner's command line takes a package name and fetches the published tarball, its npm
 * provenance and the attested GitHub source from the network. Its two lint legs are exported
 * functions, so they run here on the same inputs, offline:
 * - source leg: the scanner's own file patterns (package.json, nodes/ and credentials/ sources)
 *   on this checkout, which is what the provenance attestation of a CI publish points at;
 * - tarball leg: compiled .js and package.json of our `npm pack` tarball, extracted.
 * The provenance leg can only run against a version already on the registry:
 * `npx @n8n/scan-community-package n8n-nodes-voisnap@<version>` after the publish workflow ran.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface ScanResult {
	passed: boolean;
	message?: string;
	details?: string;
}

interface Scanner {
	analyzePackage(packageDir: string, filePatterns?: string[]): Promise<ScanResult>;
	SOURCE_FILE_PATTERNS: string[];
}

/** The patterns the scanner lints a downloaded tarball with (scanner.mjs, analyzePackageByName). */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

const REPO_DIR = resolve(__dirname, '..');

function packTarball(into: string): string {
	// .npmrc turns scripts off, so this packs exactly what `npm publish` would upload after its guard.
	execFileSync('npm', ['pack', '--silent', '--pack-destination', into], { cwd: REPO_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(into).find((file) => file.endsWith('.tgz'));
	if (!tarball) throw new Error('npm pack wrote no tarball');
	const extracted = join(into, 'package');
	mkdirSync(extracted);
	execFileSync('tar', ['-xzf', join(into, tarball), '-C', extracted, '--strip-components=1']);
	return extracted;
}

function report(leg: string, result: ScanResult): boolean {
	process.stdout.write(`${result.passed ? '✓' : '✗'} scanner, ${leg}${result.message ? `: ${result.message}` : ''}\n`);
	if (result.details) process.stdout.write(`${result.details}\n`);
	return result.passed;
}

async function main(): Promise<void> {
	if (!readdirSync(REPO_DIR).includes('dist')) throw new Error('No dist/: run npm run build first');
	// The scanner is an ES module with no type declarations.
	const scanner = (await import('@n8n/scan-community-package/scanner/scanner.mjs' as string)) as Scanner;
	const work = mkdtempSync(join(tmpdir(), 'voisnap-scan-'));
	try {
		const sourcePassed = report('source leg (package.json, nodes/, credentials/)', await scanner.analyzePackage(REPO_DIR, scanner.SOURCE_FILE_PATTERNS));
		const tarballPassed = report('tarball leg (npm pack: compiled .js, package.json)', await scanner.analyzePackage(packTarball(work), TARBALL_FILE_PATTERNS));
		process.stdout.write('  provenance leg: runs only against a published version (npx @n8n/scan-community-package n8n-nodes-voisnap)\n');
		if (!sourcePassed || !tarballPassed) process.exitCode = 1;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`scan failed: ${(error as Error).stack ?? String(error)}\n`);
	process.exitCode = 1;
});
