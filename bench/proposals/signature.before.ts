/**
 * SCRATCH COPY of nodes/VoisnapTrigger/signature.ts as it was before the change the benchmark
 * proposed (commit c710eda): the secret copied into a Buffer, two update calls, the header split
 * with a regular expression and the hex tested with another. Measured beside the shipped module
 * by bench/micro.ts, so that the before/after figures come from the same run. Not used by the node.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { SIGNATURE_SCHEME } from '../../nodes/VoisnapTrigger/contract/constants';
import type { SignatureResult } from '../../nodes/VoisnapTrigger/contract/signature';

/** A SHA-256 digest is 32 bytes: 64 hex digits after the scheme. */
const DIGEST_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

/** Voisnap sends one value; during key rotation a sender may list several. */
const MAX_CANDIDATES = 8;

/**
 * HMAC-SHA256 over `<timestamp>.<body>`, fed in pieces so that the body's bytes are hashed
 * exactly as received, never decoded and re-encoded.
 */
export function computeDigest(secret: string, timestamp: string, body: Buffer | string): Buffer {
	return createHmac('sha256', Buffer.from(secret, 'utf8'))
		.update(timestamp, 'utf8')
		.update('.')
		.update(body)
		.digest();
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
	const digests: Buffer[] = [];
	for (const part of header.split(/[\s,]+/)) {
		if (digests.length === MAX_CANDIDATES) break;
		if (!part.startsWith(SIGNATURE_SCHEME)) continue;
		const hex = part.slice(SIGNATURE_SCHEME.length);
		if (DIGEST_HEX_PATTERN.test(hex)) digests.push(Buffer.from(hex, 'hex'));
	}
	return digests;
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
