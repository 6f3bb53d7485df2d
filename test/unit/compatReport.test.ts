import { lowestLoading, mergeRows, regressions, renderDocument, rowsOfDocument, rowsOfResults } from '../../scripts/lib/compatReport';

/** The renderer of docs/compatibility.md (scripts/lib/compatReport.ts): fold, merge, round trip. */

const line = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('compatReport', () => {
	test('results fold into one row per table × release × route, later fields winning, stamped', () => {
		const rows = rowsOfResults(
			[
				line({ release: '2.7.5', route: 'installer', table: 'regular', installs: 'yes', packages: 1 }),
				line({ release: '2.7.5', route: 'installer', table: 'regular', loads: 'yes' }),
				line({ release: '2.7.5', route: 'readme', table: 'regular', installs: 'yes', packages: 163 }),
				'',
				line({ release: '2.7.5', route: 'installer', table: 'queue', genuine: 'ok' }),
				line({ release: '2.7.5', route: 'installer', table: 'regular', packages: 2 }),
			],
			{ commit: 'abc1234', date: '2026-12-07', packageVersion: '0.1.0' },
		);
		expect(rows).toEqual([
			{ commit: 'abc1234', date: '2026-12-07', packageVersion: '0.1.0', release: '2.7.5', route: 'installer', table: 'regular', installs: 'yes', packages: 2, loads: 'yes' },
			{ commit: 'abc1234', date: '2026-12-07', packageVersion: '0.1.0', release: '2.7.5', route: 'readme', table: 'regular', installs: 'yes', packages: 163 },
			{ commit: 'abc1234', date: '2026-12-07', packageVersion: '0.1.0', release: '2.7.5', route: 'installer', table: 'queue', genuine: 'ok' },
		]);
	});

	test('a run of one release replaces only its rows; the others are kept; rows sorted by release', () => {
		const old = [
			{ table: 'regular' as const, release: '2.7.5', route: 'installer', loads: 'yes', contract: '5/6' },
			{ table: 'regular' as const, release: '1.49.0', route: 'installer', loads: 'yes' },
			{ table: 'regular' as const, release: '1.123.81', route: 'installer', loads: 'yes' },
		];
		const fresh = [{ table: 'regular' as const, release: '2.7.5', route: 'installer', loads: 'yes', contract: '6/6' }];
		const merged = mergeRows(old, fresh);
		expect(merged.map((row) => `${row.release} ${String(row.contract ?? '')}`)).toEqual(['1.49.0 ', '1.123.81 ', '2.7.5 6/6']);
	});

	test('the document keeps its rows: rendering then reading gives them back, and the tables show them', () => {
		const rows = mergeRows(
			[],
			[
				{ table: 'regular', release: '1.41.1', route: 'installer', loads: 'no (below the supported floor): TypeError _a.startsWith is not a function', commit: 'abc', date: '2026-12-07', packageVersion: '0.1.0' },
				{ table: 'regular', release: '1.49.0', route: 'readme', status: 'timed out (after 1200 s)' },
				{ table: 'regular', release: '2.41.1', route: 'installer', loads: 'yes', contract: '6/6', restartRerun: '0/100', path: 'afterStoring' },
				{ table: 'queue', release: '2.41.1', route: 'installer', genuine: 'ok', restartRerun: '0/100' },
				{ table: 'engineV2', release: '2.41.1', route: 'installer', activation: 'activated', delivery: '200 | x' },
				{ table: 'release', release: '2.41.1', route: '-', status: 'done', installSeconds: 3, releaseSeconds: 400 },
			],
		);
		const markdown = renderDocument(rows);
		expect(rowsOfDocument(markdown)).toEqual(rows);
		expect(markdown).toContain('Supported floor: n8n 1.46.0');
		expect(markdown).toContain('| 1.41.1 | installer | 0.1.0 @ abc, 2026-12-07 |');
		expect(markdown).toContain('| 1.49.0 | readme | – @ –, – | timed out (after 1200 s) |');
		expect(markdown).toContain('200 \\| x');
		expect(lowestLoading(rows)).toBe('2.41.1');
	});

	test('a document without rows reads as none', () => {
		expect(rowsOfDocument('# Compatibility\n')).toEqual([]);
	});

	it('fails the sweep only for a supported release that installed and failed a route', () => {
		expect(
			regressions([
				{ release: '1.41.1', installed: true, failedRoutes: ['installer', 'readme'] },
				{ release: '2.8.0', installed: false, failedRoutes: [] },
				{ release: '1.46.0', installed: true, failedRoutes: ['readme'] },
				{ release: '2.41.1', installed: true, failedRoutes: [] },
				{ release: '2.39.0', installed: true, failedRoutes: ['installer'] },
			]),
		).toEqual(['1.46.0 (readme)', '2.39.0 (installer)']);
	});
});
