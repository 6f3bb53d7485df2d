import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type { Claim } from '../contract/claims';
import type { DuplicateGuard } from '../contract/delivery';
import type { StoreLimits } from '../contract/deliveryStore';
import type { Overwrite } from '../contract/overwriteWatch';
import type { TriggerMemory } from '../contract/triggerMemory';
import { answerPath } from './answerPath';
import { memoryOf } from './registry';
import type { SavePlan } from './savePlan';
import { planForRun, savePlan } from './savePlan';
import { keepUnmarked, loadedMemory, markForSave, memoryKey } from './staticDataMemory';

/**
 * One delivery's use of its trigger's memory (contract/triggerMemory.ts), from `webhook()`: the
 * duplicate guard the contract's checks use, and what the answer path calls to settle the
 * delivery's claim. Static data is written as savePlan.ts decides.
 */
export class WebhookMemory implements DuplicateGuard {
	private readonly memory: TriggerMemory;
	private readonly key: string;
	private readonly workflowId: string | undefined;
	private staticDataOfRequest: IDataObject | undefined;
	/** The claim of an earlier copy this delivery waits on, after findDuplicate said `in_flight`. */
	private earlier: Claim | undefined;
	/** This delivery's own claim, once accepted. */
	private own: Claim | undefined;

	constructor(
		private readonly context: IWebhookFunctions,
		private readonly limits: StoreLimits,
	) {
		const node = context.getNode();
		const webhookId = node.webhookId ?? node.id;
		this.key = memoryKey(webhookId);
		this.workflowId = context.getWorkflow().id;
		this.memory = memoryOf(this.workflowId, webhookId);
	}

	private get plan(): SavePlan {
		return savePlan(answerPath(), this.memory);
	}

	/** Read only once a delivery is genuine: forgeries never touch static data. */
	private get staticData(): IDataObject {
		this.staticDataOfRequest ??= this.context.getWorkflowStaticData('global');
		return this.staticDataOfRequest;
	}

	findDuplicate(deliveryId: string, digest: Buffer) {
		const overwritten = this.memory.absorb(loadedMemory(this.staticData, this.key), Date.now(), this.limits);
		if (overwritten) this.restore(overwritten);
		const found = this.memory.check(deliveryId, digest, Date.now());
		if (typeof found === 'string') return found;
		this.earlier = found;
		return found ? 'in_flight' : undefined;
	}

	atCapacity(): boolean {
		return this.memory.isFull();
	}

	claim(deliveryId: string, digest: Buffer): void {
		const own = this.memory.claim(deliveryId, digest, Date.now());
		this.own = own;
		const plan = this.plan;
		if (plan.markOnAccept) this.markForSave(plan.holdsOwnDelivery ? own : undefined);
	}

	/** Resolves once the earlier copy found by findDuplicate is stored or dropped, or after `ms`. */
	async earlierCopySettled(ms: number): Promise<void> {
		if (this.earlier) await Promise.race([this.memory.settled(this.earlier), sleep(ms)]);
	}

	/** n8n 2.x reads the answer: it holds the execution if `stored`, and saves static data next if marked. */
	answerRead(stored: boolean): void {
		const own = this.own;
		if (!own) return;
		const plan = this.plan;
		if (stored) this.memory.confirm(own, Date.now(), this.limits);
		if (plan.markOnAnswerRead) this.markForSave();
	}

	/** n8n answered 200: it held the execution. */
	confirm(): void {
		const own = this.own;
		if (!own) return;
		const plan = this.plan;
		this.memory.confirm(own, Date.now(), this.limits);
		if (plan.savedWithAnswer) this.memory.savedWithAnswer(own, Date.now());
	}

	/** The sender hung up before n8n answered: the claim still holds, for a while (contract/claims.ts). */
	senderGone(): void {
		if (this.own) this.memory.senderGone(this.own, Date.now());
	}

	/** n8n answered otherwise: the delivery was not stored, so a retry runs (unless its execution runs after all). */
	release(): void {
		if (this.own) this.memory.release(this.own);
	}

	private markForSave(pending?: Claim): void {
		markForSave(this.staticData, this.key, () => this.memory.snapshot(pending));
	}

	/** Puts this process's memory back over an older copy some other save left in static data. */
	private restore(how: Overwrite): void {
		this.markForSave();
		const meta = { workflowId: this.workflowId ?? null, memory: how };
		const message =
			(how === 'missing'
				? 'Voisnap Trigger found its memory of deliveries gone from workflow static data and wrote it back. '
				: 'Voisnap Trigger found deliveries it had saved missing from workflow static data and wrote its memory back. ') +
			'Another save overwrote it: n8n saves static data whole, so another n8n process, or a node of this workflow that ' +
			'writes static data (on a queue-mode worker of n8n 2.x, every run of one) can drop what the trigger saved. A ' +
			'delivery accepted since can run twice if every n8n process restarts before the next delivery.';
		if (this.memory.shouldWarn(Date.now())) this.context.logger.warn(message, meta);
		else this.context.logger.debug(message, meta);
	}
}

/**
 * From the execution's first step (`execute()`): n8n inserted the execution before running it,
 * so its deliveries are stored, and remembered here (confirming their claims, in regular mode,
 * where `webhook()` ran in this process).
 *
 * The memory is also put into the run's own static data: marked where runs save it (savePlan.ts),
 * else unmarked. Unmarked it is saved only if a later node of the workflow writes static data, and
 * then n8n's end-of-run save, which would otherwise carry what the run loaded (before the
 * webhook's save landed; nothing at all on a worker of n8n 2.x), holds the memory too.
 */
export function rememberInExecution(context: IExecuteFunctions, deliveryIds: readonly string[], limits: StoreLimits): void {
	if (deliveryIds.length === 0) return;
	const node = context.getNode();
	const webhookId = node.webhookId ?? node.id;
	const memory = memoryOf(context.getWorkflow().id, webhookId);
	const key = memoryKey(webhookId);
	const staticData = context.getWorkflowStaticData('global');
	memory.absorb(loadedMemory(staticData, key), Date.now(), limits);
	for (const id of deliveryIds) memory.stored(id, Date.now(), limits);
	const snapshot = () => memory.snapshot();
	if (planForRun(answerPath(), memory).markInRun) markForSave(staticData, key, snapshot);
	else keepUnmarked(staticData, key, snapshot);
}
