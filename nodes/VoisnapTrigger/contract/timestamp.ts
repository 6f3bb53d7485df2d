export type TimestampFailure =
	| 'timestamp_missing'
	| 'timestamp_malformed'
	| 'timestamp_too_old'
	| 'timestamp_in_future';

export type TimestampResult =
	| { valid: true; seconds: number }
	| { valid: false; reason: TimestampFailure };

/** Whole seconds, decimal, nothing else: no sign, fraction, exponent or white space. */
const WHOLE_SECONDS_PATTERN = /^\d{1,15}$/;

/**
 * Freshness check of `X-Webhook-Timestamp` against the receiver's clock, in both directions.
 * A timestamp in milliseconds is not guessed at: it is simply far in the future.
 */
export function checkTimestamp(
	header: string | undefined,
	nowSeconds: number,
	toleranceSeconds: number,
): TimestampResult {
	if (header === undefined || header === '') return { valid: false, reason: 'timestamp_missing' };
	if (!WHOLE_SECONDS_PATTERN.test(header)) return { valid: false, reason: 'timestamp_malformed' };
	const seconds = Number(header);
	if (nowSeconds - seconds > toleranceSeconds) return { valid: false, reason: 'timestamp_too_old' };
	if (seconds - nowSeconds > toleranceSeconds) return { valid: false, reason: 'timestamp_in_future' };
	return { valid: true, seconds };
}
