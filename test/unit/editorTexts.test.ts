import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REJECTIONS } from '../../nodes/VoisnapTrigger/contract/answers';
import type { RejectionReason } from '../../nodes/VoisnapTrigger/contract/answers';
import { ANSWERS_DOC_URL, REJECTION_ADVICE } from '../../nodes/VoisnapTrigger/description/rejectionAdvice';
import { rejectionDescription } from '../../nodes/VoisnapTrigger/n8n/rejections';
import { VoisnapTrigger } from '../../nodes/VoisnapTrigger/VoisnapTrigger.node';
import { VoisnapApi } from '../../credentials/VoisnapApi.credentials';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const REASONS = Object.keys(REJECTIONS) as RejectionReason[];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s-]/gu, '')
		.replace(/\s/g, '-');
}

const readmeAnchors = README.split('\n')
	.filter((line) => /^#{1,6} /.test(line))
	.map((line) => githubAnchor(line.replace(/^#+ /, '')));

/** The rows of the README's answers table: the lines after its header, up to the first line that is not a row. */
function answersTableRows(): string[] {
	const lines = README.split('\n');
	const header = lines.findIndex((line) => line.startsWith('| case | status | body |'));
	const rows: string[] = [];
	for (let index = header + 2; index < lines.length && lines[index].startsWith('|'); index++) rows.push(lines[index]);
	return rows;
}

describe('trigger panel texts (what the editor says around a test event)', () => {
	const description = new VoisnapTrigger().description;

	it('are declared the way the Webhook node declares them', () => {
		expect(description.eventTriggerDescription).toMatch(/Test URL/);
		expect(description.activationMessage).toMatch(/Production URL/);
		expect(description.triggerPanel).toEqual(
			expect.objectContaining({ header: expect.any(String), executionsHelp: expect.any(Object), activationHint: expect.any(Object) }),
		);
	});

	it('tell where to send a test event: the Test URL, the Voisnap Console, npm run send-event', () => {
		const help = description.triggerPanel as { executionsHelp: { active: string; inactive: string } };
		for (const text of [help.executionsHelp.inactive, help.executionsHelp.active]) {
			expect(text).toContain('Test URL');
			expect(text).toContain('Voisnap Console');
			expect(text).toContain('npm run send-event -- --url');
		}
	});
});

describe('rejections shown in the editor', () => {
	it.each(REASONS.map((reason) => [reason]))('%s comes with advice', (reason) => {
		expect(REJECTION_ADVICE[reason].length).toBeGreaterThan(40);
	});

	it('advises on the signing secret, its whsec_ prefix and the endpoint for a 401', () => {
		expect(REJECTION_ADVICE.signature_mismatch).toMatch(/Signing Secret/);
		expect(REJECTION_ADVICE.signature_mismatch).toMatch(/whsec_/);
		expect(REJECTION_ADVICE.signature_mismatch).toMatch(/endpoint/);
	});

	it('points at a README section that exists', () => {
		const anchor = ANSWERS_DOC_URL.split('#')[1];
		expect(readmeAnchors).toContain(anchor);
		expect(rejectionDescription({ reason: 'signature_mismatch', deliveryId: 'dlv_1' })).toContain(ANSWERS_DOC_URL);
	});

	it.each(REASONS.map((reason) => [reason]))('the README\'s answers table lists reason code %s', (reason) => {
		expect(answersTableRows()).toContainEqual(expect.stringContaining(`| \`${reason}\` |`));
	});

	it('names the reason code and the delivery id', () => {
		const text = rejectionDescription({ reason: 'timestamp_too_old', deliveryId: undefined });
		expect(text).toContain('timestamp_too_old');
		expect(text).toContain('(none)');
	});
});

describe('credential', () => {
	it('shows its placeholder in n8n\'s "e.g. …" form', () => {
		const secret = new VoisnapApi().properties.find((property) => property.name === 'signingSecret');
		expect(secret?.placeholder).toMatch(/^e\.g\. whsec_/);
	});
});

describe('codex', () => {
	it('has no subcategories (n8n refuses them for nodes not built on its AI node SDK)', () => {
		const codex = JSON.parse(readFileSync(join(__dirname, '..', '..', 'nodes', 'VoisnapTrigger', 'VoisnapTrigger.node.json'), 'utf8'));
		expect(codex).not.toHaveProperty('subcategories');
	});
});
