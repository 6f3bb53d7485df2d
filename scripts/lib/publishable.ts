/**
 * Is dist/ what a build of these sources gives? Pure: takes file lists and modification times,
 * so the rules are unit-tested without touching a disk (test/unit/publishable.test.ts).
 */

export interface Tree {
	/** Paths under nodes/ and credentials/, relative to the package root. */
	sources: string[];
	/** Paths under dist/, relative to the package root. */
	dist: string[];
	/** The entry points package.json's "n8n" field declares (dist/... .js). */
	entryPoints: string[];
	/** Modification time in ms of a path from `sources` or `dist`. */
	modifiedAt(path: string): number;
}

/** Sources the build turns into dist files: TypeScript compiled, codex and icons copied. */
const COMPILED = /\.ts$/;
const COPIED = /\.(json|svg|png)$/;

/** The dist path a source becomes, or undefined for a file the build does not ship. */
export function distPathOf(source: string): string | undefined {
	if (source.endsWith('.d.ts')) return undefined;
	if (COMPILED.test(source)) return `dist/${source.replace(COMPILED, '.js')}`;
	if (COPIED.test(source)) return `dist/${source}`;
	return undefined;
}

/** What is wrong with dist/ as a build of `sources`; empty when it may be published. */
export function buildProblems(tree: Tree): string[] {
	if (tree.dist.length === 0) return ['dist/ is missing or empty: run npm run build'];
	const problems: string[] = [];
	const dist = new Set(tree.dist);
	const expected = new Set<string>();
	for (const source of tree.sources) {
		const target = distPathOf(source);
		if (!target) continue;
		expected.add(target);
		if (!dist.has(target)) problems.push(`${target} is missing (from ${source}): run npm run build`);
		else if (tree.modifiedAt(target) < tree.modifiedAt(source)) problems.push(`${target} is older than ${source}: run npm run build`);
	}
	for (const file of tree.dist) {
		if (file.endsWith('.js') && !expected.has(file)) {
			problems.push(`${file} has no source any more (left from an earlier build): remove dist/ and run npm run build`);
		}
	}
	for (const entry of tree.entryPoints) {
		if (!dist.has(entry)) problems.push(`package.json declares ${entry}, which the build did not produce`);
	}
	return problems;
}
