/**
 * `npm run screenshot`: refreshes docs/editor-test-event.png, the picture in the README. A real
 * n8n 2.41.1 with this package and the example workflow (not published), a real Chromium: the
 * Voisnap Trigger's node details right after "Execute step" received a signed SessionEnded
 * test event, the item on the SessionEnded branch.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { WorkflowJson } from '../test/harness';
import { N8nInstance, OWNER, REPO_DIR } from '../test/harness';
import { launchChromium } from '../test/browser/chromium';
import { EditorPage } from '../test/browser/editorPage';
import { eventFixture, postDelivery, signedDelivery } from '../test/support/signedDelivery';

const TARGET = join(REPO_DIR, 'docs', 'editor-test-event.png');
const SHOTS = join(REPO_DIR, '.tmp', 'screenshot');

async function main(): Promise<void> {
	const example = JSON.parse(readFileSync(join(REPO_DIR, 'examples', 'voisnap-events.json'), 'utf8')) as WorkflowJson;
	// The example carries no webhook id (each import gets its own URL); the harness needs one.
	const nodes = example.nodes.map((node) =>
		node.type === 'n8n-nodes-voisnap.voisnapTrigger' && !node.webhookId ? { ...node, webhookId: randomUUID() } : node,
	);
	const workflow = { ...example, nodes, active: false };
	const trigger = workflow.nodes.find((node) => node.type === 'n8n-nodes-voisnap.voisnapTrigger');
	const credential = trigger?.credentials?.voisnapApi;
	if (!trigger || !credential) throw new Error('examples/voisnap-events.json has no Voisnap Trigger with a credential');
	const secret = `whsec_${randomBytes(24).toString('base64url')}`;

	const n8n = await N8nInstance.start({
		version: '2.41.1',
		credential: { signingSecret: secret },
		credentialIdentity: credential,
		workflows: [workflow],
		setUpOwner: true,
	});
	const chromium = await launchChromium();
	try {
		const editor = await EditorPage.open(chromium.browser, n8n.baseUrl, SHOTS);
		await editor.signIn(OWNER.email, OWNER.password);
		await editor.openWorkflow(workflow.id);
		await editor.openNode(trigger.name);
		await editor.shownTestUrl();
		await editor.listenForTestEvent();
		const answer = await postDelivery(n8n.testWebhookUrl(workflow.id), signedDelivery({ secret, body: eventFixture('SessionEnded') }));
		if (answer.status !== 200) throw new Error(`The test event was answered ${answer.status}: ${answer.text}`);
		await editor.outputBranchJson('SessionEnded Branch (1 item)').catch(async (error: unknown) => {
			await editor.screenshot('failed');
			throw error;
		});
		await editor.dismissToasts();
		copyFileSync(await editor.screenshot('editor-test-event'), TARGET);
		process.stderr.write(`[screenshot] wrote ${TARGET}\n`);
	} finally {
		await chromium.close();
		await n8n.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`[screenshot] failed: ${(error as Error).stack ?? String(error)}\n`);
	process.exitCode = 1;
});
