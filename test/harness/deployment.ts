import type { ExecutionCounts, NodeRun, StoredExecution } from './database';
import type { N8nDatabase } from './database';
import type { WaitForIdleOptions } from './idle';
import { waitForIdle } from './idle';
import type { N8nInstall } from './install';
import { installN8n, n8nVersionFromEnv } from './install';
import type { InstallRoute } from './installRoutes';
import { packPackage } from './pack';
import { RestSession } from './rest';
import type { Activation, N8nCli } from './userFolder';
import { activateWorkflows, importCredentials, importWorkflows, installPackages } from './userFolder';
import type { CredentialJson, VoisnapSecrets, WorkflowJson } from './workflows';
import { DEFAULT_TRIGGER_NAME, voisnapCredential, withVersionIds } from './workflows';

/**
 * What `N8nInstance` (one n8n process) and `QueueCluster` (queue mode) share: the setup they
 * are started with, the start sequence up to launching n8n, and reading back what n8n did.
 */

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
	/**
	 * An n8n-workflow release put into every nodes folder before the package (userFolder.ts):
	 * the node must take n8n's release from n8n, not from the copy it resolves.
	 */
	foreignWorkflowCopy?: string;
	/** Install this repository's package (default true). */
	installPackage?: boolean;
	/** Set up the instance owner (OWNER in rest.ts) once n8n is up, so the editor can log in. */
	setUpOwner?: boolean;
	/**
	 * Install the packages the way a user does by this route (installRoutes.ts: the release's own
	 * Community Nodes installer, or the README's `npm install <tarball>`) instead of the harness's
	 * default `npm install` flags.
	 */
	installRoute?: InstallRoute;
	/** Keep the user folders after stop() (default: removed unless the VOISNAP_KEEP_N8N env is set). */
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

/** What a start has found or made before any user folder exists: the n8n install and the packages. */
export interface Prerequisites {
	install: N8nInstall;
	packages: string[];
}

/** Returns the milliseconds since the previous call (or since it was made). */
export function stopwatch(): () => number {
	let clock = Date.now();
	return () => {
		const now = Date.now();
		const elapsed = now - clock;
		clock = now;
		return elapsed;
	};
}

/** The n8n install and the packages to install into every process (this one packed, plus extras). */
export async function prerequisites(setup: N8nSetup): Promise<Prerequisites> {
	const install = await installN8n(setup.version ?? n8nVersionFromEnv());
	const packages = [...(setup.installPackage === false ? [] : [await packPackage()]), ...(setup.extraPackages ?? [])];
	return { install, packages };
}

/** How a deployment's folders and database are filled before n8n starts. */
export interface Provisioning {
	/** Every process's user folder: each gets the packages in its `.n8n/nodes`. */
	userFolders: string[];
	/** From `prerequisites()`. */
	packages: string[];
	/** The folder the CLI commands run in (import files are written there). */
	cliFolder: string;
	cli: N8nCli;
	/** Leaves a migrated, empty n8n database in place. */
	prepareDatabase: () => Promise<void>;
	activation?: Activation;
}

/** Whether n8n routes a `method` request to `url`: a CORS preflight lists the registered methods and runs no node. */
export async function isRegistered(url: string, method = 'POST'): Promise<boolean> {
	const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://voisnap-e2e.invalid' } });
	await response.arrayBuffer();
	const allowed = (response.headers.get('access-control-allow-methods') ?? '').split(',').map((entry) => entry.trim());
	return response.status < 300 && allowed.includes(method);
}

/** The path segment after the webhook id: the node's `path` parameter, else 'webhook' (Voisnap's). */
export function webhookPathOf(parameters: Record<string, unknown>): string {
	return typeof parameters.path === 'string' && parameters.path !== '' ? parameters.path : 'webhook';
}

/** The production URLs of every active workflow's webhook nodes, on a process at `baseUrl`. */
export function activeWebhookUrls(baseUrl: string, workflows: Iterable<WorkflowJson>): Array<{ workflowId: string; url: string }> {
	return [...workflows]
		.filter((workflow) => workflow.active)
		.flatMap((workflow) =>
			workflow.nodes.flatMap((node) => (node.webhookId ? [{ workflowId: workflow.id, url: `${baseUrl}/webhook/${node.webhookId}/${webhookPathOf(node.parameters)}` }] : [])),
		);
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

/** A started n8n, one process or several: the start sequence and the read-back. */
export abstract class N8nDeployment {
	/** How long each phase took, in ms (install, pack, npmInstall, database, credentials, workflows, launch, ...). */
	readonly timings: Record<string, number> = {};
	protected rest: RestSession | undefined;
	protected readonly workflowsById: Map<string, WorkflowJson>;

	protected constructor(
		readonly install: N8nInstall,
		readonly database: N8nDatabase,
		protected readonly setup: N8nSetup,
		/** Where the editor and REST API answer (main). */
		private readonly editorUrl: () => string,
		private readonly idleLabel: string,
	) {
		this.workflowsById = new Map(setup.workflows.map((workflow) => [workflow.id, workflow]));
	}

	get version(): string {
		return this.install.version;
	}

	/** Starts every n8n process and waits until each is ready and routes every active workflow. */
	protected abstract launch(): Promise<void>;

	abstract stop(): Promise<void>;

	/** The Voisnap credential as imported: these secrets under the setup's credential id and name. */
	protected voisnapCredential(secrets: VoisnapSecrets): CredentialJson {
		const identity = this.setup.credentialIdentity;
		return voisnapCredential(secrets, identity?.id, identity?.name);
	}

	/**
	 * The start sequence after the folders exist: packages into every folder, database,
	 * credentials, workflows, activation, launch, owner. On any failure everything is stopped.
	 */
	protected async provisionAndLaunch(provisioning: Provisioning, lap: () => number): Promise<void> {
		const { cli, cliFolder } = provisioning;
		try {
			// As a user does on each machine: the package in every process's .n8n/nodes.
			const route = this.setup.installRoute;
			const packageOptions = {
				node: this.install.node,
				foreignWorkflowCopy: this.setup.foreignWorkflowCopy,
				byRoute: route ? { route, install: this.install } : undefined,
			};
			await Promise.all(provisioning.userFolders.map((folder) => installPackages(folder, provisioning.packages, packageOptions)));
			this.timings.npmInstall = lap();
			await provisioning.prepareDatabase();
			this.timings.database = lap();
			await importCredentials(cli, cliFolder, [this.voisnapCredential(this.setup.credential), ...(this.setup.extraCredentials ?? [])]);
			this.timings.credentials = lap();
			await importWorkflows(cli, cliFolder, withVersionIds(this.setup.workflows, this.install.version));
			const active = this.setup.workflows.filter((workflow) => workflow.active).map((workflow) => workflow.id);
			await activateWorkflows(active, provisioning.activation ?? 'database', { cli, database: this.database, major: this.install.major });
			this.timings.workflows = lap();
			await this.launch();
			this.timings.launch = lap();
			if (this.setup.setUpOwner) await this.restSession();
		} catch (error) {
			await this.stop();
			throw error;
		}
	}

	protected triggerOf(workflowId: string): { webhookId: string; name: string; path: string } {
		const node = this.workflowsById.get(workflowId)?.nodes.find((candidate) => candidate.webhookId);
		if (!node?.webhookId) throw new Error(`No workflow ${workflowId} with a webhook node in this ${this.idleLabel}`);
		return { webhookId: node.webhookId, name: node.name, path: webhookPathOf(node.parameters) };
	}

	/** A REST session signed in as the instance owner (set up on first use). */
	async restSession(): Promise<RestSession> {
		if (!this.rest) {
			const rest = new RestSession(this.editorUrl(), this.install.major);
			await rest.signIn();
			this.rest = rest;
		}
		return this.rest;
	}

	/**
	 * Waits until no execution is `new` or `running` and the number of executions has not
	 * changed for `quietMs`: n8n may answer a delivery before it creates the execution, and in
	 * queue mode a worker runs it later still.
	 */
	async waitForIdle(options: WaitForIdleOptions = {}): Promise<ExecutionCounts> {
		return waitForIdle(this.database, options, this.idleLabel);
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

	/** Whether the folders stay after stop(). */
	protected get keepFolders(): boolean {
		return this.setup.keepFolder === true || Boolean(process.env.VOISNAP_KEEP_N8N);
	}
}
