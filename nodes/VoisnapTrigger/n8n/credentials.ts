import type { IWebhookFunctions } from 'n8n-workflow';

import type { VoisnapCredentials } from '../contract/secrets';
import { usableSecrets } from '../contract/secrets';
import { registry } from './registry';

/**
 * The signing secrets, kept for a short time instead of loaded for every delivery: on n8n 2.x's
 * default expression engine each `getCredentials()` in a webhook builds an expression isolate
 * (~55 ms of CPU) even though no field of this credential is an expression (docs/n8n-behaviour.md).
 * The price is that an edited credential takes effect within SECRETS_TTL_MS, and that the
 * secrets stay in this process's memory that long.
 *
 * A new secret takes effect at once: a delivery that passes the cheap checks but fails to
 * verify reloads the secrets and is checked again (that is what a rotation looks like), at most
 * once per RELOAD_AFTER_MISMATCH_MS per trigger, so a flood of forgeries cannot make every
 * request pay for a reload. Test deliveries ("Listen for test event") always load afresh.
 */

/** How long secrets are used before n8n is asked again: an edited or removed secret is used no longer. */
export const SECRETS_TTL_MS = 10_000;
/** At most one reload per trigger this often when deliveries fail to verify. */
export const RELOAD_AFTER_MISMATCH_MS = 2_000;

export interface LoadedSecrets {
	/** Current secret first, then the previous one; empty when the credential is unusable. */
	secrets: string[];
	/** Why there are none (n8n's message), for the log. */
	problem?: string;
}

/** One trigger's kept secrets, in the process registry (registry.ts). */
export interface SecretsEntry {
	loading: Promise<LoadedSecrets>;
	loadedAt: number;
}

/** Per trigger and credential: n8n checks a credential's use by this node when it loads it. */
function keyOf(context: IWebhookFunctions): string {
	const node = context.getNode();
	return `${context.getWorkflow().id ?? ''}/${node.id}/${node.credentials?.voisnapApi?.id ?? '(none)'}`;
}

async function fromN8n(context: IWebhookFunctions): Promise<LoadedSecrets> {
	try {
		return { secrets: usableSecrets(await context.getCredentials<VoisnapCredentials>('voisnapApi')) };
	} catch (error) {
		// No credential selected, or one n8n cannot decrypt: answered as a misconfiguration.
		return { secrets: [], problem: (error as Error).message };
	}
}

function load(context: IWebhookFunctions, key: string): Promise<LoadedSecrets> {
	// Concurrent deliveries share one load.
	const entry: SecretsEntry = { loading: fromN8n(context), loadedAt: Date.now() };
	registry.secrets.set(key, entry);
	return entry.loading;
}

/** The secrets to verify with: kept ones while fresh, else loaded from n8n. */
export async function loadSecrets(context: IWebhookFunctions): Promise<LoadedSecrets> {
	if (context.getMode() === 'manual') return await fromN8n(context);
	const key = keyOf(context);
	const entry = registry.secrets.peek(key);
	if (entry && Date.now() - entry.loadedAt < SECRETS_TTL_MS) return await entry.loading;
	return await load(context, key);
}

/**
 * After a delivery failed to verify with the kept secrets: the secrets as n8n has them now, or
 * undefined when they were loaded too recently to be worth asking again (or are never kept).
 */
export async function reloadAfterMismatch(context: IWebhookFunctions): Promise<LoadedSecrets | undefined> {
	if (context.getMode() === 'manual') return undefined;
	const key = keyOf(context);
	const entry = registry.secrets.peek(key);
	if (entry && Date.now() - entry.loadedAt < RELOAD_AFTER_MISMATCH_MS) return undefined;
	return await load(context, key);
}
