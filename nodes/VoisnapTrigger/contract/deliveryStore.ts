import { createHash, randomUUID } from 'node:crypto';

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

/**
 * A delivery accepted but not yet known to be stored by n8n: its id and request are held apart
 * from the remembered ones until it is confirmed (n8n holds its execution) or released (it was
 * not stored, so a retry must run). Only remembered deliveries make a retry a duplicate.
 */
export interface Claim {
	readonly deliveryKey: string;
	readonly requestKey: string;
	readonly seconds: number;
}

/**
 * A claim not settled after this long is dropped: n8n failed to store the delivery without
 * answering anyone (its sender had gone). Storing takes milliseconds, or as long as a slot under
 * n8n's concurrency limit takes; dropping a claim too early can let a retry run twice.
 */
const STALE_CLAIM_SECONDS = 5 * 60;

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
 * Remembered deliveries of one trigger. The store lives in the n8n process and is merged, on
 * every delivery, with the snapshot n8n loaded from the database, then written back whole.
 * So concurrent deliveries in one process see each other at once (check-and-remember is
 * synchronous), an id lost when n8n's unlocked saves overwrite each other is written again by
 * the next delivery, and a restart or another process picks up what was saved.
 */
export class DeliveryStore {
	private readonly deliveries = new TimedKeys();
	private readonly requests = new TimedKeys();
	/** Claims by delivery key and by request key (the same objects). */
	private readonly claimedDeliveries = new Map<string, Claim>();
	private readonly claimedRequests = new Map<string, Claim>();
	private writes = 0;
	/** The last snapshot this store wrote or merged: nothing in it is new to this store. */
	private lastSeen: string | undefined;

	/**
	 * Unique per store instance (not per process): a store rebuilt after eviction from the
	 * registry must not take its predecessor's snapshot for one of its own and skip merging it.
	 */
	constructor(private readonly writer: string = randomUUID().slice(0, 8)) {}

	/** Remembered delivery ids (claims not included). */
	get size(): number {
		return this.deliveries.size;
	}

	/** Whether this delivery id is remembered (its claim confirmed, here or in a loaded snapshot). */
	remembers(deliveryId: string): boolean {
		return this.deliveries.has(deliveryKey(deliveryId));
	}

	/** The claim of a delivery accepted in this process and not yet settled. */
	claimOf(deliveryId: string): Claim | undefined {
		return this.claimedDeliveries.get(deliveryKey(deliveryId));
	}

	/** Deliveries accepted and not yet confirmed or released. */
	get claims(): number {
		return this.claimedDeliveries.size;
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

	/** The claim a delivery with this id, or this very signed request, is waiting on, if any. */
	claimFor(deliveryId: string, digest: Buffer): Claim | undefined {
		return this.claimedDeliveries.get(deliveryKey(deliveryId)) ?? this.claimedRequests.get(requestKey(digest));
	}

	/** Holds an accepted delivery until n8n has stored it (see Claim). */
	claim(deliveryId: string, digest: Buffer, nowSeconds: number): Claim {
		const claim: Claim = { deliveryKey: deliveryKey(deliveryId), requestKey: requestKey(digest), seconds: nowSeconds };
		this.claimedDeliveries.set(claim.deliveryKey, claim);
		this.claimedRequests.set(claim.requestKey, claim);
		return claim;
	}

	/** n8n holds the claimed delivery's execution: from now on a retry of it is a duplicate. */
	confirm(claim: Claim, nowSeconds: number, limits: StoreLimits): void {
		this.dropClaim(claim);
		this.deliveries.add(claim.deliveryKey, claim.seconds);
		this.requests.add(claim.requestKey, claim.seconds);
		this.prune(nowSeconds, limits);
	}

	/** The claimed delivery was not stored: a retry of it must run. */
	release(claim: Claim): void {
		this.dropClaim(claim);
	}

	/** Remembers a delivery known to be stored, by its id alone (its signed request is not at hand). */
	rememberId(deliveryId: string, nowSeconds: number, limits: StoreLimits): void {
		this.deliveries.add(deliveryKey(deliveryId), nowSeconds);
		this.prune(nowSeconds, limits);
	}

	/** Records an accepted delivery at once, prunes, and returns the snapshot to save. */
	remember(deliveryId: string, digest: Buffer, nowSeconds: number, limits: StoreLimits): StoreSnapshot {
		this.confirm(this.claim(deliveryId, digest, nowSeconds), nowSeconds, limits);
		return this.snapshot();
	}

	prune(nowSeconds: number, limits: StoreLimits): void {
		this.deliveries.prune(nowSeconds - limits.retentionSeconds, limits.maxEntries);
		this.requests.prune(nowSeconds - limits.replayWindowSeconds, limits.maxEntries);
		for (const claim of this.claimedDeliveries.values()) {
			if (claim.seconds >= nowSeconds - STALE_CLAIM_SECONDS) break;
			this.dropClaim(claim);
		}
	}

	/**
	 * What to save: the remembered deliveries, plus `own` when given, the claim of the delivery
	 * whose save this is. That save happens only once n8n holds the delivery's execution, so the
	 * database never remembers a delivery n8n does not hold; other claims are left out for that
	 * reason.
	 */
	snapshot(own?: Claim): StoreSnapshot {
		const w = `${this.writer}:${++this.writes}`;
		this.lastSeen = w;
		const pending = own && !this.deliveries.has(own.deliveryKey);
		return {
			v: 1,
			w,
			d: this.deliveries.encode() + (pending ? encodeRecord(own.deliveryKey, own.seconds) : ''),
			r: this.requests.encode() + (pending && !this.requests.has(own.requestKey) ? encodeRecord(own.requestKey, own.seconds) : ''),
		};
	}

	private dropClaim(claim: Claim): void {
		if (this.claimedDeliveries.get(claim.deliveryKey) === claim) this.claimedDeliveries.delete(claim.deliveryKey);
		if (this.claimedRequests.get(claim.requestKey) === claim) this.claimedRequests.delete(claim.requestKey);
	}
}
