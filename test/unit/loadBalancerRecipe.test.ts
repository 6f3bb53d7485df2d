import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { WEBHOOK_LOCATION_BLOCK, webhookUpstreamBlock } from '../harness/nginx';

/**
 * The nginx configuration docs/queue-mode.md gives users is the one the end-to-end tests run
 * (test/harness/nginx.ts writes the same blocks around the processes' loopback ports).
 */
const QUEUE_MODE_DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'queue-mode.md'), 'utf8');

function readmeNginxBlock(): string {
	const section = QUEUE_MODE_DOC.split(/^## The load balancer$/m)[1]?.split(/^## /m)[0] ?? '';
	const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
	if (!block) throw new Error('docs/queue-mode.md has no ```nginx block under "## The load balancer"');
	return block;
}

const indented = (text: string, by: string) =>
	text
		.split('\n')
		.map((line) => by + line)
		.join('\n');

describe('docs/queue-mode.md: the load balancer recipe', () => {
	test('its upstream block is the harness one, with the servers webhook-1:5678 and webhook-2:5678', () => {
		expect(readmeNginxBlock()).toContain(`${webhookUpstreamBlock(['webhook-1:5678', 'webhook-2:5678'])}\n`);
	});

	test('its location block is the harness one, inside the server block', () => {
		expect(readmeNginxBlock()).toMatch(/^server \{\n/m);
		expect(readmeNginxBlock()).toContain(`${indented(WEBHOOK_LOCATION_BLOCK, '    ')}\n`);
	});

	test('the hash is on the trigger\'s URL (one process per trigger), consistent', () => {
		expect(webhookUpstreamBlock(['a:1'])).toContain('hash $uri consistent;');
	});
});
