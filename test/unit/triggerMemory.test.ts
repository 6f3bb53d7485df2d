import { createHash } from 'node:crypto';

import { ABANDONED_CLAIM_MS } from '../../nodes/VoisnapTrigger/contract/claims';
import type { StoreLimits, StoreSnapshot } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { DeliveryStore, deliveryKey } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { MAX_CLAIMS_PER_TRIGGER, TriggerMemory } from '../../nodes/VoisnapTrigger/contract/triggerMemory';

const MS = 1_764_201_600_000;
const LIMITS: StoreLimits = { retentionSeconds: 3600, maxEntries: 100, replayWindowSeconds: 600 };
const digestOf = (label: string) => createHash('sha256').update(label).digest();

/** The snapshot as n8n stores it (plain JSON). */
const saved = (snapshot: StoreSnapshot) => JSON.parse(JSON.stringify(snapshot)) as StoreSnapshot;

/** What a fresh process (a restart) says of each id, given what the database holds. */
function afterRestart(database: StoreSnapshot, ids: string[]) {
	const restarted = new TriggerMemory();
	restarted.absorb(database, MS, LIMITS);
	return Object.fromEntries(ids.map((id) => [id, restarted.check(id, digestOf(`retry of ${id}`), MS) ?? 'new']));
}

describe('TriggerMemory: one trigger\'s deliveries in one process', () => {
	it('accepted: neither a duplicate nor saved until confirmed; a copy waits for its claim', () => {
		const memory = new TriggerMemory();
		const claim = memory.claim('dlv_1', digestOf('dlv_1'), MS);
		expect(memory.check('dlv_1', digestOf('retry'), MS)).toBe(claim);
		expect(afterRestart(saved(memory.snapshot()), ['dlv_1'])).toEqual({ dlv_1: 'new' });
		memory.confirm(claim, MS, LIMITS);
		expect(memory.check('dlv_1', digestOf('retry'), MS)).toBe('delivery_id');
		expect(afterRestart(saved(memory.snapshot()), ['dlv_1'])).toEqual({ dlv_1: 'delivery_id' });
	});

	it('a snapshot holds a pending claim only while it is open', () => {
		const memory = new TriggerMemory();
		const kept = memory.claim('dlv_kept', digestOf('dlv_kept'), MS);
		const dropped = memory.claim('dlv_dropped', digestOf('dlv_dropped'), MS);
		memory.release(dropped);
		expect(afterRestart(saved(memory.snapshot(kept)), ['dlv_kept'])).toEqual({ dlv_kept: 'delivery_id' });
		expect(afterRestart(saved(memory.snapshot(dropped)), ['dlv_dropped'])).toEqual({ dlv_dropped: 'new' });
	});

	it('released: forgotten, so the retry is accepted', () => {
		const memory = new TriggerMemory();
		memory.release(memory.claim('dlv_1', digestOf('dlv_1'), MS));
		expect(memory.check('dlv_1', digestOf('dlv_1'), MS)).toBeUndefined();
	});

	it('stored by its execution step: confirms the open claim, or remembers the id when there is none', () => {
		const memory = new TriggerMemory();
		const claim = memory.claim('dlv_claimed', digestOf('dlv_claimed'), MS);
		memory.stored('dlv_claimed', MS, LIMITS);
		expect(memory.isOpen(claim)).toBe(false);
		expect(memory.check('dlv_claimed', digestOf('other'), MS)).toBe('delivery_id');
		// Its claim released on n8n's 500, yet the execution runs (n8n 1.x stopping); or a worker.
		memory.release(memory.claim('dlv_released', digestOf('dlv_released'), MS));
		memory.stored('dlv_released', MS, LIMITS);
		memory.stored('dlv_never_seen', MS, LIMITS);
		expect(afterRestart(saved(memory.snapshot()), ['dlv_claimed', 'dlv_released', 'dlv_never_seen'])).toEqual({
			dlv_claimed: 'delivery_id',
			dlv_released: 'delivery_id',
			dlv_never_seen: 'delivery_id',
		});
	});

	it('knows whether this process receives the trigger\'s deliveries (a queue-mode worker never claims)', () => {
		const worker = new TriggerMemory();
		worker.stored('dlv_1', MS, LIMITS);
		expect(worker.receivesDeliveries).toBe(false);
		const receiver = new TriggerMemory();
		receiver.claim('dlv_1', digestOf('dlv_1'), MS);
		expect(receiver.receivesDeliveries).toBe(true);
	});

	it(`is full at ${MAX_CLAIMS_PER_TRIGGER} open claims`, () => {
		const memory = new TriggerMemory();
		const claims = Array.from({ length: MAX_CLAIMS_PER_TRIGGER }, (_, n) => memory.claim(`dlv_${n}`, digestOf(`${n}`), MS));
		expect(memory.isFull()).toBe(true);
		memory.confirm(claims[0], MS, LIMITS);
		expect(memory.isFull()).toBe(false);
	});

	it('an abandoned claim lets a copy run once ABANDONED_CLAIM_MS have passed', () => {
		const memory = new TriggerMemory();
		const claim = memory.claim('dlv_1', digestOf('dlv_1'), MS);
		memory.senderGone(claim, MS);
		expect(memory.check('dlv_1', digestOf('dlv_1'), MS + ABANDONED_CLAIM_MS - 1)).toBe(claim);
		expect(memory.check('dlv_1', digestOf('dlv_1'), MS + ABANDONED_CLAIM_MS)).toBeUndefined();
	});

	it('notices a save of its own missing from what n8n loads, two seconds after n8n saved it', () => {
		const memory = new TriggerMemory();
		const claim = memory.claim('dlv_1', digestOf('dlv_1'), MS);
		memory.confirm(claim, MS, LIMITS);
		memory.savedWithAnswer(claim, MS);
		const other = new DeliveryStore('other');
		const older = saved(other.remember('dlv_elsewhere', digestOf('x'), MS / 1000, LIMITS));
		expect(memory.absorb(older, MS + 1_999, LIMITS)).toBeUndefined();
		expect(memory.absorb(older, MS + 2_000, LIMITS)).toBe('older');
		expect(memory.absorb(undefined, MS + 2_000, LIMITS)).toBe('missing');
		expect(memory.absorb(saved(memory.snapshot()), MS + 2_000, LIMITS)).toBeUndefined();
		expect(saved(memory.snapshot()).d).toContain(deliveryKey('dlv_elsewhere'));
	});
});
