import { VOISNAP_ANSWER_LIMIT_MS } from '../../nodes/VoisnapTrigger/contract/constants';
import { signedDelivery } from './signedDelivery';

/**
 * A sender that behaves like Voisnap: every delivery is retried, with backoff, on any answer
 * that is not a 2xx, on a connection error and on no answer within 5 s, under the same
 * delivery id with a fresh timestamp (so a fresh signature), until a 2xx comes back or it
 * gives up. A 2xx is final: Voisnap never sends that delivery again. Used by the crash and
 * overload tests and by the benchmarks.
 */

export interface Attempt {
	/** When the attempt was sent, ms since the run started. */
	at: number;
	/** HTTP status, or the error (`timeout`, `ECONNREFUSED`, ...). */
	outcome: number | string;
	ms: number;
}

export interface DeliveryRecord {
	id: string;
	attempts: Attempt[];
	/** The 2xx answer, if one came: the delivery counts as acknowledged. */
	acknowledged?: { status: number; body: unknown; at: number };
}

export interface SenderOptions {
	secret: string;
	/**
	 * Where to send (webhook processes behind a balancer); with several, deliveries start at each in
	 * turn and every retry moves on to the next. (One counter over all attempts would send each
	 * retry of a delivery back to the same process whenever an even number of deliveries retry in
	 * step: a pattern of the test, not of a balancer.)
	 */
	urls: readonly string[];
	/** Deliveries in flight at once (Voisnap's connections). */
	concurrency: number;
	/** Default 5 s, Voisnap's limit. */
	answerLimitMs?: number;
	/** Wait before retry n (1-based); default 250 ms doubling, at most 4 s. */
	backoffMs?: (retry: number) => number;
	/** Stop retrying a delivery after this long (default 3 minutes); it then stays unacknowledged. */
	giveUpAfterMs?: number;
	/** Called after every acknowledgement, with how many there are so far. */
	onAcknowledged?: (count: number, record: DeliveryRecord) => void;
}

export interface Delivery {
	id: string;
	body: Buffer;
}

/** Voisnap's spacing of retries: 250 ms before the first, doubling, at most 4 s. */
export const defaultBackoff = (retry: number) => Math.min(4_000, 250 * 2 ** (retry - 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(error: unknown): string {
	const name = (error as Error).name;
	if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
	const cause = (error as { cause?: { code?: string } }).cause;
	return cause?.code ?? (error as Error).message;
}

/** Sends every delivery, retrying as Voisnap does; resolves when each is acknowledged or given up. */
export async function sendWithRetries(deliveries: readonly Delivery[], options: SenderOptions): Promise<DeliveryRecord[]> {
	const answerLimitMs = options.answerLimitMs ?? VOISNAP_ANSWER_LIMIT_MS;
	const backoff = options.backoffMs ?? defaultBackoff;
	const giveUpAfterMs = options.giveUpAfterMs ?? 180_000;
	const started = Date.now();
	const records: DeliveryRecord[] = deliveries.map(({ id }) => ({ id, attempts: [] }));
	let acknowledged = 0;
	let next = 0;

	const deliver = async (index: number) => {
		const { id, body } = deliveries[index];
		const record = records[index];
		const firstAt = Date.now();
		for (let retry = 0; ; retry++) {
			if (retry > 0) {
				if (Date.now() - firstAt > giveUpAfterMs) return;
				await sleep(backoff(retry));
			}
			const url = options.urls[(index + retry) % options.urls.length];
			const { headers } = signedDelivery({ secret: options.secret, body, deliveryId: id });
			const sentAt = Date.now();
			let outcome: number | string;
			let answer: unknown;
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers,
					body,
					signal: AbortSignal.timeout(answerLimitMs),
				});
				const text = await response.text();
				outcome = response.status;
				try {
					answer = JSON.parse(text);
				} catch {
					answer = text;
				}
			} catch (error) {
				outcome = errorCode(error);
			}
			record.attempts.push({ at: sentAt - started, outcome, ms: Date.now() - sentAt });
			if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) {
				record.acknowledged = { status: outcome, body: answer, at: Date.now() - started };
				options.onAcknowledged?.(++acknowledged, record);
				return;
			}
		}
	};

	const worker = async () => {
		while (next < deliveries.length) await deliver(next++);
	};
	await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
	return records;
}

/** What a run of the sender came to, for assertions and notes. */
export function summarise(records: readonly DeliveryRecord[]) {
	const acknowledged = records.filter((record) => record.acknowledged);
	return {
		delivered: records.length,
		acknowledged: acknowledged.length,
		acknowledgedAsDuplicate: acknowledged.filter((record) => (record.acknowledged?.body as { duplicate?: boolean })?.duplicate === true).length,
		unacknowledged: records.length - acknowledged.length,
		retried: records.filter((record) => record.attempts.length > 1).length,
		attempts: records.reduce((sum, record) => sum + record.attempts.length, 0),
	};
}
