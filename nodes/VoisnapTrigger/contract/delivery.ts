import type { RejectionReason, RetryReason } from './answers';
import { ACCEPTED_BODY, DUPLICATE_BODY, IGNORED_BODY, REJECTIONS, RETRY_LATER } from './answers';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './constants';
import type { DuplicateKind } from './deliveryStore';
import type { RoutedEvent } from './events';
import { parseEvent } from './events';
import { parseSignatureHeader, verifySignature } from './signature';
import { checkTimestamp } from './timestamp';

/** One HTTP request as received: header names lower-cased (as Node.js gives them). */
export interface DeliveryRequest {
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

/** Remembers accepted deliveries; absent when deduplication is off or in test mode. */
export interface DuplicateGuard {
	/**
	 * A remembered delivery (its id or its signed request), or `in_flight` when an earlier copy
	 * was accepted but n8n does not hold its execution yet.
	 */
	findDuplicate(deliveryId: string, digest: Buffer): DuplicateKind | 'in_flight' | undefined;
	/** Whether as many deliveries as this trigger may hold are already waiting to be stored. */
	atCapacity(): boolean;
	/** Holds an accepted delivery until n8n has stored it. */
	claim(deliveryId: string, digest: Buffer): void;
}

export interface DeliveryPolicy {
	/** Current secret first, then the previous one; empty when the credential has none. */
	secrets: readonly string[];
	toleranceSeconds: number;
	/** Whether a delivery id is required (deduplication is on). */
	requireDeliveryId: boolean;
	acceptsType(type: string): boolean;
	guard?: DuplicateGuard;
}

interface Answer<TStatus extends number, TBody> {
	status: TStatus;
	body: TBody;
	/** As sent, when it was sent; for logs and the emitted item. */
	deliveryId?: string;
}

export type Verdict =
	| (Answer<200, typeof ACCEPTED_BODY> & { outcome: 'accepted'; routed: RoutedEvent; timestamp: number })
	| (Answer<200, typeof DUPLICATE_BODY> & { outcome: 'duplicate'; duplicate: DuplicateKind })
	| (Answer<200, typeof IGNORED_BODY> & { outcome: 'ignored'; type: string })
	| (Answer<503, { error: string }> & { outcome: 'retry_later'; reason: RetryReason; retryAfterSeconds: number })
	| (Answer<400 | 401 | 500, { error: string }> & { outcome: 'rejected'; reason: RejectionReason });

function header(request: DeliveryRequest, name: string): string | undefined {
	const value = request.headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
}

function retryLater(reason: RetryReason, deliveryId: string | undefined): Verdict {
	const { message, retryAfterSeconds } = RETRY_LATER[reason];
	return { outcome: 'retry_later', status: 503, body: { error: message }, reason, retryAfterSeconds, deliveryId };
}

export type Rejection = Extract<Verdict, { outcome: 'rejected' }>;

function reject(reason: RejectionReason, deliveryId: string | undefined): Rejection {
	const { status, message } = REJECTIONS[reason];
	return { outcome: 'rejected', status, body: { error: message }, reason, deliveryId };
}

/**
 * The checks that need no secret, first in the contract's order: the timestamp, then a
 * signature header that carries at least one well-formed `sha256=` value. What fails them is
 * refused before the credential is loaded or static data is read, so junk costs nothing.
 */
export function screenDelivery(request: DeliveryRequest, toleranceSeconds: number, nowSeconds: number): Rejection | undefined {
	const deliveryId = header(request, DELIVERY_ID_HEADER)?.trim() || undefined;
	const timestamp = checkTimestamp(header(request, TIMESTAMP_HEADER), nowSeconds, toleranceSeconds);
	if (!timestamp.valid) return reject(timestamp.reason, deliveryId);
	const signatureHeader = header(request, SIGNATURE_HEADER);
	if (parseSignatureHeader(signatureHeader).length === 0) {
		return reject(signatureHeader ? 'signature_mismatch' : 'signature_missing', deliveryId);
	}
	return undefined;
}

/** Whether the request carries at least one well-formed signature value (cheap: no secret). */
export function hasWellFormedSignature(request: DeliveryRequest): boolean {
	return parseSignatureHeader(header(request, SIGNATURE_HEADER)).length > 0;
}

/**
 * Whether the request's signature verifies with one of `secrets`, whatever its timestamp says:
 * for a request refused for its timestamp alone, this tells a clock problem from junk.
 */
export function isSignedWith(request: DeliveryRequest, secrets: readonly string[]): boolean {
	const timestampHeader = header(request, TIMESTAMP_HEADER);
	if (timestampHeader === undefined || secrets.length === 0) return false;
	return verifySignature(secrets, timestampHeader, request.body, header(request, SIGNATURE_HEADER)).valid;
}

/**
 * Decides what to answer a delivery, in the contract's order: timestamp, signature, body,
 * delivery id, duplicate, event filter; then, for a delivery to accept, whether this trigger
 * can take one more while earlier ones wait to be stored. A trigger without a usable secret
 * answers 500 to anything that passes `screenDelivery`. Pure and synchronous, with the clock
 * passed in, so that check-and-claim cannot interleave with another delivery in the process.
 */
export function checkDelivery(request: DeliveryRequest, policy: DeliveryPolicy, nowSeconds: number): Verdict {
	const screened = screenDelivery(request, policy.toleranceSeconds, nowSeconds);
	if (screened) return screened;
	const deliveryId = header(request, DELIVERY_ID_HEADER)?.trim() || undefined;
	if (policy.secrets.length === 0) return reject('no_signing_secret', deliveryId);

	const timestampHeader = header(request, TIMESTAMP_HEADER) as string;
	const signature = verifySignature(policy.secrets, timestampHeader, request.body, header(request, SIGNATURE_HEADER));
	if (!signature.valid) return reject(signature.reason, deliveryId);

	const parsed = parseEvent(request.body);
	if (!parsed.valid) return reject(parsed.reason, deliveryId);

	if (policy.requireDeliveryId && deliveryId === undefined) {
		return reject('delivery_id_missing', deliveryId);
	}

	const { guard } = policy;
	if (guard && deliveryId !== undefined) {
		const duplicate = guard.findDuplicate(deliveryId, signature.digest);
		if (duplicate === 'in_flight') return retryLater('in_flight', deliveryId);
		if (duplicate) return { outcome: 'duplicate', status: 200, body: DUPLICATE_BODY, duplicate, deliveryId };
	}

	const { type } = parsed.routed.event;
	if (!policy.acceptsType(type)) {
		return { outcome: 'ignored', status: 200, body: IGNORED_BODY, type, deliveryId };
	}

	if (guard && deliveryId !== undefined) {
		if (guard.atCapacity()) return retryLater('overloaded', deliveryId);
		guard.claim(deliveryId, signature.digest);
	}
	return {
		outcome: 'accepted',
		status: 200,
		body: ACCEPTED_BODY,
		routed: parsed.routed,
		timestamp: Number(timestampHeader),
		deliveryId,
	};
}
