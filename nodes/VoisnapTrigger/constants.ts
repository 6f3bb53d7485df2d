/**
 * Policy and protocol constants, documented once and used everywhere (node UI, runtime,
 * tests, the sender script and the README all read them from here).
 */

/** Header names as Voisnap sends them; Node.js hands them to us lower-cased. */
export const SIGNATURE_HEADER = 'x-webhook-signature';
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const DELIVERY_ID_HEADER = 'x-webhook-delivery-id';

/** The only scheme Voisnap signs with: `sha256=` then 64 hex digits. */
export const SIGNATURE_SCHEME = 'sha256=';

/** Voisnap's guide rejects deliveries more than 5 minutes away from the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Voisnap retries for well under a day; a day of ids covers every retry of a delivery. */
export const DEFAULT_RETENTION_HOURS = 24;

/**
 * At most this many delivery ids are remembered per trigger. n8n reads and writes the store
 * with the workflow on every delivery, so its size is paid on each one: 10,000 ids take
 * 190 KB (19 characters each) and cover a day at ~7 deliveries a minute. See bench/RESULTS.md.
 */
export const DEFAULT_MAX_ENTRIES = 10_000;

/** Voisnap gives up on an answer after 5 s; every check here is synchronous and cheap. */
export const VOISNAP_ANSWER_LIMIT_MS = 5_000;
