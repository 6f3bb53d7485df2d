import { createHmac, timingSafeEqual } from 'node:crypto';

import { SIGNATURE_SCHEME } from './constants';

/** A SHA-256 digest is 32 bytes: 64 hex digits after the scheme. */
const DIGEST_BYTES = 32;
const SINGLE_VALUE_LENGTH = SIGNATURE_SCHEME.length + DIGEST_BYTES * 2;

/** Voisnap sends one value; during key rotation a sender may list several. */
const MAX_CANDIDATES = 8;

export type SignatureFailure = 'signature_missing' | 'signature_mismatch';

export type SignatureResult =
	| {
			valid: true;
			/** Which secret matched: 0 for the current one, 1 for the previous one. */
			secretIndex: number;
			/** The HMAC that matched; identifies the exact signed request (replay detection). */
			digest: Buffer;
	  }
	| { valid: false; reason: SignatureFailure };

/**
 * HMAC-SHA256 over `<timestamp>.<body>`, fed in two pieces so that the body's bytes are hashed
 * exactly as received, never decoded and re-encoded. (A string key is UTF-8 to node:crypto.)
 */
export function computeDigest(secret: string, timestamp: string, body: Buffer | string): Buffer {
	return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** The `X-Webhook-Signature` value Voisnap would send for this timestamp and body. */
export function sign(secret: string, timestamp: string | number, body: Buffer | string): string {
	return SIGNATURE_SCHEME + computeDigest(secret, String(timestamp), body).toString('hex');
}

/**
 * The digests a header claims, as bytes. Values are separated by commas or white space;
 * anything that is not `sha256=` and 64 hex digits (either case) is skipped, never thrown on.
 */
export function parseSignatureHeader(header: string | undefined): Buffer[] {
	if (!header) return [];
	// What Voisnap sends, one value, skips the split (measurable on small bodies: bench/).
	if (header.length === SINGLE_VALUE_LENGTH) {
		const digest = decodeValue(header);
		return digest ? [digest] : [];
	}
	const digests: Buffer[] = [];
	for (const part of header.split(/[\s,]+/)) {
		if (digests.length === MAX_CANDIDATES) break;
		const digest = decodeValue(part);
		if (digest) digests.push(digest);
	}
	return digests;
}

/**
 * One `sha256=<64 hex digits>` value as bytes. Decoding validates the hex: Buffer.from stops at
 * the first character that is not a hex digit, so anything else decodes to fewer than 32 bytes.
 */
function decodeValue(value: string): Buffer | undefined {
	if (value.length !== SINGLE_VALUE_LENGTH || !value.startsWith(SIGNATURE_SCHEME)) return undefined;
	const digest = Buffer.from(value.slice(SIGNATURE_SCHEME.length), 'hex');
	return digest.length === DIGEST_BYTES ? digest : undefined;
}

/**
 * Checks a delivery's signature against every secret (current first, then previous) and every
 * value in the header. Comparison is constant-time over equal-length digests, so the time taken
 * tells an attacker nothing about how many leading bytes of a forgery were right.
 */
export function verifySignature(
	secrets: readonly string[],
	timestamp: string,
	body: Buffer,
	header: string | undefined,
): SignatureResult {
	const claimed = parseSignatureHeader(header);
	if (claimed.length === 0) {
		// A header that is present but carries no well-formed value is a wrong signature.
		return { valid: false, reason: header ? 'signature_mismatch' : 'signature_missing' };
	}
	for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
		const expected = computeDigest(secrets[secretIndex], timestamp, body);
		for (const candidate of claimed) {
			if (timingSafeEqual(expected, candidate)) return { valid: true, secretIndex, digest: expected };
		}
	}
	return { valid: false, reason: 'signature_mismatch' };
}
