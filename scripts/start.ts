/**
 * `npm start`: a local n8n with this package installed as a community package, a "Voisnap"
 * credential and the example workflow active, until Ctrl-C. Writes what `npm run send-event`
 * needs to .tmp/start.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { WorkflowJson } from '../test/harness';
import { N8nInstance, OWNER, REPO_DIR, n8nVersionFromEnv } from '../test/harness';
import { queueModeRequested, startQueueMode } from './lib/queueStart';
import { START_FILE } from './lib/sendEvent';

const EXAMPLE = join(REPO_DIR, 'examples', 'voisnap-events.json');
const DEFAULT_PORT = 5678;

/**
 * The example, active. It carries no webhook id (so that each import into an n8n gets its own
 * URL); the harness imports it as it is, so the trigger gets a fresh one here.
 */
function exampleWorkflow(): WorkflowJson {
	const workflow = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as WorkflowJson;
	const nodes = workflow.nodes.map((node) =>
		node.type === 'n8n-nodes-voisnap.voisnapTrigger' && !node.webhookId ? { ...node, webhookId: randomUUID() } : node,
	);
	return { ...workflow, nodes, active: true };
}

function signingSecret(): { secret: string; origin: string } {
	const fromEnv = process.env.VOISNAP_WEBHOOK_SECRET;
	if (fromEnv) return { secret: fromEnv, origin: 'from VOISNAP_WEBHOOK_SECRET' };
	return { secret: `whsec_${randomBytes(24).toString('base64url')}`, origin: 'generated for this run' };
}

async function main(): Promise<void> {
	const version = n8nVersionFromEnv();
	const port = Number(process.env.N8N_PORT ?? DEFAULT_PORT);
	const { secret, origin } = signingSecret();
	const workflow = exampleWorkflow();
	const trigger = workflow.nodes.find((node) => node.type === 'n8n-nodes-voisnap.voisnapTrigger');
	if (!trigger?.credentials?.voisnapApi) throw new Error(`${EXAMPLE} has no Voisnap Trigger with a credential`);

	if (queueModeRequested(process.argv.slice(2), process.env)) {
		console.error(`[start] starting n8n ${version} in queue mode (Postgres, Redis, main on port ${port}, 2 webhook processes, a worker)`);
		const queue = await startQueueMode({ version, port, secret, secretOrigin: origin, credentialIdentity: trigger.credentials.voisnapApi, workflow });
		serveUntilStopped({ webhookUrl: queue.webhookUrl, secret, editorUrl: queue.editorUrl }, queue.stop);
		console.log(queue.banner);
		return;
	}

	console.error(`[start] starting n8n ${version} with this package on port ${port} (first run installs n8n: a few minutes)`);
	const n8n = await N8nInstance.start({
		version,
		port,
		credential: { signingSecret: secret },
		credentialIdentity: trigger.credentials.voisnapApi,
		workflows: [workflow],
		setUpOwner: true,
	});

	const webhookUrl = n8n.webhookUrl(workflow.id);
	serveUntilStopped({ webhookUrl, secret, editorUrl: n8n.baseUrl }, () => n8n.stop());

	console.log(`
n8n ${version} is running with n8n-nodes-voisnap and the workflow "${workflow.name}".

  Editor          ${n8n.baseUrl}/workflow/${workflow.id}
                  log in as ${OWNER.email} / ${OWNER.password}
  Production URL  ${webhookUrl}
                  (where a webhook in the Voisnap Console would point)
  Signing secret  ${secret}  (${origin})

Send a signed sample event from another terminal:

  npm run send-event -- SessionEnded

n8n's log: ${n8n.logFile}
Ctrl-C stops n8n.`);
}

/** Writes what `npm run send-event` reads, and stops everything on Ctrl-C (or SIGTERM). */
function serveUntilStopped(info: { webhookUrl: string; secret: string; editorUrl: string }, stopAll: () => Promise<void>): void {
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		console.error('\n[start] stopping n8n');
		rmSync(join(REPO_DIR, START_FILE), { force: true });
		await stopAll();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
	mkdirSync(join(REPO_DIR, '.tmp'), { recursive: true });
	writeFileSync(join(REPO_DIR, START_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

main().catch((error: unknown) => {
	console.error(`[start] ${(error as Error).stack ?? String(error)}`);
	process.exit(1);
});
