/**
 * Deliveries accepted but not yet known to be stored by n8n, one trigger's worth. A claim is
 * taken when a delivery is accepted and settled once: confirmed (n8n holds its execution, so it
 * is remembered) or released (it was not stored, so a retry must run). Until then a copy of it
 * neither runs nor counts as a duplicate: it waits for the settlement.
 *
 *   take ──► open ──┬─ confirm ──► (remembered by the caller)
 *                   ├─ release ──► (forgotten: a retry runs)
 *                   ├─ sender gone, then ABANDONED_CLAIM_MS without an answer ──► a copy runs
 *                   └─ STALE_CLAIM_SECONDS without a settlement ──► dropped
 *
 * Pure: the clock is passed in, waiting is a promise the caller races with its own timeout.
 */

export interface Claim {
	readonly deliveryKey: string;
	readonly requestKey: string;
	/** When the delivery was accepted (Unix seconds): what it is remembered with. */
	readonly seconds: number;
}

/**
 * How long a claim whose sender hung up before n8n answered it still turns copies away. n8n
 * settles a claim within milliseconds, or once its execution's first step runs; an answer it
 * never gives (n8n 1.x loses the answer a queue-mode worker relays when that worker is killed)
 * would otherwise hold every retry off until the claim goes stale. After this a copy runs: the
 * delivery may then run twice, never not at all.
 */
export const ABANDONED_CLAIM_MS = 60_000;

/**
 * A claim not settled after this long is dropped: n8n failed to store the delivery without
 * answering anyone. Storing takes milliseconds, or as long as a slot under n8n's concurrency
 * limit takes; dropping a claim too early can let a retry run twice.
 */
export const STALE_CLAIM_SECONDS = 5 * 60;

interface OpenClaim {
	readonly claim: Claim;
	/** When the sender hung up (ms), if it did before n8n answered. */
	senderGoneAtMs?: number;
	readonly waiters: Array<() => void>;
}

export class Claims {
	/** Oldest first (claims are taken with the current time). */
	private readonly byDelivery = new Map<string, OpenClaim>();
	private readonly byRequest = new Map<string, OpenClaim>();

	/** Open claims: deliveries waiting for n8n to store them. */
	get count(): number {
		return this.byDelivery.size;
	}

	take(deliveryKey: string, requestKey: string, seconds: number): Claim {
		const open: OpenClaim = { claim: { deliveryKey, requestKey, seconds }, waiters: [] };
		this.byDelivery.set(deliveryKey, open);
		this.byRequest.set(requestKey, open);
		return open.claim;
	}

	isOpen(claim: Claim): boolean {
		return this.byDelivery.get(claim.deliveryKey)?.claim === claim;
	}

	/** The open claim of this delivery id, if it was accepted and not settled. */
	openFor(deliveryKey: string): Claim | undefined {
		return this.byDelivery.get(deliveryKey)?.claim;
	}

	/**
	 * The claim a copy of this delivery (same id, or the same signed request) must wait for. A
	 * claim abandoned for ABANDONED_CLAIM_MS is released here, and the copy runs.
	 */
	holding(deliveryKey: string, requestKey: string, nowMs: number): Claim | undefined {
		const open = this.byDelivery.get(deliveryKey) ?? this.byRequest.get(requestKey);
		if (!open) return undefined;
		if (open.senderGoneAtMs !== undefined && nowMs - open.senderGoneAtMs >= ABANDONED_CLAIM_MS) {
			this.settle(open.claim);
			return undefined;
		}
		return open.claim;
	}

	/** Resolves once the claim is settled (at once if it already is). */
	settled(claim: Claim): Promise<void> {
		const open = this.byDelivery.get(claim.deliveryKey);
		if (open?.claim !== claim) return Promise.resolve();
		return new Promise((resolve) => open.waiters.push(resolve));
	}

	/** The sender hung up before n8n answered: the claim still holds, for ABANDONED_CLAIM_MS. */
	senderGone(claim: Claim, nowMs: number): void {
		const open = this.byDelivery.get(claim.deliveryKey);
		if (open?.claim === claim) open.senderGoneAtMs = nowMs;
	}

	/** Closes the claim (confirmed or released: the caller decides what to remember) and wakes its waiters. */
	settle(claim: Claim): boolean {
		const open = this.byDelivery.get(claim.deliveryKey);
		if (open?.claim !== claim) return false;
		this.byDelivery.delete(claim.deliveryKey);
		if (this.byRequest.get(claim.requestKey) === open) this.byRequest.delete(claim.requestKey);
		for (const wake of open.waiters) wake();
		return true;
	}

	/** Drops claims older than STALE_CLAIM_SECONDS. */
	dropStale(nowSeconds: number): void {
		for (const { claim } of this.byDelivery.values()) {
			if (claim.seconds >= nowSeconds - STALE_CLAIM_SECONDS) break;
			this.settle(claim);
		}
	}
}
