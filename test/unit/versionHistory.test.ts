import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** package.json, the CHANGELOG and the README's "Version history" tell the same story. */

const REPO_DIR = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string; main?: string };
const changelog = readFileSync(join(REPO_DIR, 'CHANGELOG.md'), 'utf8');
const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');

/** The package column of the README's node version table. */
function historyPackages(): string[] {
	const lines = readme.split('\n');
	const header = lines.findIndex((line) => line.startsWith('| node version | package | what |'));
	const rows: string[] = [];
	for (let index = header + 2; header >= 0 && index < lines.length && lines[index].startsWith('|'); index++) {
		rows.push(lines[index].split('|')[2].trim());
	}
	return rows;
}

function compareVersions(a: string, b: string): number {
	const [pa, pb] = [a, b].map((version) => version.split('.').map(Number));
	for (let index = 0; index < 3; index++) if (pa[index] !== pb[index]) return pa[index] - pb[index];
	return 0;
}

describe('versions', () => {
	it('the CHANGELOG has a dated section for the package version: "## 0.2.0 (2026-12-07)"', () => {
		expect(changelog).toMatch(new RegExp(`^## ${manifest.version.replace(/\./g, '\\.')} \\(\\d{4}-\\d{2}-\\d{2}\\)$`, 'm'));
	});

	it('every node version in the README is in a release up to this one, or marked unreleased', () => {
		const packages = historyPackages();
		expect(packages.length).toBeGreaterThanOrEqual(2);
		for (const cell of packages) {
			if (/^unreleased\b/.test(cell)) {
				expect(changelog).toMatch(/^## Unreleased/m);
				continue;
			}
			const released = /^(\d+\.\d+\.\d+) and later$/.exec(cell);
			expect({ cell, released: released !== null }).toEqual({ cell, released: true });
			expect(compareVersions((released as RegExpExecArray)[1], manifest.version)).toBeLessThanOrEqual(0);
		}
	});

	it('package.json names no entry point that is not there (n8n loads n8n.nodes)', () => {
		if (manifest.main !== undefined) expect(existsSync(join(REPO_DIR, manifest.main))).toBe(true);
	});
});
