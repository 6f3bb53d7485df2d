import type { Tree } from '../../scripts/lib/publishable';
import { buildProblems, distPathOf } from '../../scripts/lib/publishable';

/** A built tree: every source and its dist file, dist one second newer. */
function builtTree(overrides: Partial<Tree> = {}, times: Record<string, number> = {}): Tree {
	const sources = ['nodes/A/A.node.ts', 'nodes/A/A.node.json', 'nodes/A/a.svg', 'credentials/Api.credentials.ts'];
	const dist = ['dist/nodes/A/A.node.js', 'dist/nodes/A/A.node.json', 'dist/nodes/A/a.svg', 'dist/credentials/Api.credentials.js', 'dist/nodes/A/A.node.js.map', 'dist/nodes/A/A.node.d.ts'];
	return {
		sources,
		dist,
		entryPoints: ['dist/nodes/A/A.node.js', 'dist/credentials/Api.credentials.js'],
		modifiedAt: (path) => times[path] ?? (path.startsWith('dist/') ? 2_000 : 1_000),
		...overrides,
	};
}

describe('publish guard: is dist/ built from the sources?', () => {
	it('accepts a tree built after its last source change', () => {
		expect(buildProblems(builtTree())).toEqual([]);
	});

	it('accepts copies that carry their source\'s own time (gulp keeps it)', () => {
		expect(buildProblems(builtTree({}, { 'dist/nodes/A/a.svg': 1_000 }))).toEqual([]);
	});

	it('refuses an unbuilt tree', () => {
		expect(buildProblems(builtTree({ dist: [] }))).toEqual(['dist/ is missing or empty: run npm run build']);
	});

	it('refuses a source changed after the build', () => {
		expect(buildProblems(builtTree({}, { 'nodes/A/A.node.ts': 3_000 }))).toEqual([
			'dist/nodes/A/A.node.js is older than nodes/A/A.node.ts: run npm run build',
		]);
	});

	it('refuses a source the build has not compiled yet', () => {
		const tree = builtTree();
		expect(buildProblems({ ...tree, sources: [...tree.sources, 'nodes/A/new.ts'] })).toEqual([
			'dist/nodes/A/new.js is missing (from nodes/A/new.ts): run npm run build',
		]);
	});

	it('refuses compiled code whose source is gone (tsc never deletes old output)', () => {
		const tree = builtTree();
		expect(buildProblems({ ...tree, dist: [...tree.dist, 'dist/nodes/A/description.js'] })).toEqual([
			'dist/nodes/A/description.js has no source any more (left from an earlier build): remove dist/ and run npm run build',
		]);
	});

	it('refuses an entry point package.json declares but the build does not produce', () => {
		expect(buildProblems(builtTree({ entryPoints: ['dist/nodes/B/B.node.js'] }))).toEqual([
			'package.json declares dist/nodes/B/B.node.js, which the build did not produce',
		]);
	});

	it.each([
		['nodes/A/A.node.ts', 'dist/nodes/A/A.node.js'],
		['nodes/A/A.node.json', 'dist/nodes/A/A.node.json'],
		['credentials/x.png', 'dist/credentials/x.png'],
		['nodes/A/types.d.ts', undefined],
		['nodes/A/README.md', undefined],
	])('maps %s to %s', (source, target) => {
		expect(distPathOf(source)).toBe(target);
	});
});
