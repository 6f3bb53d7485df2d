/**
 * An insertion-ordered set of fixed-width keys, each with the second it was recorded, that
 * keeps its own compact encoding up to date: one string of 19-character records (12 characters
 * of key, 7 base-36 digits of seconds). A single JSON string costs n8n far less to parse and
 * write on every delivery than an object with one property per key (see bench/RESULTS.md).
 */

export const KEY_LENGTH = 12;
const TIME_LENGTH = 7;
const RECORD_LENGTH = KEY_LENGTH + TIME_LENGTH;
/**
 * One record. Checked record by record: a single pattern repeated over the whole encoding
 * backtracks through every record and overflows the stack beyond ~250,000 of them.
 */
const RECORD_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${KEY_LENGTH}}[0-9a-z]{${TIME_LENGTH}}$`);

/** One record of the encoding. */
export function encodeRecord(key: string, seconds: number): string {
	return key + seconds.toString(36).padStart(TIME_LENGTH, '0');
}

export class TimedKeys {
	/** Oldest first: keys are recorded with the current time, so order is time order. */
	private times = new Map<string, number>();

	/** `encoded` always equals the encoding of `times`; rebuilt lazily after a merge. */
	private encoded: string | undefined = '';

	get size(): number {
		return this.times.size;
	}

	has(key: string): boolean {
		return this.times.has(key);
	}

	add(key: string, seconds: number): void {
		if (this.times.has(key)) return;
		this.times.set(key, seconds);
		if (this.encoded !== undefined) this.encoded += encodeRecord(key, seconds);
	}

	/** Drops keys recorded before `oldestKept`, then the oldest beyond `maxEntries`. */
	prune(oldestKept: number, maxEntries: number): void {
		let dropped = 0;
		let excess = this.times.size - maxEntries;
		for (const [key, seconds] of this.times) {
			if (seconds >= oldestKept && excess <= 0) break;
			this.times.delete(key);
			dropped++;
			excess--;
		}
		if (dropped > 0 && this.encoded !== undefined) {
			this.encoded = this.encoded.slice(dropped * RECORD_LENGTH);
		}
	}

	encode(): string {
		if (this.encoded === undefined) {
			let encoded = '';
			for (const [key, seconds] of this.times) encoded += encodeRecord(key, seconds);
			this.encoded = encoded;
		}
		return this.encoded;
	}

	/**
	 * Adds the records of an encoding written elsewhere (another request's save, another n8n
	 * process, or this process before a restart). Malformed input is ignored: losing a stale
	 * memory of ids must never stop deliveries.
	 */
	merge(encoded: unknown): void {
		if (typeof encoded !== 'string' || encoded.length === 0) return;
		if (encoded.length % RECORD_LENGTH !== 0) return;
		const merged = new Map(this.times);
		let added = false;
		for (let at = 0; at < encoded.length; at += RECORD_LENGTH) {
			const record = encoded.slice(at, at + RECORD_LENGTH);
			// One malformed record and the whole encoding is ignored, `merged` being a copy.
			if (!RECORD_PATTERN.test(record)) return;
			const key = record.slice(0, KEY_LENGTH);
			if (merged.has(key)) continue;
			merged.set(key, parseInt(record.slice(KEY_LENGTH), 36));
			added = true;
		}
		if (!added) return;
		this.times = new Map([...merged].sort((a, b) => a[1] - b[1]));
		this.encoded = undefined;
	}
}
