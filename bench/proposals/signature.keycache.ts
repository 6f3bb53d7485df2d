/**
 * SCRATCH VARIANT of nodes/VoisnapTrigger/signature.ts that also keeps each secret's key
 * material ready (a node:crypto KeyObject) between deliveries, instead of letting createHmac
 * import the secret string on every call. Measured by bench/micro.ts to show what that import
 * costs; NOT the recommended change: it keeps secrets (also rotated-out ones, until evicted) in a
 * module-level cache, for ~0.2 µs per delivery.
 */
import type { KeyObject } from 'node:crypto';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

import type { SignatureResult } from '../../nodes/VoisnapTrigger/contract/signature';
import { parseSignatureHeader } from '../../nodes/VoisnapTrigger/contract/signature';

const MAX_KEYS = 8;
const keys = new Map<string, KeyObject>();

function keyFor(secret: string): KeyObject {
	let key = keys.get(secret);
	if (!key) {
		if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
		key = createSecretKey(Buffer.from(secret, 'utf8'));
		keys.set(secret, key);
	}
	return key;
}

export function verifySignature(
	secrets: readonly string[],
	timestamp: string,
	body: Buffer,
	header: string | undefined,
): SignatureResult {
	const claimed = parseSignatureHeader(header);
	if (claimed.length === 0) {
		return { valid: false, reason: header ? 'signature_mismatch' : 'signature_missing' };
	}
	for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
		const expected = createHmac('sha256', keyFor(secrets[secretIndex])).update(`${timestamp}.`, 'utf8').update(body).digest();
		for (const candidate of claimed) {
			if (timingSafeEqual(expected, candidate)) return { valid: true, secretIndex, digest: expected };
		}
	}
	return { valid: false, reason: 'signature_mismatch' };
}
