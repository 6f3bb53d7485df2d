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
 * At most this many delivery ids are remembered per trigger. n8n reads, parses and writes the
 * store with the workflow on every delivery, and keeps a copy per execution waiting to run, so
 * its size is paid on each one. 2,000 ids are 38 KB (19 characters each), well under V8's
 * 128 KB large-object step past which every copy costs ~1 ms (bench/RESULTS.md: 1.12x the
 * empty store's latency, against 1.6x at 5,000 and 3.3x at 10,000); they cover a day at
 * ~1.4 deliveries a minute, and every retry of any of the last 2,000 deliveries.
 */
export const DEFAULT_MAX_ENTRIES = 2_000;

/**
 * Voisnap gives up on an answer after 5 s. The checks themselves are synchronous and cheap; what
 * can take longer is loading the credential and waiting for an earlier copy (IN_FLIGHT_WAIT_MS).
 */
export const VOISNAP_ANSWER_LIMIT_MS = 5_000;

/**
 * How long a retry that arrives while an earlier copy is being stored waits for it, before it
 * is answered 503 (retry): well within Voisnap's 5 s, so that it usually gets "duplicate".
 */
export const IN_FLIGHT_WAIT_MS = 3_000;
