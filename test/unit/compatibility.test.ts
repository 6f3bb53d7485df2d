import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { SUPPORTED_FLOOR, lowestLoading, rowsOfDocument } from '../../scripts/lib/compatReport';

/**
 * The README and docs/compatibility.md (written by `npm run test:compat`) say the same: the
 * README's Compatibility section links the document, the document states the supported floor,
 * and the README names that floor. A release below the floor never shows as loading.
 */

const REPO_DIR = resolve(__dirname, '..', '..');
const DOC = join(REPO_DIR, 'docs', 'compatibility.md');
const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');

function section(markdown: string, heading: string): string {
	const start = markdown.indexOf(`\n${heading}\n`);
	if (start === -1) return '';
	const rest = markdown.slice(start + heading.length + 2);
	const next = rest.search(/\n## /);
	return next === -1 ? rest : rest.slice(0, next);
}

const below = (a: string, b: string) => {
	const [pa, pb] = [a, b].map((version) => version.split('.').map(Number));
	for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] < pb[i];
	return false;
};

describe('README and docs/compatibility.md', () => {
	const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
	const floor = /^Supported floor: n8n (\d+\.\d+\.\d+)$/m.exec(doc)?.[1];
	const compatibility = section(readme, '## Compatibility');

	test('docs/compatibility.md exists and states the supported floor in one line', () => {
		expect(floor).toBe(SUPPORTED_FLOOR);
	});

	test('the README has a Compatibility section that links the document', () => {
		expect(compatibility).not.toBe('');
		expect(compatibility).toContain('Checked release by release in [docs/compatibility.md](docs/compatibility.md).');
	});

	test('the README names the floor the document states', () => {
		expect(compatibility).toContain(floor);
	});

	test('the lowest release the document lists as loading is not below the floor, and none below it loads', () => {
		const rows = rowsOfDocument(doc);
		const lowest = lowestLoading(rows);
		if (lowest) expect(below(lowest, floor!)).toBe(false);
		const belowFloor = rows.filter((row) => row.table === 'regular' && below(row.release, floor!));
		for (const row of belowFloor) expect(row.loads).not.toBe('yes');
	});
});
