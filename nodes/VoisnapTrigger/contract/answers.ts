import type { EventFailure } from './events';
import type { SignatureFailure } from './signature';
import type { TimestampFailure } from './timestamp';

/** Header names as Voisnap documents them, for messages people read. */
const TIMESTAMP_HEADER_NAME = 'X-Webhook-Timestamp';
const DELIVERY_ID_HEADER_NAME = 'X-Webhook-Delivery-Id';

/** Why a delivery was refused: a stable code for logs, tests and the README's table. */
export type RejectionReason =
	| 'no_signing_secret'
	| TimestampFailure
	| SignatureFailure
	| EventFailure
	| 'delivery_id_missing';

/**
 * Status and short, stable message of each refusal. No message carries the secret, the
 * expected signature or anything else that would help a forger.
 */
export const REJECTIONS: Record<RejectionReason, { status: 400 | 401 | 500; message: string }> = {
	no_signing_secret: {
		status: 500,
		message:
			'Voisnap Trigger is misconfigured: its Voisnap credential has no signing secret',
	},
	timestamp_missing: { status: 400, message: `Missing ${TIMESTAMP_HEADER_NAME} header` },
	timestamp_malformed: {
		status: 400,
		message: `Malformed ${TIMESTAMP_HEADER_NAME} header: expected whole seconds since the Unix epoch`,
	},
	timestamp_too_old: { status: 400, message: 'Timestamp outside the tolerance (too old)' },
	timestamp_in_future: { status: 400, message: 'Timestamp outside the tolerance (in the future)' },
	signature_missing: { status: 401, message: 'Invalid signature' },
	signature_mismatch: { status: 401, message: 'Invalid signature' },
	body_not_json: { status: 400, message: 'Body is not UTF-8 JSON' },
	body_not_object: { status: 400, message: 'Body is not a JSON object' },
	event_type_missing: { status: 400, message: 'Body has no string "type" field' },
	delivery_id_missing: {
		status: 400,
		message: `Missing ${DELIVERY_ID_HEADER_NAME} header (required while deduplication is on)`,
	},
};

export const ACCEPTED_BODY = { received: true } as const;
export const DUPLICATE_BODY = { received: true, duplicate: true } as const;
export const IGNORED_BODY = { received: true, ignored: true } as const;

/** Why a genuine delivery is turned away for now: Voisnap retries a 503, as it should here. */
export type RetryReason = 'in_flight' | 'overloaded';

/** Answered 503 with `Retry-After`: nothing was started, nothing is remembered. */
export const RETRY_LATER: Record<RetryReason, { message: string; retryAfterSeconds: number }> = {
	in_flight: {
		message: 'An earlier copy of this delivery is still being stored; retry it',
		retryAfterSeconds: 2,
	},
	overloaded: {
		message: 'Too many deliveries are waiting to be stored; retry later',
		retryAfterSeconds: 5,
	},
};
