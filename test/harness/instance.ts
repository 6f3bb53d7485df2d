import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ExecutionCounts, NodeRun, StoredExecution } from './database';
import { N8nDatabase } from './database';
import type { ExpressionEngine } from './environment';
import { n8nEnvironment } from './environment';
import type { N8nInstall } from './install';
import { installN8n, n8nVersionFromEnv } from './install';
import { packPackage } from './pack';
import { freePort } from './ports';
import { run, spawnGroup, stopGroup } from './processes';
import { EditorChannel } from './editor';
import type { WaitForIdleOptions } from './idle';
import { waitForIdle } from './idle';

export type { WaitForIdleOptions } from './idle';
import { RestSession } from './rest';
import type { CredentialJson, VoisnapSecrets, WorkflowJson } from './workflows';
import type { Activation, N8nCli } from './userFolder';
import { activateWorkflows, importCredentials, importWorkflows, installPackages, seedDatabase } from './userFolder';
import { DEFAULT_TRIGGER_NAME, voisnapCredential } from './workflows';

/** What an n8n (one process, or a queue-mode cluster) is started with: version, packages, data. */
export interface N8nSetup {
	/** Defaults to `N8N_VERSION`, else 2.41.1. */
	version?: string;
	/** The Voisnap credential, imported with the fixed id VOISNAP_CREDENTIAL_ID (see credentialIdentity). */
	credential: VoisnapSecrets;
	/** Id and name to import the Voisnap credential under (default VOISNAP_CREDENTIAL_ID / _NAME). */
	credentialIdentity?: { id: string; name: string };
	/** Further credentials (any type), e.g. one with an empty secret. */
	extraCredentials?: CredentialJson[];
	/** Imported as they are; those with `active: true` are activated before n8n starts. */
	workflows: WorkflowJson[];
	/** Tarballs or folders of other `n8n-nodes-*` packages to install beside this one (in every process). */
	extraPackages?: string[];
	/** Install this repository's package (default true). */
	installPackage?: boolean;
}

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
	/** Set up the instance owner (OWNER in rest.ts) once n8n is up, so the editor can log in. */
	setUpOwner?: boolean;
	/** Log lines also go to this process's stderr (default: only to the log file). */
	echoLog?: boolean;
	/** Keep the user folder after stop() (default: removed unless the VOISNAP_KEEP_N8N env is set). */
	keepFolder?: boolean;
}

/** One execution as the tests look at it. */
export interface Execution {
	id: string;
	/** new | running | success | error | canceled | crashed | waiting */
	status: string;
	/** `webhook` for the production URL, `manual` for the test URL. */
	mode: string;
	/** JSON of the items per output index of the trigger node: `outputs[i]` left output i. */
	outputs: Array<Array<Record<string, unknown>>>;
	/** The trigger node's error message, else the execution's, if any. */
	error: string | null;
	errorDescription: string | null;
	/** Every node's first run, by node name. */
	nodes: Record<string, NodeRun>;
	/** JSON of the items still waiting to run (an execution kept as crashed before its first step). */
	queuedItems: Array<Record<string, unknown>>;
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
export class N8nInstance {
	readonly baseUrl: string;
	readonly database: N8nDatabase;
	/** n8n's stdout and stderr, from every start of this instance. */
	readonly logFile: string;

	/** How long each phase took, in ms (install, pack, npmInstall, credentials, workflows, launch, ...). */
	readonly timings: Record<string, number> = {};

	private child: ChildProcess | undefined;
	private rest: RestSession | undefined;
	private readonly workflowsById: Map<string, WorkflowJson>;

	private constructor(
		readonly install: N8nInstall,
		readonly userFolder: string,
		readonly port: number,
		private readonly brokerPort: number,
		private readonly encryptionKey: string,
		private readonly options: StartOptions,
	) {
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.database = new N8nDatabase(install, join(userFolder, '.n8n', 'database.sqlite'));
		this.logFile = join(userFolder, 'n8n.log');
		this.workflowsById = new Map(options.workflows.map((workflow) => [workflow.id, workflow]));
	}

	get version(): string {
		return this.install.version;
	}

	static async start(options: StartOptions): Promise<N8nInstance> {
		let clock = Date.now();
		const lap = () => {
			const now = Date.now();
			const elapsed = now - clock;
			clock = now;
			return elapsed;
		};
		const install = await installN8n(options.version ?? n8nVersionFromEnv());
		const installMs = lap();
		const packages = [...(options.installPackage === false ? [] : [await packPackage()]), ...(options.extraPackages ?? [])];
		const packMs = lap();
		const userFolder = mkdtempSync(join(tmpdir(), `n8n-${install.version}-`));
		const instance = new N8nInstance(
			install,
			userFolder,
			options.port ?? (await freePort()),
			await freePort(),
			randomBytes(24).toString('hex'),
			options,
		);
		instance.timings.install = installMs;
		instance.timings.pack = packMs;
		const cli: N8nCli = (args) => instance.cli(args);
		try {
			await installPackages(userFolder, packages);
			instance.timings.npmInstall = lap();
			await seedDatabase(install, instance.database.path, (folder) => (args) => instance.cli(args, folder));
			instance.timings.database = lap();
			await instance.importCredentials([instance.voisnapCredential(options.credential), ...(options.extraCredentials ?? [])]);
			instance.timings.credentials = lap();
			await importWorkflows(cli, userFolder, options.workflows);
			const active = options.workflows.filter((workflow) => workflow.active).map((workflow) => workflow.id);
			await activateWorkflows(active, options.activation ?? 'database', { cli, database: instance.database, major: install.major });
			instance.timings.workflows = lap();
			await instance.launch();
			instance.timings.launch = lap();
			if (options.setUpOwner) await instance.restSession();
		} catch (error) {
			await instance.stop();
			throw error;
		}
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

	/** The Voisnap credential as imported: these secrets under the instance's credential id and name. */
	private voisnapCredential(secrets: VoisnapSecrets): CredentialJson {
		const identity = this.options.credentialIdentity;
		return voisnapCredential(secrets, identity?.id, identity?.name);
	}

	/** Runs `n8n <args>` (a CLI command) against this instance's folder and database (or another folder's). */
	async cli(args: string[], userFolder = this.userFolder): Promise<{ stdout: string; stderr: string }> {
		return run(this.install.node, [this.install.n8nBin, ...args], { cwd: userFolder, env: this.environment(userFolder) });
	}

	private importCredentials(credentials: CredentialJson[]): Promise<void> {
		return importCredentials((args) => this.cli(args), this.userFolder, credentials);
	}

	/** Starts `n8n start` and waits until it is ready and every active workflow's webhook answers. */
	private async launch(): Promise<void> {
		if (this.child) throw new Error('n8n is already running');
		const logOffset = this.logSize();
		const log = openSync(this.logFile, 'a');
		try {
			this.child = spawnGroup(this.install.node, [this.install.n8nBin, 'start'], {
				cwd: this.userFolder,
				env: this.environment(),
				stdio: ['ignore', log, log],
			});
		} finally {
			closeSync(log);
		}
		if (this.options.echoLog) this.echoLogFrom(logOffset, this.child);
		this.rest = undefined;
		const started = Date.now();
		try {
			await this.waitFor('readiness', async () => (await this.fetchStatus('GET', '/healthz/readiness')) === 200, 120_000);
			// 1.x reports ready before it mounts the REST API the editor (and armTestWebhook) use.
			await this.waitFor('the REST API', async () => (await this.fetchStatus('GET', '/rest/settings')) === 200, 60_000);
			for (const workflow of this.workflowsById.values()) {
				if (!workflow.active) continue;
				for (const node of workflow.nodes) {
					if (!node.webhookId) continue;
					const url = this.productionUrl(node.webhookId, webhookPathOf(node.parameters));
					await this.waitFor(`webhook of ${workflow.id}`, async () => await this.isRegistered(url), 60_000);
				}
			}
		} catch (error) {
			const text = this.logText(logOffset);
			throw new Error(`${(error as Error).message} (n8n ${this.version}, ${Date.now() - started} ms)\n--- n8n log ---\n${text.split('\n').slice(-60).join('\n')}`);
		}
	}

	/** Copies what n8n appends to its log file to this process's stderr while it runs. */
	private echoLogFrom(offset: number, child: ChildProcess): void {
		let position = offset;
		const copy = () => {
			const size = this.logSize();
			if (size <= position) return;
			process.stderr.write(readFileSync(this.logFile).subarray(position, size));
			position = size;
		};
		const timer = setInterval(copy, 250);
		timer.unref();
		child.once('exit', () => {
			clearInterval(timer);
			copy();
		});
	}

	private async waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const child = this.child;
			if (!child || child.exitCode !== null || child.signalCode !== null) {
				throw new Error(`n8n exited (${child?.signalCode ?? child?.exitCode}) while waiting for ${what}`);
			}
			if (await check().catch(() => false)) return;
			if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
			await sleep(150);
		}
	}

	private async fetchStatus(method: string, path: string, headers?: Record<string, string>): Promise<number> {
		const response = await fetch(`${this.baseUrl}${path}`, { method, headers });
		await response.arrayBuffer();
		return response.status;
	}

	/**
	 * Whether n8n would route a `method` request to `url` (production or test URL), asked
	 * without running the node: a CORS preflight (OPTIONS with an Origin) is answered with
	 * `Access-Control-Allow-Methods` listing the methods registered for the path ("OPTIONS"
	 * alone, or a 404, when none is).
	 */
	async isRegistered(url: string, method = 'POST'): Promise<boolean> {
		const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://voisnap-e2e.invalid' } });
		await response.arrayBuffer();
		const allowed = (response.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
		return response.status < 300 && allowed.includes(method);
	}

	private logSize(): number {
		try {
			return statSync(this.logFile).size;
		} catch {
			return 0;
		}
	}

	/** n8n's log so far, from `fromOffset` (a value of `logOffset()`). */
	logText(fromOffset = 0): string {
		return readFileSync(this.logFile).subarray(fromOffset).toString('utf8');
	}

	/** The log's current length, to read only what a test caused with `logText(offset)`. */
	logOffset(): number {
		return this.logSize();
	}

	private productionUrl(webhookId: string, path: string): string {
		return `${this.baseUrl}/webhook/${webhookId}/${path}`;
	}

	private triggerOf(workflowId: string): { webhookId: string; name: string; path: string } {
		const workflow = this.workflowsById.get(workflowId);
		const node = workflow?.nodes.find((candidate) => candidate.webhookId);
		if (!node?.webhookId) throw new Error(`No workflow ${workflowId} with a webhook node in this instance`);
		return { webhookId: node.webhookId, name: node.name, path: webhookPathOf(node.parameters) };
	}

	/** The production URL of the workflow's trigger: /webhook/<webhookId>/webhook. */
	webhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return this.productionUrl(webhookId, path);
	}

	/** The test URL of the workflow's trigger (listening only after `armTestWebhook`). */
	testWebhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.baseUrl}/webhook-test/${webhookId}/${path}`;
	}

	/** A REST session signed in as the instance owner (set up on first use). */
	async restSession(): Promise<RestSession> {
		if (!this.rest) {
			const rest = new RestSession(this.baseUrl, this.install.major);
			await rest.signIn();
			this.rest = rest;
		}
		return this.rest;
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
		await this.waitFor('the test webhook', async () => await this.isRegistered(url), 10_000);
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
		return this.isRegistered(this.testWebhookUrl(workflowId));
	}

	/**
	 * Waits until no execution is `new` or `running` and the number of executions has not
	 * changed for `quietMs`: n8n answers a delivery before it creates the execution.
	 */
	async waitForIdle(options: WaitForIdleOptions = {}): Promise<ExecutionCounts> {
		return waitForIdle(this.database, options);
	}

	/** The workflow's executions, oldest first, with the trigger node's outputs. */
	async executions(workflowId: string, triggerName?: string): Promise<Execution[]> {
		const name = triggerName ?? this.workflowsById.get(workflowId)?.nodes[0]?.name ?? DEFAULT_TRIGGER_NAME;
		return (await this.database.executions(workflowId)).map((stored) => toExecution(stored, name));
	}

	/** The workflow's static data as n8n saved it (null when never saved). */
	staticData(workflowId: string): Promise<Record<string, unknown> | null> {
		return this.database.staticData(workflowId);
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Stops n8n (SIGTERM to its process group, SIGKILL after 15 s), keeping the folder. */
	async halt(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		this.rest = undefined;
		if (child) await stopGroup(child);
	}

	/**
	 * Kills n8n and its task runner at once (`signal` to the whole process group, SIGKILL by
	 * default: a crash, an out-of-memory kill), keeping the folder so that `start()`-like
	 * `relaunch()` can bring it back on the same database.
	 */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		const child = this.child;
		this.child = undefined;
		this.rest = undefined;
		if (!child?.pid) return;
		const exited = new Promise<void>((resolve) => {
			if (child.exitCode !== null || child.signalCode !== null) resolve();
			else child.once('exit', () => resolve());
		});
		process.kill(-child.pid, signal);
		await exited;
	}

	/** Starts n8n again on the same folder, database and ports after `kill()` or `halt()`. */
	async relaunch(): Promise<void> {
		await this.launch();
	}

	/** Stops n8n and n8n's process group, then removes the user folder (see `keepFolder`). */
	async stop(): Promise<void> {
		await this.halt();
		this.database.close();
		if (!this.options.keepFolder && !process.env.VOISNAP_KEEP_N8N) {
			rmSync(this.userFolder, { recursive: true, force: true });
		}
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
		await this.importCredentials([this.voisnapCredential(secrets)]);
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

/** The path segment after the webhook id: the node's `path` parameter, else 'webhook' (Voisnap's). */
export function webhookPathOf(parameters: Record<string, unknown>): string {
	return typeof parameters.path === 'string' && parameters.path !== '' ? parameters.path : 'webhook';
}

export function toExecution(stored: StoredExecution, triggerName: string): Execution {
	const trigger = stored.nodes[triggerName];
	return {
		id: stored.id,
		status: stored.status,
		mode: stored.mode,
		outputs: trigger?.outputs ?? [],
		error: trigger?.error ?? stored.error,
		errorDescription: trigger?.errorDescription ?? null,
		nodes: stored.nodes,
		queuedItems: stored.queuedItems ?? [],
	};
}
