/**
 * docs/compatibility.md from the compatibility runner's results (scripts/compat.ts): each
 * measurement is a JSON line `{ release, route, table, ...fields }` (test/compat/compat.test.ts
 * and the runner write them); the rows are merged by table × release × route into those the
 * document already holds (kept in a comment at its end), so a run of one release rewrites only
 * that release's rows. Pure functions; the unit test is test/unit/compatReport.test.ts.
 */

export type Table = 'regular' | 'queue' | 'engineV2' | 'release';

export interface Row {
	table: Table;
	release: string;
	/** `installer` or `readme`; `-` for the per-release rows. */
	route: string;
	[field: string]: unknown;
}

export const SUPPORTED_FLOOR = '1.46.0';
const DATA_START = '<!-- compat-rows (merged by scripts/compat.ts; one JSON row a line)';
const DATA_END = '-->';

function compareVersions(a: string, b: string): number {
	const pa = a.split('.').map(Number);
	const pb = b.split('.').map(Number);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
		if (diff !== 0) return diff;
	}
	return 0;
}

/** How one release's run ended, per route: what decides the sweep's exit code. */
export interface ReleaseOutcome {
	release: string;
	/** n8n installed (a release the registry cannot install is reported, not failed). */
	installed: boolean;
	/** Routes whose checks failed or timed out. */
	failedRoutes: string[];
}

/**
 * The releases that fail the sweep: supported (at or above the floor), installed, and a route
 * whose checks failed. A release below the floor fails its checks by design, and one that does
 * not install says so in its row; neither is a regression of the package.
 */
export function regressions(outcomes: ReleaseOutcome[]): string[] {
	return outcomes
		.filter(({ release, installed, failedRoutes }) => installed && failedRoutes.length > 0 && compareVersions(release, SUPPORTED_FLOOR) >= 0)
		.map(({ release, failedRoutes }) => `${release} (${failedRoutes.join(', ')})`);
}

const keyOf = (row: Pick<Row, 'table' | 'release' | 'route'>) => `${row.table}|${row.release}|${row.route}`;

/** The rows kept at the end of an existing docs/compatibility.md (none when there is no block). */
export function rowsOfDocument(markdown: string): Row[] {
	const start = markdown.indexOf(DATA_START);
	if (start === -1) return [];
	const end = markdown.indexOf(DATA_END, start + DATA_START.length);
	return markdown
		.slice(start + DATA_START.length, end === -1 ? undefined : end)
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as Row);
}

/** Results (JSON lines) folded into rows: fields of the same table × release × route merged, later ones winning. */
export function rowsOfResults(lines: string[], stamp: Record<string, unknown> = {}): Row[] {
	const rows = new Map<string, Row>();
	for (const line of lines.map((entry) => entry.trim()).filter(Boolean)) {
		const result = JSON.parse(line) as Row;
		const key = keyOf(result);
		rows.set(key, { ...stamp, ...rows.get(key), ...result });
	}
	return [...rows.values()];
}

/** Old rows, with every table × release × route that `fresh` has replaced by the fresh row. */
export function mergeRows(old: Row[], fresh: Row[]): Row[] {
	const merged = new Map(old.map((row) => [keyOf(row), row]));
	for (const row of fresh) merged.set(keyOf(row), row);
	return [...merged.values()].sort(
		(a, b) => compareVersions(a.release, b.release) || a.table.localeCompare(b.table) || a.route.localeCompare(b.route),
	);
}

/** The lowest release a row of the regular table reports as loading (`loads: yes`). */
export function lowestLoading(rows: Row[]): string | undefined {
	return rows
		.filter((row) => row.table === 'regular' && row.loads === 'yes')
		.map((row) => row.release)
		.sort(compareVersions)[0];
}

const cell = (value: unknown) => (value === undefined || value === null || value === '' ? '–' : String(value).replace(/\|/g, '\\|').replace(/\n/g, ' '));
const measured = (row: Row) => `${cell(row.packageVersion)} @ ${cell(row.commit)}, ${cell(row.date)}`;

function table(header: string[], rows: string[][]): string {
	return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** What a row says when its release did not get as far as the suite. */
function outcome(row: Row): string | undefined {
	return typeof row.status === 'string' && row.status !== 'done' ? row.status : undefined;
}

export const HEADER = `# Compatibility, release by release

Checked with \`npm run test:compat -- [versions…]\` (scripts/compat.ts; default set below): for each
n8n release, one at a time, and each install route, it installs that n8n (cached per release outside
the clone by scripts/install-n8n.sh), installs the packed package into a fresh \`~/.n8n/nodes\`, starts
n8n on SQLite and checks over HTTP (test/compat/compat.test.ts). Not part of \`npm test\`; the
Compatibility workflow (.github/workflows/compat.yml) runs it weekly, on tags and before a release.
Each release gets at most 30 minutes (\`VOISNAP_COMPAT_TIMEOUT_MIN\`), install included, else it is
reported "timed out"; a release whose install fails is reported "does not install here" (2.8.0 and
2.41.3 on the registry these checks ran against: it lacks internals they pin, such as
\`@n8n/ai-workflow-builder@1.8.0\` for 2.8.0; 2.8.4 stands in for 2.8.0). Rows of releases not run in an invocation are kept,
so \`npm run test:compat -- 2.7.5\` rewrites only 2.7.5's rows.

Default set: 1.41.1 (below the floor), 1.49.0, 1.94.1, 1.123.81, 2.7.5, 2.8.0, 2.8.4, 2.39.0, 2.41.1;
CI adds the newest n8n on npm. Queue mode runs on 1.123.81, 2.8.0, 2.8.4, 2.41.1 and the newest
(installer route only); the Engine 2.0 workflow on 2.41.1 and the newest. Bursts are 100 deliveries
(\`VOISNAP_COMPAT_BURST\`); n8n runs with its default expression engine (1.x: \`legacy\`, as on
Node.js 20 it must).

Supported floor: n8n ${SUPPORTED_FLOOR}

(n8n < 1.46.0 cannot load the package: its themed icons \`{ light, dark }\` need n8n-core's
\`DirectoryLoader\` of PR #9412, released in 1.46.0; n8n-core 1.45.0 \`DirectoryLoader.fixIconPath\`
calls \`startsWith\` on the icon object. 1.46.x–1.48.x are not on the registry the checks run
against, so 1.49.0 is the lowest release measured as loading.)

Install routes (both use the tarball of \`npm pack\` where a user would name the registry's package):

- **installer**: what that release's Community Nodes installer runs. n8n ≤ 1.92: \`npm install
  <package>@<version>\` in \`~/.n8n/nodes\` (\`npm init -y\` first when the folder is new), npm's
  defaults, an environment of only PATH, NODE_PATH and APPDATA: n8n 1.49.0
  \`dist/services/communityPackages.service.js:88-104\` and \`:233-237\`; 1.88.0
  \`dist/services/community-packages.service.js:255\` (adds \`--registry=\` only). npm 7+ then installs
  the \`n8n-workflow\` peer (the registry's newest) beside the package. n8n ≥ 1.93 (PR #15104): the
  tarball unpacked into \`~/.n8n/nodes/node_modules/<package>\`, \`devDependencies\`, \`peerDependencies\` and
  \`optionalDependencies\` deleted from its package.json, \`npm install --audit=false --fund=false
  --bin-links=false --install-strategy=shallow --ignore-scripts=true --package-lock=false\` in that
  folder, the dependency added to \`~/.n8n/nodes/package.json\`: n8n 1.94.1
  \`dist/services/community-packages.service.js:35-41\` (flags) and \`:358-374\` (steps); the same
  file in 2.x.
- **readme**: the README's manual install, \`cd ~/.n8n/nodes && npm install <tarball>\` with npm's
  defaults (install scripts on, peers as npm decides), under the Node.js that runs that n8n (20 for
  1.x, 24 for 2.x).

Emulation: test/harness/installRoutes.ts.

n8n facts the checks rely on: the node and credential types n8n loaded are in
\`<N8N_USER_FOLDER>/.cache/n8n/public/types/nodes.json\` and \`credentials.json\` (n8n-core 2.41.1
\`dist/instance-settings/instance-settings.js:34\` \`staticCacheDir\`; served at \`/types/*.json\`, behind a
login on 2.x: n8n 2.41.1 \`dist/server.js:383\`); \`N8N_DISABLED_MODULES\` naming a module a release does
not ship makes it refuse to start ("Unknown module"), so it is set only where
\`dist/modules/mcp-registry\` exists (absent in 2.7.5, present in 2.41.1); n8n 2.0.x's
\`import:workflow\` needs a \`versionId\`; every release before 2.41 pins an \`xlsx\` tarball on an
unreachable host (scripts/install-n8n.sh overrides it with the registry's 0.18.5).

Columns:

- **measured**: package version @ commit of this repository, and the date.
- **installs**: whether the route's npm commands succeeded (else npm's error); **packages**: how many
  packages landed under \`~/.n8n/nodes/node_modules\` (nested ones included); **2nd n8n-workflow**: the
  version of an \`n8n-workflow\` installed beside the package, which the package then resolves
  instead of n8n's own (\`no\` when none).
- **loads**: the node and credential types are in n8n's \`/types/nodes.json\` and
  \`/types/credentials.json\`, else n8n's own load error ("below the supported floor").
- **answer path**: from the node's log line \`Voisnap Trigger: answer path <path>\` when present,
  else \`(inferred)\` from the n8n-workflow the package resolves and the warning; **warned**: whether
  n8n's log has the node's fallback warning ("n8n read the answer before storing the execution" /
  "n8n answered without reading the answer").
- **contract**: passed/6 of: a genuine delivery runs once, on its event type's output, item intact;
  forged (401), stale (400) and malformed (400) refused with no execution; the same request again and
  a replay under a new delivery id answered \`duplicate\` with no execution.
- **restart re-runs**: a burst of distinct deliveries at 20 connections, every execution waited
  for, SIGTERM, restart, every delivery sent again: how many started a second execution (want 0).
- **SIGKILL lost**: SIGKILL when 40% of a retrying sender's burst is acknowledged, restart, the sender
  retries until acknowledged: acknowledged deliveries without an execution n8n holds (want 0);
  **ran twice**: deliveries that ran in two executions. Not a loss, and not zero by design: a
  delivery n8n had stored but not yet answered when it died is retried by its sender and runs
  again (the at-least-once window, [guarantees.md](guarantees.md#the-at-least-once-window)).
- **Engine 2.0**: a workflow with \`settings.engineType: 'v2'\`, run with \`N8N_ENABLED_MODULES=engine-v2\`
  where n8n ships that module (without it 2.41.1 answers every delivery 400 "Engine 2.0 is not
  available. Enable the \`engine-v2\` module with N8N_ENABLED_MODULES.").
- **time**: seconds for the route (start, checks, stops); per release (install included) in the last
  table.
`;

/** The whole document for `rows`. */
export function renderDocument(rows: Row[]): string {
	const of = (name: Table) => rows.filter((row) => row.table === name);
	const regular = table(
		['n8n', 'route', 'measured', 'installs', 'packages', '2nd n8n-workflow', 'loads', 'answer path', 'warned', 'contract', 'restart re-runs', 'SIGKILL lost', 'ran twice', 'time (s)'],
		of('regular').map((row) => {
			const short = outcome(row);
			return [
				cell(row.release),
				cell(row.route),
				measured(row),
				cell(short ?? row.installs),
				cell(row.packages),
				cell(row.secondN8nWorkflow),
				cell(row.loads),
				cell(row.path),
				cell(row.warned),
				cell(row.contract),
				cell(row.restartRerun),
				cell(row.sigkillMissing),
				cell(row.sigkillRanTwice),
				cell(row.routeSeconds),
			];
		}),
	);
	const queue = table(
		['n8n', 'route', 'measured', 'genuine delivery', 'restart re-runs', 'answer path', 'warned', 'time (s)'],
		of('queue').map((row) => [cell(row.release), cell(row.route), measured(row), cell(outcome(row) ?? row.genuine), cell(row.restartRerun), cell(row.path), cell(row.warned), cell(row.queueSeconds)]),
	);
	const engine = table(
		['n8n', 'route', 'measured', 'module', 'activation', 'a genuine delivery', "node's log line"],
		of('engineV2').map((row) => [cell(row.release), cell(row.route), measured(row), cell(row.module), cell(row.activation), cell(row.delivery), cell(row.logLine)]),
	);
	const releases = table(
		['n8n', 'measured', 'outcome', 'install (s)', 'total (s)'],
		of('release').map((row) => [cell(row.release), measured(row), cell(row.status), cell(row.installSeconds), cell(row.releaseSeconds)]),
	);
	const details = of('regular')
		.filter((row) => row.restartDetail || row.sigkillDetail || row.installCommand || row.unsettled)
		.map(
			(row) =>
				`- ${row.release} ${row.route}: ${[
					row.installCommand && `\`${String(row.installCommand)}\``,
					row.restartDetail && `restart: ${String(row.restartDetail)}`,
					row.sigkillDetail && `SIGKILL: ${String(row.sigkillDetail)}`,
					row.unsettled && `did not settle: ${String(row.unsettled)}`,
				]
					.filter(Boolean)
					.join('; ')}`,
		);
	return [
		HEADER,
		'## Regular mode (SQLite, one process)',
		'',
		regular,
		'',
		'Details:',
		'',
		...details,
		'',
		'## Queue mode (Postgres, Redis, one webhook process, one worker)',
		'',
		'The genuine delivery and the restart after a burst (all processes stopped with SIGTERM and started again).',
		'',
		queue,
		'',
		"## A workflow on Engine 2.0 (`settings.engineType: 'v2'`)",
		'',
		engine,
		'',
		'## Time per release',
		'',
		releases,
		'',
		DATA_START,
		...rows.map((row) => JSON.stringify(row)),
		DATA_END,
		'',
	].join('\n');
}
