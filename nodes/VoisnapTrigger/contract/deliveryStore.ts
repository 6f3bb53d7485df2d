import { createHash, randomUUID } from 'node:crypto';

import type { Claim } from './claims';
import { KEY_LENGTH, TimedKeys, encodeRecord } from './timedKeys';

/** How long and how much the store remembers. */
export interface StoreLimits {
	/** Delivery ids are remembered this long (the retention window). */
	retentionSeconds: number;
	/** At most this many delivery ids; the oldest are dropped first. */
	maxEntries: number;
	/** Signed requests are remembered this long: beyond it the timestamp check rejects them. */
	replayWindowSeconds: number;
}

/** What n8n keeps in the workflow's static data: plain JSON, small, versioned. */
export interface StoreSnapshot {
	/** Format version. */
	v: 1;
	/** Which write this is (writer and sequence): lets a writer recognise its own snapshot. */
	w: string;
	/** Remembered delivery ids (hashed), see TimedKeys. */
	d: string;
	/** Remembered signed requests (their HMAC, truncated), see TimedKeys. */
	r: string;
}

export type DuplicateKind = 'delivery_id' | 'replay';

/** Bytes of hash kept per key: 72 bits make a collision among 100,000 ids a 1-in-10^12 event. */
const KEY_BYTES = (KEY_LENGTH / 4) * 3;

export function deliveryKey(deliveryId: string): string {
	return createHash('sha256').update(deliveryId, 'utf8').digest().subarray(0, KEY_BYTES).toString('base64url');
}

export function requestKey(digest: Buffer): string {
	return digest.subarray(0, KEY_BYTES).toString('base64url');
}

function isSnapshot(value: unknown): value is StoreSnapshot {
	return (
		typeof value === 'object' &&
		value !== null &&
		(value as StoreSnapshot).v === 1 &&
		typeof (value as StoreSnapshot).w === 'string'
	);
}

/**
 * Remembered deliveries of one trigger: delivery ids for the retention window, signed requests
 * for the replay window. It lives in the n8n process and takes in, on every genuine delivery,
 * the snapshot n8n loaded from the database; what it saves is its whole content. So concurrent
 * deliveries in one process see each other at once, an id lost when n8n's unlocked saves
 * overwrite each other is written again by the next save, and a restart or another process
 * picks up what was saved.
 */
export class DeliveryStore {
	private readonly deliveries = new TimedKeys();
	private readonly requests = new TimedKeys();
	private writes = 0;
	/** The last snapshot this store wrote or merged: nothing in it is new to this store. */
	private lastSeen: string | undefined;

	/**
	 * Unique per store instance (not per process): a store rebuilt after eviction from the
	 * registry must not take its predecessor's snapshot for one of its own and skip merging it.
	 */
	constructor(private readonly writer: string = randomUUID().slice(0, 8)) {}

	/** Remembered delivery ids. */
	get size(): number {
		return this.deliveries.size;
	}

	/** Whether this delivery id is remembered (here or in a loaded snapshot). */
	remembers(deliveryId: string): boolean {
		return this.deliveries.has(deliveryKey(deliveryId));
	}

	/**
	 * Takes in what the database holds unless this store has already seen that snapshot, and
	 * forgets what has expired, so that an id past its retention is never called a duplicate.
	 */
	absorb(snapshot: unknown, nowSeconds: number, limits: StoreLimits): void {
		// A snapshot this very store wrote holds nothing it does not know: under concurrency most
		// requests load one a save or two behind, and merging it would cost O(size) for nothing.
		if (isSnapshot(snapshot) && snapshot.w !== this.lastSeen && !snapshot.w.startsWith(`${this.writer}:`)) {
			this.deliveries.merge(snapshot.d);
			this.requests.merge(snapshot.r);
			this.lastSeen = snapshot.w;
		}
		this.prune(nowSeconds, limits);
	}

	findDuplicate(deliveryId: string, digest: Buffer): DuplicateKind | undefined {
		if (this.deliveries.has(deliveryKey(deliveryId))) return 'delivery_id';
		if (this.requests.has(requestKey(digest))) return 'replay';
		return undefined;
	}

	/** Remembers a delivery (and its signed request, when known) as of `seconds`. */
	rememberKeys(keys: { deliveryKey: string; requestKey?: string; seconds: number }, nowSeconds: number, limits: StoreLimits): void {
		this.deliveries.add(keys.deliveryKey, keys.seconds);
		if (keys.requestKey !== undefined) this.requests.add(keys.requestKey, keys.seconds);
		this.prune(nowSeconds, limits);
	}

	/** Records an accepted delivery at once, and returns the snapshot to save. */
	remember(deliveryId: string, digest: Buffer, nowSeconds: number, limits: StoreLimits): StoreSnapshot {
		this.rememberKeys({ deliveryKey: deliveryKey(deliveryId), requestKey: requestKey(digest), seconds: nowSeconds }, nowSeconds, limits);
		return this.snapshot();
	}

	prune(nowSeconds: number, limits: StoreLimits): void {
		this.deliveries.prune(nowSeconds - limits.retentionSeconds, limits.maxEntries);
		this.requests.prune(nowSeconds - limits.replayWindowSeconds, limits.maxEntries);
	}

	/**
	 * What to save: the remembered deliveries, plus `pending` when given, the claim of the
	 * delivery whose own save this is. That save happens only once n8n holds the delivery's
	 * execution, so the database never remembers a delivery n8n does not hold; other open claims
	 * are left out for that reason.
	 */
	snapshot(pending?: Claim): StoreSnapshot {
		const w = `${this.writer}:${++this.writes}`;
		this.lastSeen = w;
		const extra = pending && !this.deliveries.has(pending.deliveryKey);
		return {
			v: 1,
			w,
			d: this.deliveries.encode() + (extra ? encodeRecord(pending.deliveryKey, pending.seconds) : ''),
			r: this.requests.encode() + (extra && !this.requests.has(pending.requestKey) ? encodeRecord(pending.requestKey, pending.seconds) : ''),
		};
	}
}
