import type { Claim } from './claims';
import { Claims } from './claims';
import type { DuplicateKind, StoreLimits, StoreSnapshot } from './deliveryStore';
import { DeliveryStore, deliveryKey, requestKey } from './deliveryStore';
import type { Overwrite } from './overwriteWatch';
import { OverwriteWatch } from './overwriteWatch';

/** How many accepted deliveries of one trigger may wait, in one process, for n8n to store them. */
export const MAX_CLAIMS_PER_TRIGGER = 64;

function secondsOf(nowMs: number): number {
	return Math.floor(nowMs / 1000);
}

/**
 * One trigger's memory in one n8n process, the only owner of what the process knows about the
 * trigger's deliveries: the remembered ones (the store), the accepted ones n8n has not stored
 * yet (the claims, with their waiters and abandonment), the saves watched for overwrites, and
 * where this process has seen the trigger's deliveries arrive and run. Whatever n8n saves is
 * the snapshot of this object as of the save. Pure: n8n's static data is read and written by
 * the adapter (n8n/staticDataMemory.ts), the clock is passed in.
 */
export class TriggerMemory {
	private readonly store: DeliveryStore;
	private readonly claims = new Claims();
	private readonly watch = new OverwriteWatch();
	/** `webhook()` has accepted a delivery of this trigger in this process (it is not a queue-mode worker). */
	private receives = false;
	/** Runs in this process save the memory at their end (see n8n/savePlan.ts). */
	runsSave = false;

	constructor(writer?: string) {
		this.store = new DeliveryStore(writer);
	}

	get receivesDeliveries(): boolean {
		return this.receives;
	}

	/** Takes in what n8n loaded from the database, and says whether a save of ours is missing from it. */
	absorb(loaded: unknown, nowMs: number, limits: StoreLimits): Overwrite | undefined {
		const overwrite = this.watch.overwritten(loaded, nowMs);
		this.store.absorb(loaded, secondsOf(nowMs), limits);
		this.claims.dropStale(secondsOf(nowMs));
		return overwrite;
	}

	/** A remembered delivery, or the open claim of an earlier copy to wait for. */
	check(deliveryId: string, digest: Buffer, nowMs: number): DuplicateKind | Claim | undefined {
		return this.store.findDuplicate(deliveryId, digest) ?? this.claims.holding(deliveryKey(deliveryId), requestKey(digest), nowMs);
	}

	isFull(): boolean {
		return this.claims.count >= MAX_CLAIMS_PER_TRIGGER;
	}

	claim(deliveryId: string, digest: Buffer, nowMs: number): Claim {
		this.receives = true;
		return this.claims.take(deliveryKey(deliveryId), requestKey(digest), secondsOf(nowMs));
	}

	isOpen(claim: Claim): boolean {
		return this.claims.isOpen(claim);
	}

	settled(claim: Claim): Promise<void> {
		return this.claims.settled(claim);
	}

	/** n8n holds the claimed delivery's execution: from now on a copy is a duplicate, and every snapshot holds it. */
	confirm(claim: Claim, nowMs: number, limits: StoreLimits): void {
		if (this.claims.settle(claim)) this.store.rememberKeys(claim, secondsOf(nowMs), limits);
	}

	/** n8n saved a snapshot holding this delivery as part of answering it: from a while later it must be in what n8n loads. */
	savedWithAnswer(claim: Claim, nowMs: number): void {
		this.watch.watch(claim.deliveryKey, nowMs);
	}

	/** The delivery was not stored: forget the claim so that a retry runs. */
	release(claim: Claim): void {
		this.claims.settle(claim);
	}

	senderGone(claim: Claim, nowMs: number): void {
		this.claims.senderGone(claim, nowMs);
	}

	/**
	 * The delivery's execution runs (its first step): it is stored, whatever its claim's fate.
	 * Confirms its open claim here; remembers it by id otherwise (n8n 1.x, stopping, answers 500
	 * for stored executions and still runs some; a queue-mode worker never saw the claim).
	 */
	stored(deliveryId: string, nowMs: number, limits: StoreLimits): void {
		const key = deliveryKey(deliveryId);
		const claim = this.claims.openFor(key);
		if (claim) this.confirm(claim, nowMs, limits);
		else this.store.rememberKeys({ deliveryKey: key, seconds: secondsOf(nowMs) }, secondsOf(nowMs), limits);
	}

	/** Whether this delivery id is remembered. */
	remembers(deliveryId: string): boolean {
		return this.store.remembers(deliveryId);
	}

	/** What a save holds now: the remembered deliveries, plus `pending` while its claim is open. */
	snapshot(pending?: Claim): StoreSnapshot {
		return this.store.snapshot(pending && this.claims.isOpen(pending) ? pending : undefined);
	}

	shouldWarn(nowMs: number): boolean {
		return this.watch.shouldWarn(nowMs);
	}
}
