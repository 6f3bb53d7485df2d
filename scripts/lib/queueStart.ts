/**
 * `npm start -- --queue` (or N8N_MODE=queue npm start): the example workflow in n8n's queue
 * mode, as the harness's end-to-end tests run it: Postgres and Redis from Debian's packages
 * (installed when missing, as root or through sudo), one main (editor), two `n8n webhook`
 * processes receiving deliveries behind Debian's nginx hashing the trigger's URL (docs/queue-mode.md,
 * "The load balancer"), one `n8n worker` running executions, the package installed
 * in each.
 */
import type { WorkflowJson } from '../../test/harness';
import { OWNER, QueueCluster } from '../../test/harness';

export function queueModeRequested(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
	return args.includes('--queue') || env.N8N_MODE?.trim().toLowerCase() === 'queue';
}

export interface QueueStart {
	webhookUrl: string;
	editorUrl: string;
	banner: string;
	stop: () => Promise<void>;
}

export async function startQueueMode(options: {
	version: string;
	port: number;
	secret: string;
	secretOrigin: string;
	credentialIdentity: { id: string; name: string };
	workflow: WorkflowJson;
}): Promise<QueueStart> {
	const { version, workflow } = options;
	const cluster = await QueueCluster.start({
		version,
		mainPort: options.port,
		credential: { signingSecret: options.secret },
		credentialIdentity: options.credentialIdentity,
		workflows: [workflow],
		setUpOwner: true,
		front: true,
	});
	const front = cluster.front!;
	const webhookUrl = cluster.frontWebhookUrl(workflow.id);
	const urls = cluster.webhookUrls(workflow.id);
	const logs = [
		`  ${'nginx'.padEnd(10)} pid ${front.pid}  ${front.errorLogFile}, ${front.accessLogFile}`,
		...cluster.processes.map((process) => `  ${process.name.padEnd(10)} pid ${process.pid}  ${process.logFile}`),
	].join('\n');
	const banner = `
n8n ${version} is running in queue mode with n8n-nodes-voisnap and the workflow "${workflow.name}".

  Editor          ${cluster.main.baseUrl}/workflow/${workflow.id}   (main: no production webhooks)
                  log in as ${OWNER.email} / ${OWNER.password}
  Production URL  ${webhookUrl}
                  (nginx on 127.0.0.1:${front.port}: every delivery of this trigger goes to the
                  same webhook process, by a hash of the URL; what you would paste into the
                  Voisnap Console)
  Behind it       ${urls.join('\n                  ')}
                  (the webhook processes, also reachable directly)
  Signing secret  ${options.secret}  (${options.secretOrigin})
  Postgres        127.0.0.1:${cluster.postgres.port}   Redis 127.0.0.1:${cluster.redis.port}

Send a signed sample event from another terminal (through nginx; --url for a process behind it):

  npm run send-event -- SessionEnded

Processes and logs:
${logs}
Ctrl-C stops them all.`;
	return { webhookUrl, editorUrl: cluster.main.baseUrl, banner, stop: () => cluster.stop() };
}
