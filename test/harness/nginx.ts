import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureDebianPackages } from './debianPackages';
import { freePort } from './ports';
import { spawnGroup, stopGroup } from './processes';

const NGINX = '/usr/sbin/nginx';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The part of the configuration that sends every request for one trigger's URL to the same
 * webhook process: every copy of a delivery, and every delivery of that trigger, so that one
 * process settles simultaneous copies (its check-and-claim is synchronous) and is the only one
 * saving the trigger's memory (n8n saves static data whole, last writer wins). `hash ...
 * consistent`: a process that is down has its triggers moved to the others, and only those.
 * docs/queue-mode.md "The load balancer" shows exactly this text, with the servers
 * `webhook-1:5678` and `webhook-2:5678`; a unit test keeps the two the same. `keepalive` reuses
 * connections to n8n, as a sender's own connections are reused.
 */
export function webhookUpstreamBlock(servers: readonly string[]): string {
	return [
		'upstream n8n_webhooks {',
		'    hash $uri consistent;',
		...servers.map((server) => `    server ${server};`),
		'    keepalive 32;',
		'}',
	].join('\n');
}

/**
 * The `location` that routes production webhooks (and nothing else) to those processes.
 * `proxy_ignore_client_abort`: when the sender gives up (Voisnap after 5 s), n8n's request stays
 * open until n8n answers it, so the process learns that the first copy was stored and answers the
 * retry `duplicate` (n8n 1.x otherwise never answers the abandoned copy, and the trigger lets a
 * retry run a minute later).
 */
export const WEBHOOK_LOCATION_BLOCK = [
	'location /webhook/ {',
	'    proxy_pass http://n8n_webhooks;',
	'    proxy_http_version 1.1;',
	'    proxy_set_header Connection "";',
	'    proxy_set_header Host $host;',
	'    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
	'    proxy_ignore_client_abort on;',
	'}',
].join('\n');

const indent = (text: string, by: string) =>
	text
		.split('\n')
		.map((line) => by + line)
		.join('\n');

/** One request as the front logged it. */
export interface FrontLogLine {
	deliveryId: string;
	/** The webhook process (host:port) that answered, or what nginx tried in turn (`a, b`). */
	upstream: string;
	status: number;
	/** The path requested (the trigger's production URL, without scheme and host). */
	uri: string;
}

/**
 * Debian's nginx (installed when missing) as the load balancer in front of the webhook processes
 * of a queue cluster: 127.0.0.1, a free port, its own folder holding its configuration, pid file,
 * logs and temporary files, `/webhook/` routed to the processes by a hash of the trigger's URL, any
 * other path answered 404 (main's editor and API are not behind it). `stop()` ends it by its PID;
 * it is killed with this process otherwise (processes.ts). Its access log records, per request,
 * the delivery id and the process that answered (`requests()`).
 */
export class NginxFront {
	private constructor(
		readonly folder: string,
		private readonly child: ChildProcess,
		readonly port: number,
		readonly upstreams: readonly string[],
	) {}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	get errorLogFile(): string {
		return join(this.folder, 'error.log');
	}

	get accessLogFile(): string {
		return join(this.folder, 'access.log');
	}

	/** `upstreams`: the webhook processes, as `127.0.0.1:<port>`. */
	static async start(upstreams: readonly string[], port?: number): Promise<NginxFront> {
		await ensureDebianPackages([{ name: 'nginx', present: () => existsSync(NGINX) }]);
		const folder = mkdtempSync(join(tmpdir(), 'voisnap-nginx-'));
		process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
		// As root, nginx's worker runs as nobody and must reach its temporary folders in here.
		chmodSync(folder, 0o755);
		const ownPort = port ?? (await freePort());
		const config = join(folder, 'nginx.conf');
		writeFileSync(config, configuration(folder, ownPort, upstreams));
		const startupLog = join(folder, 'startup.log');
		const log = openSync(startupLog, 'a');
		let child: ChildProcess;
		try {
			// In the foreground, so that it leads its own process group (master and worker).
			child = spawnGroup(NGINX, ['-p', folder, '-c', config, '-e', join(folder, 'error.log'), '-g', 'daemon off;'], { cwd: folder, stdio: ['ignore', log, log] });
		} finally {
			closeSync(log);
		}
		const front = new NginxFront(folder, child, ownPort, upstreams);
		const deadline = Date.now() + 30_000;
		while (!(await front.answers())) {
			if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
				const errors = [startupLog, front.errorLogFile].map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : '')).join('\n');
				await front.stop();
				throw new Error(`nginx did not start:\n${errors.slice(-3000)}`);
			}
			await sleep(50);
		}
		return front;
	}

	/** Whether nginx answers on its port (a path outside `/webhook/` gets its own 404). */
	private async answers(): Promise<boolean> {
		try {
			const response = await fetch(`${this.baseUrl}/voisnap-front-ready`, { signal: AbortSignal.timeout(1_000) });
			await response.arrayBuffer();
			return response.status === 404;
		} catch {
			return false;
		}
	}

	/** Every request the front has logged so far, oldest first. */
	requests(): FrontLogLine[] {
		if (!existsSync(this.accessLogFile)) return [];
		return readFileSync(this.accessLogFile, 'utf8')
			.split('\n')
			.filter((line) => line.length > 0)
			.map((line) => {
				const [deliveryId, upstream, status, uri] = line.split('\t');
				return { deliveryId, upstream, status: Number(status), uri };
			});
	}

	/** SIGTERM by PID (nginx's fast shutdown), SIGKILL after 5 s; removes the folder. */
	async stop(): Promise<void> {
		await stopGroup(this.child, 5_000);
		rmSync(this.folder, { recursive: true, force: true });
	}
}

function configuration(folder: string, port: number, upstreams: readonly string[]): string {
	const temp = (name: string) => join(folder, `${name}-temp`);
	return `# Written by the n8n-nodes-voisnap test harness (test/harness/nginx.ts).
worker_processes 1;
pid ${join(folder, 'nginx.pid')};
error_log ${join(folder, 'error.log')} warn;
${process.getuid?.() === 0 ? 'user nobody nogroup;\n' : ''}events {
    worker_connections 1024;
}
http {
    log_format delivery '$http_x_webhook_delivery_id\\t$upstream_addr\\t$status\\t$uri';
    access_log ${join(folder, 'access.log')} delivery;
    client_body_temp_path ${temp('client-body')};
    proxy_temp_path ${temp('proxy')};
    fastcgi_temp_path ${temp('fastcgi')};
    uwsgi_temp_path ${temp('uwsgi')};
    scgi_temp_path ${temp('scgi')};

${indent(webhookUpstreamBlock(upstreams), '    ')}

    server {
        listen 127.0.0.1:${port};
${indent(WEBHOOK_LOCATION_BLOCK, '        ')}
        location / {
            return 404;
        }
    }
}
`;
}
