import type { IWebhookFunctions } from 'n8n-workflow';

import type { VoisnapCredentials } from '../contract/secrets';
import { usableSecrets } from '../contract/secrets';

/** The secrets to verify with; none, with n8n's reason, when the credential is unusable. */
export async function loadSecrets(context: IWebhookFunctions): Promise<{ secrets: string[]; problem?: string }> {
	try {
		return { secrets: usableSecrets(await context.getCredentials<VoisnapCredentials>('voisnapApi')) };
	} catch (error) {
		// No credential selected, or one n8n cannot decrypt: answered as a misconfiguration.
		return { secrets: [], problem: (error as Error).message };
	}
}
