/** The signing secrets as the credential stores them. */
export interface VoisnapCredentials {
	signingSecret?: unknown;
	previousSigningSecret?: unknown;
}

/**
 * The secrets to verify with, current first. A secret is used exactly as stored (the key is the
 * whole string the Console shows); one that is empty or only white space is no secret at all.
 */
export function usableSecrets(credentials: VoisnapCredentials | undefined): string[] {
	const candidates = [credentials?.signingSecret, credentials?.previousSigningSecret];
	return candidates.filter(
		(secret): secret is string => typeof secret === 'string' && secret.trim() !== '',
	);
}

/** Why a secret cannot be right, judged without Voisnap (the node knows no Voisnap API to ask). */
export function secretProblem(label: string, secret: unknown, required: boolean): string | undefined {
	if (typeof secret !== 'string' || secret === '') return required ? `${label} is empty` : undefined;
	if (secret.trim() === '') return `${label} is only white space`;
	if (secret.trim() !== secret) {
		return `${label} starts or ends with white space: copy it again from Voisnap`;
	}
	return undefined;
}
