import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nDatabase } from './database';
import type { ExecutionCounts } from './database';
import type { ExpressionEngine } from './environment';
import { n8nEnvironment } from './environment';
import type { N8nInstall } from './install';
import { installN8n, n8nVersionFromEnv } from './install';
import type { WaitForIdleOptions } from './idle';
import { waitForIdle } from './idle';
import type { Execution, N8nSetup } from './instance';
import { toExecution, webhookPathOf } from './instance';
import type { QueueRole } from './n8nProcess';
import { N8nProcess } from './n8nProcess';
import { packPackage } from './pack';
import { freePort } from './ports';
import { PostgresServer } from './postgres';
import { run } from './processes';
import { RedisServer } from './redis';
import { RestSession } from './rest';
import type { N8nCli } from './userFolder';
import { activateWorkflows, importCredentials, importWorkflows, installPackages } from './userFolder';
import type { WorkflowJson } from './workflows';
import { DEFAULT_TRIGGER_NAME, voisnapCredential } from './workflows';

export interface QueueClusterOptions extends N8nSetup {
	/** `n8n webhook` processes (default 2). */
	webhookProcesses?: number;
	/** `n8n worker` processes (default 1). */
	workers?: number;
	/** Added to every process's environment last. */
	env?: Record<string, string>;
	/** Added to one role's environment (after `env`). */
	roleEnv?: Partial<Record<QueueRole, Record<string, string>>>;
	/** 2.x only; 1.x always runs `legacy`. */
	expressionEngine?: ExpressionEngine;
	/** The main process's HTTP port (default: a free one). */
	mainPort?: number;
	/** Set up the instance owner once main is up (the editor's login). */
	setUpOwner?: boolean;
	/** Keep the user folders after stop() (also with the VOISNAP_KEEP_N8N env). */
	keepFolder?: boolean;
}

const DATABASE = 'n8n';

/**
 * n8n's queue mode on one machine: Postgres and Redis from Debian's packages, one `n8n start`
 * (main: editor, API, activation; production webhooks switched off there with
 * N8N_DISABLE_PRODUCTION_MAIN_PROCESS, as behind a load balancer that sends /webhook/ to the
 * webhook processes), `n8n webhook` processes that receive deliveries and enqueue executions,
 * and `n8n worker` processes that run them. Every process has its own user folder with this
 * package installed in `.n8n/nodes`, its own ports, and the same encryption key and database.
 *
 *   const cluster = await QueueCluster.start({ credential: { signingSecret }, workflows: [wf] });
 *   const [first, second] = cluster.webhookUrls(wf.id);  // one per webhook process
 *   await cluster.waitForIdle({ workflowId: wf.id, atLeast: 1 });
 *   await cluster.stop();
 */
export class QueueCluster {
	readonly database: N8nDatabase;
	readonly timings: Record<string, number> = {};
	private rest: RestSession | undefined;
	private readonly workflowsById: Map<string, WorkflowJson>;

	private constructor(
		readonly install: N8nInstall,
		readonly postgres: PostgresServer,
		readonly redis: RedisServer,
		readonly main: N8nProcess,
		readonly webhooks: N8nProcess[],
		readonly workers: N8nProcess[],
		private readonly options: QueueClusterOptions,
	) {
		this.database = N8nDatabase.postgres(install, postgres.connection(DATABASE));
		this.workflowsById = new Map(options.workflows.map((workflow) => [workflow.id, workflow]));
	}

	get version(): string {
		return this.install.version;
	}

	/** Every n8n process: main, webhook processes, workers. */
	get processes(): N8nProcess[] {
		return [this.main, ...this.webhooks, ...this.workers];
	}

	static async start(options: QueueClusterOptions): Promise<QueueCluster> {
		let clock = Date.now();
		const lap = () => {
			const elapsed = Date.now() - clock;
			clock = Date.now();
			return elapsed;
		};
		const install = await installN8n(options.version ?? n8nVersionFromEnv());
		const packages = [...(options.installPackage === false ? [] : [await packPackage()]), ...(options.extraPackages ?? [])];
		const installMs = lap();
		const [postgres, redis] = await bothOrNeither(PostgresServer.start(), RedisServer.start());
		const servicesMs = lap();
		const encryptionKey = randomBytes(24).toString('hex');
		const environmentOf = (role: QueueRole, userFolder: string, port: number, brokerPort: number) => () =>
			n8nEnvironment(install, {
				userFolder,
				port,
				brokerPort,
				encryptionKey,
				expressionEngine: options.expressionEngine,
				extra: { ...queueEnvironment(role, port, postgres, redis), ...options.env, ...options.roleEnv?.[role] },
			});
		const newProcess = async (name: string, role: QueueRole, port?: number) => {
			const userFolder = mkdtempSync(join(tmpdir(), `n8n-${install.version}-${name}-`));
			const ownPort = port ?? (await freePort());
			// n8n's default, said out loud: the crash figures depend on it (jobs in flight on a worker).
			const args = role === 'worker' ? ['--concurrency=10'] : [];
			return new N8nProcess(name, role, install, userFolder, ownPort, environmentOf(role, userFolder, ownPort, await freePort()), args);
		};
		const main = await newProcess('main', 'main', options.mainPort);
		const webhooks: N8nProcess[] = [];
		for (let i = 1; i <= (options.webhookProcesses ?? 2); i++) webhooks.push(await newProcess(`webhook-${i}`, 'webhook'));
		const workers: N8nProcess[] = [];
		for (let i = 1; i <= (options.workers ?? 1); i++) workers.push(await newProcess(`worker-${i}`, 'worker'));
		const cluster = new QueueCluster(install, postgres, redis, main, webhooks, workers, options);
		cluster.timings.install = installMs;
		cluster.timings.services = servicesMs;
		try {
			// As a user does on each machine: the package in every process's .n8n/nodes.
			await Promise.all(cluster.processes.map((process) => installPackages(process.userFolder, packages)));
			cluster.timings.npmInstall = lap();
			await cluster.prepareDatabase();
			cluster.timings.database = lap();
			const cli = cluster.cli();
			const credential = voisnapCredential(options.credential, options.credentialIdentity?.id, options.credentialIdentity?.name);
			await importCredentials(cli, main.userFolder, [credential, ...(options.extraCredentials ?? [])]);
			await importWorkflows(cli, main.userFolder, options.workflows);
			const active = options.workflows.filter((workflow) => workflow.active).map((workflow) => workflow.id);
			await activateWorkflows(active, 'database', { cli, database: cluster.database, major: install.major });
			cluster.timings.workflows = lap();
			await cluster.launchAll();
			cluster.timings.launch = lap();
			if (options.setUpOwner) await cluster.restSession();
		} catch (error) {
			await cluster.stop();
			throw error;
		}
		return cluster;
	}

	/** `n8n <args>` with main's folder and environment (database and queue included). */
	cli(): N8nCli {
		return (args) => run(this.install.node, [this.install.n8nBin, ...args], { cwd: this.main.userFolder, env: this.main.environment() });
	}

	/**
	 * A database on which n8n's migrations already ran: restored from a dump made once per n8n
	 * version beside the install cache (migrating an empty Postgres database takes 10-40 s).
	 */
	private async prepareDatabase(): Promise<void> {
		const template = join(this.install.n8nDir, '..', `postgres-template-${this.install.version}.sql`);
		await this.postgres.createDatabase(DATABASE);
		if (existsSync(template)) {
			await this.postgres.restore(DATABASE, template);
			return;
		}
		// Any command that opens the database migrates it; this one changes nothing else.
		await this.cli()(['list:workflow']);
		const partial = `${template}.${process.pid}.tmp`;
		await this.postgres.dump(DATABASE, partial);
		renameSync(partial, template);
	}

	/** Starts every process, then waits until each webhook process routes every active workflow. */
	private async launchAll(): Promise<void> {
		await Promise.all(this.processes.map((process) => process.launch()));
		await Promise.all(this.webhooks.map((process) => this.waitForWebhooks(process)));
	}

	/**
	 * Main registers the active workflows' webhooks in the database when it activates them;
	 * webhook processes look them up there. Asked with a CORS preflight, which runs no node.
	 */
	private async waitForWebhooks(process: N8nProcess): Promise<void> {
		for (const workflow of this.workflowsById.values()) {
			if (!workflow.active) continue;
			for (const node of workflow.nodes) {
				if (!node.webhookId) continue;
				const url = `${process.baseUrl}/webhook/${node.webhookId}/${webhookPathOf(node.parameters)}`;
				await process.waitFor(`webhook of ${workflow.id}`, () => isRegistered(url), 120_000);
			}
		}
	}

	/** Starts a process again after `kill()` or `halt()` (same folder and ports). */
	async relaunch(process: N8nProcess): Promise<void> {
		await process.launch();
		if (process.role === 'webhook') await this.waitForWebhooks(process);
	}

	/** Stops every n8n process (webhook processes first, then workers and main), then starts them all. */
	async restartAll(): Promise<void> {
		const started = Date.now();
		await Promise.all(this.webhooks.map((process) => process.halt()));
		await Promise.all([...this.workers, this.main].map((process) => process.halt()));
		this.rest = undefined;
		await this.launchAll();
		this.timings.lastRestart = Date.now() - started;
	}

	private triggerOf(workflowId: string): { webhookId: string; path: string } {
		const node = this.workflowsById.get(workflowId)?.nodes.find((candidate) => candidate.webhookId);
		if (!node?.webhookId) throw new Error(`No workflow ${workflowId} with a webhook node in this cluster`);
		return { webhookId: node.webhookId, path: webhookPathOf(node.parameters) };
	}

	/** The workflow's production URL on each webhook process, in order. */
	webhookUrls(workflowId: string): string[] {
		const { webhookId, path } = this.triggerOf(workflowId);
		return this.webhooks.map((process) => `${process.baseUrl}/webhook/${webhookId}/${path}`);
	}

	/** The same URL on the main process (where production webhooks are switched off). */
	mainWebhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.main.baseUrl}/webhook/${webhookId}/${path}`;
	}

	async restSession(): Promise<RestSession> {
		if (!this.rest) {
			const rest = new RestSession(this.main.baseUrl, this.install.major);
			await rest.signIn();
			this.rest = rest;
		}
		return this.rest;
	}

	/**
	 * Until nothing is `new`/`running` and the count has not changed for `quietMs`: the trigger's
	 * 200 comes once n8n has queued the execution, which a worker runs later.
	 */
	async waitForIdle(options: WaitForIdleOptions = {}): Promise<ExecutionCounts> {
		return waitForIdle(this.database, options, 'queue cluster');
	}

	/** The workflow's executions, oldest first, with the trigger node's outputs. */
	async executions(workflowId: string, triggerName?: string): Promise<Execution[]> {
		const name = triggerName ?? this.workflowsById.get(workflowId)?.nodes[0]?.name ?? DEFAULT_TRIGGER_NAME;
		return (await this.database.executions(workflowId)).map((stored) => toExecution(stored, name));
	}

	staticData(workflowId: string): Promise<Record<string, unknown> | null> {
		return this.database.staticData(workflowId);
	}

	/** Stops every n8n process, then Redis and Postgres, and removes the folders. */
	async stop(): Promise<void> {
		await Promise.allSettled(this.webhooks.map((process) => process.halt()));
		await Promise.allSettled([...this.workers, this.main].map((process) => process.halt()));
		this.database.close();
		await Promise.allSettled([this.redis.stop(), this.postgres.stop()]);
		if (!this.options.keepFolder && !process.env.VOISNAP_KEEP_N8N) {
			for (const n8n of this.processes) rmSync(n8n.userFolder, { recursive: true, force: true });
		}
	}
}

/** Both servers, or, when one fails to start, neither (the other is stopped). */
async function bothOrNeither(postgres: Promise<PostgresServer>, redis: Promise<RedisServer>): Promise<[PostgresServer, RedisServer]> {
	const [pg, rd] = await Promise.allSettled([postgres, redis]);
	if (pg.status === 'fulfilled' && rd.status === 'fulfilled') return [pg.value, rd.value];
	await Promise.allSettled([pg.status === 'fulfilled' ? pg.value.stop() : undefined, rd.status === 'fulfilled' ? rd.value.stop() : undefined]);
	throw pg.status === 'rejected' ? pg.reason : (rd as PromiseRejectedResult).reason;
}

/** What each role needs beyond the harness's usual environment (environment.ts). */
function queueEnvironment(role: QueueRole, port: number, postgres: PostgresServer, redis: RedisServer): Record<string, string> {
	const db = postgres.connection(DATABASE);
	const shared = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: db.host,
		DB_POSTGRESDB_PORT: String(db.port),
		DB_POSTGRESDB_DATABASE: db.database,
		DB_POSTGRESDB_USER: db.user,
		DB_POSTGRESDB_PASSWORD: db.password,
	};
	if (role === 'main') return { ...shared, N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' };
	if (role === 'worker') {
		// The worker's /healthz/readiness, on loopback (its default port is main's 5678).
		return { ...shared, QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' };
	}
	return shared;
}

/** Whether n8n routes a POST to `url`: a CORS preflight lists the registered methods. */
async function isRegistered(url: string): Promise<boolean> {
	const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://voisnap-e2e.invalid' } });
	await response.arrayBuffer();
	const allowed = (response.headers.get('access-control-allow-methods') ?? '').split(',').map((method) => method.trim());
	return response.status < 300 && allowed.includes('POST');
}
