/**
 * The signing secrets are kept for SECRETS_TTL_MS instead of loaded per delivery (each load
 * builds an expression isolate on n8n 2.x), re-read at once when a genuine-looking delivery
 * fails to verify, at most once per RELOAD_AFTER_MISMATCH_MS; junk never loads them.
 */
import { randomUUID } from 'node:crypto';

import { WebhookContext } from 'n8n-core';

import { RELOAD_AFTER_MISMATCH_MS, SECRETS_TTL_MS } from '../../nodes/VoisnapTrigger/n8n/credentials';
import { signedDelivery } from '../support/signedDelivery';
import { TriggerWorkflow } from './support/webhookRun';

const OLD = 'whsec_old_secret_0001';
const NEW = 'whsec_new_secret_0002';

let clock = Date.now();
beforeEach(() => {
	clock = Date.now();
	jest.spyOn(Date, 'now').mockImplementation(() => clock);
});
afterEach(() => jest.restoreAllMocks());

function trigger(signingSecret = OLD) {
	return new TriggerWorkflow({ credential: { signingSecret }, workflowId: `wf-${randomUUID()}`, webhookId: randomUUID() });
}

function delivery(secret: string, overrides: Partial<Parameters<typeof signedDelivery>[0]> = {}) {
	const id = `dlv_${randomUUID()}`;
	return signedDelivery({ secret, body: { type: 'SessionEnded', data: { note: id } }, deliveryId: id, ...overrides });
}

describe('signing secrets kept between deliveries', () => {
	it('loads the credential once for many deliveries within the stated time', async () => {
		const workflow = trigger();
		for (let n = 0; n < 5; n++) expect((await workflow.deliver(delivery(OLD))).status).toBe(200);
		expect(workflow.credentialLoads).toBe(1);
		clock += SECRETS_TTL_MS;
		expect((await workflow.deliver(delivery(OLD))).status).toBe(200);
		expect(workflow.credentialLoads).toBe(2);
	});

	it('junk is refused without loading the credential or reading static data', async () => {
		const workflow = trigger();
		const junk = [
			delivery(OLD, { signature: null }),
			delivery(OLD, { timestamp: Math.floor(clock / 1000) - 3600 }),
			delivery(OLD, { timestamp: 'yesterday' }),
			delivery(OLD, { signature: 'sha256=not-hex' }),
		];
		for (const each of junk) {
			const outcome = await workflow.deliver(each);
			expect([400, 401]).toContain(outcome.status);
			expect(outcome.staticDataChanged).toBe(false);
		}
		expect(workflow.credentialLoads).toBe(0);
		expect(workflow.storedStaticData()).toEqual({});
	});

	it('a secret changed in n8n: the first delivery signed with it reloads at once and is accepted; the old one is refused from then on', async () => {
		const workflow = trigger(OLD);
		expect((await workflow.deliver(delivery(OLD))).status).toBe(200);
		workflow.credential = { signingSecret: NEW };
		clock += RELOAD_AFTER_MISMATCH_MS;
		expect((await workflow.deliver(delivery(NEW))).status).toBe(200);
		expect(workflow.credentialLoads).toBe(2);
		expect((await workflow.deliver(delivery(OLD))).status).toBe(401);
	});

	it('a secret removed in n8n is refused once the stated time has passed, not before', async () => {
		const workflow = trigger(OLD);
		expect((await workflow.deliver(delivery(OLD))).status).toBe(200);
		workflow.credential = { signingSecret: NEW };
		clock += SECRETS_TTL_MS - 1;
		expect((await workflow.deliver(delivery(OLD))).status).toBe(200);
		clock += 1;
		expect((await workflow.deliver(delivery(OLD))).status).toBe(401);
	});

	it('a flood of well-formed forgeries reloads at most once per interval', async () => {
		const workflow = trigger(OLD);
		await workflow.deliver(delivery(OLD));
		clock += RELOAD_AFTER_MISMATCH_MS;
		for (let n = 0; n < 20; n++) expect((await workflow.deliver(delivery('whsec_forger'))).status).toBe(401);
		expect(workflow.credentialLoads).toBe(2);
		clock += RELOAD_AFTER_MISMATCH_MS;
		for (let n = 0; n < 20; n++) await workflow.deliver(delivery('whsec_forger'));
		expect(workflow.credentialLoads).toBe(3);
	});

	it('a misconfigured trigger (no credential) answers 500 and asks n8n once per stated time, not per delivery', async () => {
		const asked = jest.spyOn(WebhookContext.prototype, 'getCredentials');
		const workflow = new TriggerWorkflow({ credential: null, workflowId: `wf-${randomUUID()}`, webhookId: randomUUID() });
		for (let n = 0; n < 3; n++) expect((await workflow.deliver(delivery(OLD))).status).toBe(500);
		expect(asked).toHaveBeenCalledTimes(1);
	});

	it('test deliveries always use the credential as it is now', async () => {
		const workflow = trigger(OLD);
		await workflow.deliver(delivery(OLD), 'manual');
		workflow.credential = { signingSecret: NEW };
		expect((await workflow.deliver(delivery(OLD), 'manual')).status).toBe(401);
		expect(workflow.credentialLoads).toBe(2);
	});
});

