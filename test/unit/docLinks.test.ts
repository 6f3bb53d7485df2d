import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every relative link and every repository path that the Markdown docs name exists: a newcomer
 * who follows one lands somewhere. Links to a Markdown heading (`file.md#anchor`, `#anchor`)
 * must name a heading that exists. Paths are those in code spans and prose that start with a
 * folder or file of the repository (or, in a doc below the root, of the doc's own folder),
 * leaving out what only a run makes (`dist/`, `.tmp/`, `node_modules/`), placeholders
 * (`<version>`), globs and absolute or home paths.
 */

const REPO_DIR = resolve(__dirname, '..', '..');

const DOCS = [
	'README.md',
	'CONTRIBUTING.md',
	...readdirSync(join(REPO_DIR, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => `docs/${name}`),
	'bench/README.md',
	'test/harness/README.md',
];

/** Made by builds and runs, never committed. */
const GENERATED = /^(dist|node_modules|coverage|\.tmp)(\/|$)/;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[`*_]/g, '')
		.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/[^\p{L}\p{N}\s-]/gu, '')
		.replace(/\s/g, '-');
}

/** The doc without fenced code blocks (their contents are commands and output, not references). */
function prose(text: string): string {
	return text.replace(/^```[\s\S]*?^```/gm, '');
}

function anchorsOf(file: string): string[] {
	return prose(readFileSync(join(REPO_DIR, file), 'utf8'))
		.split('\n')
		.filter((line) => /^#{1,6} /.test(line))
		.map((line) => githubAnchor(line.replace(/^#+ /, '')));
}

interface Reference {
	doc: string;
	/** As written. */
	text: string;
	/** The file it points at, relative to the repository (empty for an anchor in the same doc). */
	target: string;
	anchor?: string;
}

function linksOf(doc: string): Reference[] {
	const text = prose(readFileSync(join(REPO_DIR, doc), 'utf8'));
	const references: Reference[] = [];
	for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
		const href = match[1];
		if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto:
		const [path, anchor] = href.split('#');
		const target = path === '' ? doc : relative(REPO_DIR, resolve(REPO_DIR, dirname(doc), decodeURIComponent(path)));
		references.push({ doc, text: href, target, anchor });
	}
	return references;
}

function topLevelNames(folder: string): Set<string> {
	return new Set(readdirSync(join(REPO_DIR, folder)));
}

const ROOT_NAMES = topLevelNames('.');

/** A repository path: first segment a file or folder at the root, or in the doc's own folder. */
function pathsOf(doc: string): Reference[] {
	const text = prose(readFileSync(join(REPO_DIR, doc), 'utf8')).replace(/\]\([^)]*\)/g, ']');
	const docDir = dirname(doc);
	const localNames = docDir === '.' ? new Set<string>() : topLevelNames(docDir);
	const references: Reference[] = [];
	for (const match of text.matchAll(/(?<![\w/.~<>-])((?:\.?[\w-]+\/)+[\w.-]*[\w/])(?![\w/<>*])/g)) {
		const written = match[1];
		const first = written.split('/')[0];
		if (GENERATED.test(written) || written.includes('*')) continue;
		let target: string | undefined;
		if (ROOT_NAMES.has(first)) target = written;
		else if (localNames.has(first)) target = join(docDir, written);
		if (target === undefined || GENERATED.test(target)) continue;
		references.push({ doc, text: written, target: target.replace(/\/$/, '') });
	}
	// A table of files (`| \`install.ts\` | what |`): the names in its first cell, in the doc's folder.
	for (const row of text.matchAll(/^\| *([^|\n]*?) *\|/gm)) {
		for (const name of row[1].matchAll(/`([\w.-]+\.(?:ts|cjs|mjs|js|sh|md|json|svg))`/g)) {
			references.push({ doc, text: name[1], target: join(docDir, name[1]) });
		}
	}
	return references;
}

const links = DOCS.flatMap(linksOf);
const paths = DOCS.flatMap(pathsOf);

describe('the Markdown docs', () => {
	it('are the ones this check covers', () => {
		for (const doc of DOCS) expect({ doc, exists: existsSync(join(REPO_DIR, doc)) }).toEqual({ doc, exists: true });
		expect(DOCS).toEqual(expect.arrayContaining(['docs/guarantees.md', 'docs/queue-mode.md', 'docs/performance.md']));
	});

	it('name enough links and paths for this check to mean something', () => {
		expect(links.length).toBeGreaterThan(40);
		expect(paths.length).toBeGreaterThan(100);
	});

	it.each(DOCS.map((doc) => [doc]))('%s: every relative link leads to a file that exists', (doc) => {
		const missing = links
			.filter((link) => link.doc === doc)
			.filter((link) => !existsSync(join(REPO_DIR, link.target)))
			.map((link) => link.text);
		expect(missing).toEqual([]);
	});

	it.each(DOCS.map((doc) => [doc]))('%s: every link to a heading names one that exists', (doc) => {
		const broken = links
			.filter((link) => link.doc === doc && link.anchor !== undefined && link.target.endsWith('.md'))
			.filter((link) => !anchorsOf(link.target).includes(link.anchor as string))
			.map((link) => link.text);
		expect(broken).toEqual([]);
	});

	it.each(DOCS.map((doc) => [doc]))('%s: every repository path it names exists', (doc) => {
		const missing = paths
			.filter((path) => path.doc === doc)
			.filter((path) => !existsSync(join(REPO_DIR, path.target)))
			.map((path) => path.text);
		expect(missing).toEqual([]);
	});
});
