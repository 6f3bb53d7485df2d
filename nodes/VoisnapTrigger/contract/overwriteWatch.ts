import type { StoreSnapshot } from './deliveryStore';

/** A delivery saved this long ago must be in what n8n loads; if not, some other save overwrote it. */
const OVERWRITE_GRACE_MS = 2_000;
/** How many of the latest saved deliveries are looked for in each loaded snapshot. */
const WATCHED_DELIVERIES = 16;
/** One warning per trigger per this long: a workflow that overwrites on every run would flood the log. */
const WARNING_INTERVAL_MS = 10 * 60_000;

/**
 * How the memory was found undone in static data. `missing`: gone altogether (a later node
 * wrote static data its run loaded without it, as a queue-mode worker of n8n 2.x does). `older`:
 * a copy without the latest deliveries came back (another process's save, or a run's
 * end-of-run save of what it loaded).
 */
export type Overwrite = 'missing' | 'older';

/**
 * Notices the memory being undone in static data: the latest deliveries n8n saved are looked
 * for in what n8n loads for each genuine delivery (a substring search of the compact encoding:
 * microseconds). One saved a while ago that is not there was overwritten by some other save.
 */
export class OverwriteWatch {
	private readonly watched: Array<{ key: string; atMs: number }> = [];
	private warnedAtMs = -Infinity;

	/** A delivery whose id n8n has saved, or saves with its answer. */
	watch(deliveryKey: string, nowMs: number): void {
		this.watched.push({ key: deliveryKey, atMs: nowMs });
		if (this.watched.length > WATCHED_DELIVERIES) this.watched.shift();
	}

	/** Whether `loaded` (what n8n read from the database for this request) lacks a delivery saved a while ago. */
	overwritten(loaded: unknown, nowMs: number): Overwrite | undefined {
		const due = this.watched.filter(({ atMs }) => nowMs - atMs >= OVERWRITE_GRACE_MS);
		if (due.length === 0) return undefined;
		const encoded = (loaded as Partial<StoreSnapshot> | undefined)?.d;
		if (typeof encoded !== 'string') return 'missing';
		return due.every(({ key }) => encoded.includes(key)) ? undefined : 'older';
	}

	/** At most one warning per WARNING_INTERVAL_MS; the repair itself is routine. */
	shouldWarn(nowMs: number): boolean {
		if (nowMs - this.warnedAtMs < WARNING_INTERVAL_MS) return false;
		this.warnedAtMs = nowMs;
		return true;
	}
}
