import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nDatabase } from './database';
import type { N8nSetup } from './deployment';
import { N8nDeployment, activeWebhookUrls, isRegistered, prerequisites, stopwatch } from './deployment';
import type { ExpressionEngine } from './environment';
import { n8nEnvironment } from './environment';
import type { N8nInstall } from './install';
import type { QueueRole } from './n8nProcess';
import { N8nProcess } from './n8nProcess';
import { NginxFront } from './nginx';
import { freePort } from './ports';
import { PostgresServer } from './postgres';
import { run } from './processes';
import { RedisServer } from './redis';
import type { N8nCli } from './userFolder';

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
	/**
	 * Put nginx in front of the webhook processes, hashing the trigger's URL (nginx.ts):
	 * `frontWebhookUrl(id)` is then where deliveries go. `true` for a free port, or the port.
	 */
	front?: boolean | number;
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
export class QueueCluster extends N8nDeployment {
	/** The load balancer in front of the webhook processes, with the `front` option. */
	front: NginxFront | undefined;

	private constructor(
		install: N8nInstall,
		readonly postgres: PostgresServer,
		readonly redis: RedisServer,
		readonly main: N8nProcess,
		readonly webhooks: N8nProcess[],
		readonly workers: N8nProcess[],
		options: QueueClusterOptions,
	) {
		super(install, N8nDatabase.postgres(install, postgres.connection(DATABASE)), options, () => main.baseUrl, 'queue cluster');
	}

	/** Every n8n process: main, webhook processes, workers. */
	get processes(): N8nProcess[] {
		return [this.main, ...this.webhooks, ...this.workers];
	}

	static async start(options: QueueClusterOptions): Promise<QueueCluster> {
		const lap = stopwatch();
		const { install, packages } = await prerequisites(options);
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
			return new N8nProcess(name, role, install, userFolder, ownPort, environmentOf(role, userFolder, ownPort, await freePort()), { args });
		};
		const main = await newProcess('main', 'main', options.mainPort);
		const webhooks: N8nProcess[] = [];
		for (let i = 1; i <= (options.webhookProcesses ?? 2); i++) webhooks.push(await newProcess(`webhook-${i}`, 'webhook'));
		const workers: N8nProcess[] = [];
		for (let i = 1; i <= (options.workers ?? 1); i++) workers.push(await newProcess(`worker-${i}`, 'worker'));
		const cluster = new QueueCluster(install, postgres, redis, main, webhooks, workers, options);
		cluster.timings.install = installMs;
		cluster.timings.services = servicesMs;
		await cluster.provisionAndLaunch(
			{
				userFolders: cluster.processes.map((process) => process.userFolder),
				packages,
				cliFolder: main.userFolder,
				cli: cluster.cli(),
				prepareDatabase: () => cluster.prepareDatabase(),
			},
			lap,
		);
		if (options.front !== undefined && options.front !== false) {
			try {
				const upstreams = webhooks.map((process) => `127.0.0.1:${process.port}`);
				cluster.front = await NginxFront.start(upstreams, typeof options.front === 'number' ? options.front : undefined);
				cluster.timings.front = lap();
			} catch (error) {
				await cluster.stop();
				throw error;
			}
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
	protected async launch(): Promise<void> {
		await Promise.all(this.processes.map((process) => process.launch()));
		await Promise.all(this.webhooks.map((process) => this.waitForWebhooks(process)));
	}

	/**
	 * Main registers the active workflows' webhooks in the database when it activates them;
	 * webhook processes look them up there. Asked with a CORS preflight, which runs no node.
	 */
	private async waitForWebhooks(process: N8nProcess): Promise<void> {
		for (const { workflowId, url } of activeWebhookUrls(process.baseUrl, this.workflowsById.values())) {
			await process.waitFor(`webhook of ${workflowId}`, () => isRegistered(url), 120_000);
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
		await this.launch();
		this.timings.lastRestart = Date.now() - started;
	}

	/** The workflow's production URL on each webhook process, in order. */
	webhookUrls(workflowId: string): string[] {
		const { webhookId, path } = this.triggerOf(workflowId);
		return this.webhooks.map((process) => `${process.baseUrl}/webhook/${webhookId}/${path}`);
	}

	/** The workflow's production URL on the front (the `front` option), where deliveries go. */
	frontWebhookUrl(workflowId: string): string {
		if (!this.front) throw new Error('This cluster was started without a front (option `front`)');
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.front.baseUrl}/webhook/${webhookId}/${path}`;
	}

	/**
	 * The webhook process the front sends this trigger's requests to (its URL's hash), found by
	 * sending it one unsigned request, which the trigger refuses without starting anything.
	 */
	async frontProcessOf(workflowId: string): Promise<N8nProcess> {
		const url = this.frontWebhookUrl(workflowId);
		await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		const { pathname } = new URL(url);
		const answeredBy = this.front!.requests()
			.filter((request) => request.uri === pathname)
			.pop()
			?.upstream.split(/,\s*/)
			.pop();
		const process = this.webhooks.find((candidate) => answeredBy === `127.0.0.1:${candidate.port}`);
		if (!process) throw new Error(`The front sent ${pathname} to ${answeredBy ?? 'no process'}, not to a webhook process of this cluster`);
		return process;
	}

	/** The same URL on the main process (where production webhooks are switched off). */
	mainWebhookUrl(workflowId: string): string {
		const { webhookId, path } = this.triggerOf(workflowId);
		return `${this.main.baseUrl}/webhook/${webhookId}/${path}`;
	}

	/** Stops the front, every n8n process, then Redis and Postgres, and removes the folders. */
	async stop(): Promise<void> {
		await this.front?.stop();
		await Promise.allSettled(this.webhooks.map((process) => process.halt()));
		await Promise.allSettled([...this.workers, this.main].map((process) => process.halt()));
		this.database.close();
		await Promise.allSettled([this.redis.stop(), this.postgres.stop()]);
		if (!this.keepFolders) {
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
