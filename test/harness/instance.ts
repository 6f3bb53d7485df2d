import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nDatabase } from './database';
import type { N8nSetup } from './deployment';
import { N8nDeployment, activeWebhookUrls, isRegistered, prerequisites, stopwatch } from './deployment';
import { EditorChannel } from './editor';
import type { ExpressionEngine } from './environment';
import { n8nEnvironment } from './environment';
import type { N8nInstall } from './install';
import { N8nProcess } from './n8nProcess';
import { freePort } from './ports';
import { run } from './processes';
import type { Activation } from './userFolder';
import { importCredentials, seedDatabase } from './userFolder';
import type { VoisnapSecrets } from './workflows';

export type { Execution, N8nSetup } from './deployment';
export { toExecution, webhookPathOf } from './deployment';
export type { WaitForIdleOptions } from './idle';

export interface StartOptions extends N8nSetup {
	/** Added to n8n's environment last (they override the harness's). */
	env?: Record<string, string>;
	/** 2.x only; 1.x always runs `legacy` on Node.js 20. Default: n8n's default. */
	expressionEngine?: ExpressionEngine;
	/**
	 * How workflows are activated before the start. `database` (default) writes what the CLI
	 * command writes (active, activeVersionId = versionId) in one short process; `cli` runs
	 * `n8n publish:workflow --id=X` (2.x) or `n8n update:workflow --id=X --active=true` (1.x)
	 * once per workflow, each booting n8n (~6 s on 2.41.1).
	 */
	activation?: Activation;
	/** n8n's HTTP port (default: a free one). The task-runner broker always gets a free one. */
	port?: number;
	/** Log lines also go to this process's stderr (default: only to the log file). */
	echoLog?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real n8n, started headless the way the runtime notes describe, with this package installed
 * as a community package in a fresh user folder (SQLite database inside).
 *
 *   const n8n = await N8nInstance.start({ credential: { signingSecret }, workflows: [wf] });
 *   await postDelivery(n8n.webhookUrl(wf.id), signedDelivery({ secret, body }));
 *   await n8n.waitForIdle();
 *   const executions = await n8n.executions(wf.id);
 *   await n8n.stop();
 */
export class N8nInstance extends N8nDeployment {
	readonly baseUrl: string;
	/** n8n's stdout and stderr, from every start of this instance. */
	readonly logFile: string;
	private readonly process: N8nProcess;

	private constructor(
		install: N8nInstall,
		readonly userFolder: string,
		readonly port: number,
		private readonly brokerPort: number,
		private readonly encryptionKey: string,
		private readonly options: StartOptions,
	) {
		super(install, new N8nDatabase(install, join(userFolder, '.n8n', 'database.sqlite')), options, () => this.baseUrl, 'n8n');
		this.process = new N8nProcess('n8n', 'main', install, userFolder, port, () => this.environment(), { echoLog: options.echoLog });
		this.baseUrl = this.process.baseUrl;
		this.logFile = this.process.logFile;
	}

	static async start(options: StartOptions): Promise<N8nInstance> {
		const lap = stopwatch();
		const { install, packages } = await prerequisites(options);
		const prepared = lap();
		const userFolder = mkdtempSync(join(tmpdir(), `n8n-${install.version}-`));
		const instance = new N8nInstance(install, userFolder, options.port ?? (await freePort()), await freePort(), randomBytes(24).toString('hex'), options);
		instance.timings.install = prepared;
		await instance.provisionAndLaunch(
			{
				userFolders: [userFolder],
				packages,
				cliFolder: userFolder,
				cli: (args) => instance.cli(args),
				prepareDatabase: () => seedDatabase(install, instance.database.path, (folder) => (args) => instance.cli(args, folder)),
				activation: options.activation,
			},
			lap,
		);
		return instance;
	}

	private environment(userFolder = this.userFolder): NodeJS.ProcessEnv {
		return n8nEnvironment(this.install, {
			userFolder,
			port: this.port,
			brokerPort: this.brokerPort,
			encryptionKey: this.encryptionKey,
			expressionEngine: this.options.expressionEngine,
			extra: this.options.env,
		});
	}

	/** Runs `n8n <args>` (a CLI command) against this instance's folder and database (or another folder's). */
	async cli(args: string[], userFolder = this.userFolder): Promise<{ stdout: string; stderr: string }> {
		return run(this.install.node, [this.install.n8nBin, ...args], { cwd: userFolder, env: this.environment(userFolder) });
	}

	/** Starts `n8n start` and waits until it is ready and every active workflow's webhook answers. */
	protected async launch(): Promise<void> {
		this.rest = undefined;
		await this.process.launch(120_000, async () => {
			// 1.x reports ready before it mounts the REST API the editor (and armTestWebhook) use.
			await this.process.waitFor('the REST API', async () => (await this.process.status('GET', '/rest/settings')) === 200, 60_000);
			for (const { workflowId, url } of activeWebhookUrls(this.baseUrl, this.workflowsById.values())) {
				await this.process.waitFor(`webhook of ${workflowId}`, () => isRegistered(url), 60_000);
			}
		});
	}

	/**
	 * Whether n8n would route a `method` request to `url` (production or test URL), asked
	 * without running the node: a CORS preflight (OPTIONS with an Origin) is answered with
	 * `Access-Control-Allow-Methods` listing the methods registered for the path ("OPTIONS"
	 * alone, or a 404, when none is).
	 */
	async isRegistered(url: string, method = 'POST'): Promise<boolean> {
		return isRegistered(url, method);
	}

	/** n8n's log so far, from `fromOffset` (a value of `logOffset()`). */
	logText(fromOffset = 0): string {
		return this.process.logText(fromOffset);
	}

	/** The log's current length, to read only what a test caused with `logText(offset)`. */
	logOffset(): number {
		return this.process.logOffset();
	}

	/** The production URL of the workflow's trigger: /webhook/<webhookId>/webhook. */
	webhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.baseUrl}/webhook/${webhookId}/${path}`;
	}

	/** The test URL of the workflow's trigger (listening only after `armTestWebhook`). */
	testWebhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.baseUrl}/webhook-test/${webhookId}/${path}`;
	}

	/**
	 * "Listen for test event" in the editor: the test URL then answers one request, in mode
	 * `manual`. Resolves once n8n reports it is waiting and the URL is registered. With an
	 * `editor` (from `openEditor()`), n8n reports the test run to it as to an editor tab.
	 */
	async armTestWebhook(workflowId: string, editor?: EditorChannel): Promise<void> {
		const rest = await this.restSession();
		// n8n releases the previous listener only after that run has started; arming before
		// would let that release remove the new listener.
		const released = Date.now() + 5_000;
		while ((await this.isTestWebhookArmed(workflowId)) && Date.now() < released) await sleep(100);
		const answer = await rest.runManually(workflowId, this.triggerOf(workflowId).name, editor?.pushRef);
		if (answer?.waitingForWebhook !== true) {
			throw new Error(`n8n did not start listening for a test event: ${JSON.stringify(answer)}`);
		}
		const url = this.testWebhookUrl(workflowId);
		await this.process.waitFor('the test webhook', () => isRegistered(url), 10_000);
	}

	/**
	 * An editor tab's push channel: pass it to `armTestWebhook` to see what n8n tells the
	 * editor about the test run (`close()` it when done).
	 */
	async openEditor(): Promise<EditorChannel> {
		const rest = await this.restSession();
		return EditorChannel.open(this.baseUrl, rest.authHeaders());
	}

	/** Whether the test URL is still listening (the editor would still be waiting). */
	async isTestWebhookArmed(workflowId: string): Promise<boolean> {
		return isRegistered(this.testWebhookUrl(workflowId));
	}

	get running(): boolean {
		return this.process.running;
	}

	/** Stops n8n (SIGTERM to its process group, SIGKILL after 15 s), keeping the folder. */
	async halt(): Promise<void> {
		this.rest = undefined;
		await this.process.halt();
	}

	/**
	 * Kills n8n and its task runner at once (`signal` to the whole process group, SIGKILL by
	 * default: a crash, an out-of-memory kill), keeping the folder so that `start()`-like
	 * `relaunch()` can bring it back on the same database.
	 */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		this.rest = undefined;
		await this.process.kill(signal);
	}

	/** Starts n8n again on the same folder, database and ports after `kill()` or `halt()`. */
	async relaunch(): Promise<void> {
		await this.launch();
	}

	/** Stops n8n and n8n's process group, then removes the user folder (see `keepFolder`). */
	async stop(): Promise<void> {
		await this.halt();
		this.database.close();
		if (!this.keepFolders) rmSync(this.userFolder, { recursive: true, force: true });
	}

	/** Stops and starts n8n again on the same folder, database and ports. */
	async restart(): Promise<void> {
		const started = Date.now();
		await this.halt();
		this.timings.lastHalt = Date.now() - started;
		await this.launch();
		this.timings.lastRestart = Date.now() - started;
	}

	/** Stops n8n, re-imports the Voisnap credential (same id) with these secrets, starts n8n. */
	async setCredential(secrets: VoisnapSecrets): Promise<void> {
		await this.halt();
		await importCredentials((args) => this.cli(args), this.userFolder, [this.voisnapCredential(secrets)]);
		await this.launch();
	}

	/**
	 * Changes the Voisnap credential while n8n runs, as a user saving it in the editor does
	 * (PATCH /rest/credentials/<id>); n8n reads credentials for every delivery.
	 */
	async updateCredential(secrets: VoisnapSecrets): Promise<void> {
		const rest = await this.restSession();
		const { id, name, type, data } = this.voisnapCredential(secrets);
		const answer = await rest.request('PATCH', `/rest/credentials/${id}`, { name, type, data });
		if (answer.status !== 200) throw new Error(`Updating credential ${id} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
	}
}
