import type { IDataObject, IExecuteFunctions, IWebhookFunctions, Logger } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { DuplicateGuard } from '../contract/delivery';
import type { Claim, StoreLimits, StoreSnapshot } from '../contract/deliveryStore';
import { DeliveryStore } from '../contract/deliveryStore';
import { processStores } from '../contract/storeRegistry';

/**
 * The trigger's memory of accepted deliveries, as n8n keeps it: one DeliveryStore per trigger in
 * this process, saved whole into the workflow's global static data under the node's webhook id
 * (node-scoped static data is keyed by the node's name, so renaming the node would forget it).
 *
 * A delivery is claimed when accepted and remembered (confirmed) only once n8n holds its
 * execution, which is when n8n's answer for it goes out (see answerPath.ts) or when the
 * execution's first step runs in this process. Its own save into static data happens no earlier:
 * the database never remembers a delivery n8n does not hold, so a retry of one lost in a crash
 * runs again instead of being called a duplicate.
 */

/** How many accepted deliveries of one trigger may wait, in one process, for n8n to store them. */
export const MAX_CLAIMS_PER_TRIGGER = 64;

/** A delivery saved this long ago must be in what n8n loads; if not, some other save overwrote it. */
const OVERWRITE_GRACE_MS = 2_000;
/** One warning per trigger per this long: a workflow that overwrites on every run would flood the log. */
const WARNING_INTERVAL_MS = 10 * 60_000;

function keyOf(webhookId: string): string {
	return `voisnap:${webhookId}`;
}

function scopeOf(workflowId: string | undefined, webhookId: string): string {
	return `${workflowId ?? ''}/${keyOf(webhookId)}`;
}

/** How many of this process's latest deliveries are checked for in each loaded memory. */
const WATCHED_DELIVERIES = 16;

/**
 * Notices this process's memory being undone in static data: the latest deliveries it
 * remembered are looked for in what n8n loads for each genuine delivery (a substring search of
 * the compact encoding: microseconds). One that n8n saved a while ago and that is not there was
 * overwritten by some other save.
 */
class SaveTracker {
	private readonly watched: Array<{ key: string; at: number }> = [];
	private warnedAt = -Infinity;
	/**
	 * Whether executions of this trigger run in this process (regular mode) and save its memory at
	 * their end, so that a delivery need not be saved on the answer path too.
	 */
	executionStepsSave = false;

	/** A delivery whose id n8n has saved (or is about to, right after its answer). */
	watch(deliveryKey: string): void {
		this.watched.push({ key: deliveryKey, at: Date.now() });
		if (this.watched.length > WATCHED_DELIVERIES) this.watched.shift();
	}

	/**
	 * Whether `loaded` (what n8n read from the database for this request) lacks a delivery saved
	 * a while ago. `missing`: the memory is gone from static data altogether (a later node wrote
	 * static data its run loaded without it, as a queue-mode worker of n8n 2.x does). `older`: a
	 * copy without it came back (n8n's unlocked saves landing out of order, another process's
	 * save, a run's end-of-run save).
	 */
	overwritten(loaded: unknown): 'missing' | 'older' | undefined {
		const due = this.watched.filter(({ at }) => Date.now() - at >= OVERWRITE_GRACE_MS);
		if (due.length === 0) return undefined;
		const encoded = (loaded as Partial<StoreSnapshot> | undefined)?.d;
		if (typeof encoded !== 'string') return 'missing';
		return due.every(({ key }) => encoded.includes(key)) ? undefined : 'older';
	}

	shouldWarn(): boolean {
		if (Date.now() - this.warnedAt < WARNING_INTERVAL_MS) return false;
		this.warnedAt = Date.now();
		return true;
	}
}

const trackers = new WeakMap<DeliveryStore, SaveTracker>();

function trackerOf(store: DeliveryStore): SaveTracker {
	let tracker = trackers.get(store);
	if (!tracker) trackers.set(store, (tracker = new SaveTracker()));
	return tracker;
}

/** Waiters on claims, so that a retry arriving while an earlier copy is stored can wait for it. */
const waiters = new WeakMap<Claim, Array<() => void>>();

/**
 * How long a claim whose sender hung up before n8n answered still turns retries away (503, in
 * flight). n8n normally settles it within milliseconds, or once its execution's step runs; an
 * answer it never gives (n8n 1.x loses the answer a queue-mode worker relays when that worker is
 * killed) would otherwise hold every retry to this process off until the claim goes stale
 * (5 minutes). After this, a retry runs: the delivery may then run twice, never not at all.
 */
export const ABANDONED_CLAIM_MS = 60_000;

/** When the sender of a claimed delivery hung up before n8n answered it. */
const abandonedAt = new WeakMap<Claim, number>();

function settled(claim: Claim): void {
	for (const wake of waiters.get(claim) ?? []) wake();
	waiters.delete(claim);
}

/**
 * One delivery's view of the memory, from `webhook()`: the duplicate guard the contract's
 * checks use, plus what the answer path needs to save and settle the delivery's claim.
 */
export class WebhookMemory implements DuplicateGuard {
	private readonly key: string;
	private readonly workflowId: string | undefined;
	private readonly store: DeliveryStore;
	private readonly tracker: SaveTracker;
	private staticDataOfRequest: IDataObject | undefined;
	/** The claim this delivery waits on (an earlier copy's), after findDuplicate said `in_flight`. */
	private earlier: Claim | undefined;
	/** This delivery's own claim, once accepted. */
	private own: Claim | undefined;
	/** The save of this delivery is left to its execution's end (regular mode, n8n 2.x). */
	private savedByRun = false;

	constructor(
		private readonly context: IWebhookFunctions,
		private readonly limits: StoreLimits,
		private readonly nowSeconds: number,
		/** Whether to save the own claim now (n8n then saves it only after storing the execution). */
		private readonly saveOwnClaim: boolean,
	) {
		const node = context.getNode();
		const webhookId = node.webhookId ?? node.id;
		this.key = keyOf(webhookId);
		this.workflowId = context.getWorkflow().id;
		this.store = processStores.storeFor(scopeOf(this.workflowId, webhookId));
		this.tracker = trackerOf(this.store);
	}

	private get logger(): Logger {
		return this.context.logger;
	}

	/** Read only once a delivery is genuine: forgeries never touch static data. */
	private get staticData(): IDataObject {
		this.staticDataOfRequest ??= this.context.getWorkflowStaticData('global');
		return this.staticDataOfRequest;
	}

	findDuplicate(deliveryId: string, digest: Buffer) {
		// Only genuine deliveries get here: forged ones never cost a merge.
		const loaded = this.staticData[this.key];
		this.store.absorb(loaded, this.nowSeconds, this.limits);
		const overwritten = this.tracker.overwritten(loaded);
		if (overwritten) this.restore(overwritten);
		const duplicate = this.store.findDuplicate(deliveryId, digest);
		if (duplicate) return duplicate;
		this.earlier = this.store.claimFor(deliveryId, digest);
		if (this.earlier && Date.now() - (abandonedAt.get(this.earlier) ?? Infinity) >= ABANDONED_CLAIM_MS) {
			// n8n never answered the copy that holds it: let this retry run.
			this.store.release(this.earlier);
			settled(this.earlier);
			this.earlier = undefined;
		}
		return this.earlier ? 'in_flight' : undefined;
	}

	atCapacity(): boolean {
		return this.store.claims >= MAX_CLAIMS_PER_TRIGGER;
	}

	claim(deliveryId: string, digest: Buffer): void {
		this.own = this.store.claim(deliveryId, digest, this.nowSeconds);
		this.save();
	}

	/** Resolves once the earlier copy found by findDuplicate is stored or dropped, or after `ms`. */
	async earlierCopySettled(ms: number): Promise<void> {
		const claim = this.earlier;
		if (!claim) return;
		const settledNow = new Promise<void>((resolve) => {
			const list = waiters.get(claim) ?? [];
			list.push(resolve);
			waiters.set(claim, list);
		});
		await Promise.race([settledNow, sleep(ms)]);
	}

	/**
	 * Writes the memory into static data again, marking it changed: with this delivery's claim
	 * when n8n saves only after storing the execution (`saveOwnClaim`), else what is remembered.
	 */
	save(): void {
		this.staticData[this.key] = this.store.snapshot(this.saveOwnClaim ? this.own : undefined) as unknown as IDataObject;
	}

	/**
	 * From n8n 2.x's read of the answer: marks the memory (with this delivery) changed again, so
	 * that n8n saves it before answering; unless this process's execution steps save it at the end
	 * of each run (regular mode, once seen), which keeps that write off the answer's path.
	 */
	saveBeforeAnswer(): void {
		if (this.tracker.executionStepsSave) {
			this.savedByRun = true;
			return;
		}
		this.save();
	}

	/**
	 * n8n holds the execution: the delivery is remembered. What `save()` wrote last is saved by
	 * n8n before (n8n 2.x) or just after (1.x) its answer.
	 */
	confirm(): void {
		if (!this.own) return;
		// Saved by n8n at its answer: from a while later it must be in what n8n loads.
		if (this.saveOwnClaim && !this.savedByRun) this.tracker.watch(this.own.deliveryKey);
		this.store.confirm(this.own, Math.floor(Date.now() / 1000), this.limits);
		settled(this.own);
		this.own = undefined;
	}

	/** The sender hung up before n8n answered: the claim still holds, for ABANDONED_CLAIM_MS. */
	senderGone(): void {
		if (this.own) abandonedAt.set(this.own, Date.now());
	}

	/** The delivery was not stored: forget the claim so that a retry runs. */
	release(): void {
		if (!this.own) return;
		this.store.release(this.own);
		settled(this.own);
		this.own = undefined;
	}

	/** Puts this process's memory back over an older copy someone's save left in static data. */
	private restore(how: 'missing' | 'older'): void {
		this.staticData[this.key] = this.store.snapshot() as unknown as IDataObject;
		const meta = { workflowId: this.workflowId ?? null, memory: how };
		const message =
			(how === 'missing'
				? 'Voisnap Trigger found its memory of deliveries gone from workflow static data and wrote it back. '
				: 'Voisnap Trigger found deliveries it had saved missing from workflow static data and wrote its memory back. ') +
			'Another save overwrote it: n8n saves static data whole, so concurrent deliveries, another n8n process, or a node of ' +
			'this workflow that writes static data (on a queue-mode worker of n8n 2.x, every run of one) can drop what the ' +
			'trigger saved. A delivery accepted since can run twice if every n8n process restarts before the next delivery.';
		// At most one warning per trigger per WARNING_INTERVAL_MS; the repair itself is routine.
		if (this.tracker.shouldWarn()) this.logger.warn(message, meta);
		else this.logger.debug(message, meta);
	}
}

/**
 * From the execution's first step (`execute()`): n8n inserted the execution before running it,
 * so the delivery is stored and remembered here (confirming its claim, in regular mode, where
 * `webhook()` ran in this process).
 *
 * It is also put into the run's own static data, without marking it changed. The run loaded
 * static data before the webhook's save of this delivery landed; if a later node of the
 * workflow writes static data, n8n saves the run's copy at the end of the run over the
 * webhook's save, and that copy now holds the delivery too. If no node writes, nothing more
 * is saved (no extra write per execution). On a queue-mode worker (which never saw the
 * delivery), the run's static data gets the memory it loaded plus the delivery: partial on a
 * worker of n8n 2.x, which starts from empty static data, but a later node's save would
 * otherwise drop the memory altogether.
 */
export function rememberInExecution(
	context: IExecuteFunctions,
	deliveryIds: readonly string[],
	nowSeconds: number,
	limits: StoreLimits,
	/** Whether n8n answers without a save of the webhook's own that this run can stand in for (n8n 2.x). */
	runSavesForAnswer: boolean,
): void {
	if (deliveryIds.length === 0) return;
	const node = context.getNode();
	const webhookId = node.webhookId ?? node.id;
	const scope = scopeOf(context.getWorkflow().id, webhookId);
	const local = processStores.existingStore(scope);
	for (const id of deliveryIds) {
		const claim = local?.claimOf(id);
		if (claim) {
			local!.confirm(claim, nowSeconds, limits);
			settled(claim);
		} else if (local && !local.remembers(id)) {
			// Its claim was released on a non-200 answer, yet the execution runs: n8n 1.x, stopping,
			// answers 500 for executions that have not answered and still runs some of them. The
			// delivery is held all the same, and a retry to this process must be a duplicate.
			local.rememberId(id, nowSeconds, limits);
		}
	}

	const key = keyOf(webhookId);
	const staticData = context.getWorkflowStaticData('global');
	const loaded = staticData[key];
	const acceptedHere = local !== undefined && deliveryIds.some((id) => local.remembers(id));
	// On a worker, a store of its own: what the run loaded (nothing on a worker of n8n 2.x, which
	// starts from empty static data) plus these deliveries. Written only if the run is saved.
	const store = acceptedHere ? local : new DeliveryStore();
	store.absorb(loaded, nowSeconds, limits);
	for (const id of deliveryIds) store.rememberId(id, nowSeconds, limits);
	if (acceptedHere && runSavesForAnswer) {
		// Regular mode on n8n 2.x: this run's end-of-run save persists the memory, so later
		// deliveries' answers need not wait for a save of their own (saveBeforeAnswer).
		trackerOf(store).executionStepsSave = true;
		staticData[key] = store.snapshot() as unknown as IDataObject;
		return;
	}
	// n8n's static-data proxy marks writes as changes; a property defined on it is kept (and
	// saved if something else changes the data) without being one.
	Object.defineProperty(staticData, key, {
		value: store.snapshot(),
		enumerable: true,
		writable: true,
		configurable: true,
	});
}
