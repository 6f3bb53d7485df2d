import { ABANDONED_CLAIM_MS, Claims, STALE_CLAIM_SECONDS } from '../../nodes/VoisnapTrigger/contract/claims';

const T = 1_764_201_600;
const MS = T * 1000;

describe('Claims: an accepted delivery until n8n has stored it', () => {
	it('an open claim holds copies with the same id, or the same signed request under another id', () => {
		const claims = new Claims();
		const claim = claims.take('delivery-1', 'request-1', T);
		expect(claims.holding('delivery-1', 'request-x', MS)).toBe(claim);
		expect(claims.holding('delivery-x', 'request-1', MS)).toBe(claim);
		expect(claims.holding('delivery-2', 'request-2', MS)).toBeUndefined();
		expect(claims.count).toBe(1);
	});

	it('settling closes it once, wakes every waiter, and frees both keys', async () => {
		const claims = new Claims();
		const claim = claims.take('delivery-1', 'request-1', T);
		const woken: string[] = [];
		const waiting = [claims.settled(claim).then(() => woken.push('a')), claims.settled(claim).then(() => woken.push('b'))];
		expect(claims.settle(claim)).toBe(true);
		expect(claims.settle(claim)).toBe(false);
		await Promise.all(waiting);
		expect(woken.sort()).toEqual(['a', 'b']);
		expect(claims.isOpen(claim)).toBe(false);
		expect(claims.holding('delivery-1', 'request-1', MS)).toBeUndefined();
		expect(claims.count).toBe(0);
	});

	it('waiting on a settled claim resolves at once', async () => {
		const claims = new Claims();
		const claim = claims.take('delivery-1', 'request-1', T);
		claims.settle(claim);
		await expect(claims.settled(claim)).resolves.toBeUndefined();
	});

	it('a sender gone: the claim still holds copies off until ABANDONED_CLAIM_MS, then lets the next one run', async () => {
		const claims = new Claims();
		const claim = claims.take('delivery-1', 'request-1', T);
		const waiter = claims.settled(claim);
		claims.senderGone(claim, MS);
		expect(claims.holding('delivery-1', 'request-1', MS + ABANDONED_CLAIM_MS - 1)).toBe(claim);
		expect(claims.holding('delivery-1', 'request-1', MS + ABANDONED_CLAIM_MS)).toBeUndefined();
		await expect(waiter).resolves.toBeUndefined();
		expect(claims.isOpen(claim)).toBe(false);
	});

	it('without a sender gone, a claim is never abandoned (it holds until stale)', () => {
		const claims = new Claims();
		const claim = claims.take('delivery-1', 'request-1', T);
		expect(claims.holding('delivery-1', 'request-1', MS + 10 * ABANDONED_CLAIM_MS)).toBe(claim);
	});

	it('claims older than STALE_CLAIM_SECONDS are dropped, newer ones kept', () => {
		const claims = new Claims();
		const old = claims.take('delivery-old', 'request-old', T);
		const fresh = claims.take('delivery-new', 'request-new', T + 10);
		claims.dropStale(T + STALE_CLAIM_SECONDS);
		expect(claims.isOpen(old)).toBe(true);
		claims.dropStale(T + STALE_CLAIM_SECONDS + 1);
		expect(claims.isOpen(old)).toBe(false);
		expect(claims.isOpen(fresh)).toBe(true);
	});

	it('a new claim of the same id after the first was settled is a claim of its own', () => {
		const claims = new Claims();
		const first = claims.take('delivery-1', 'request-1', T);
		claims.settle(first);
		const second = claims.take('delivery-1', 'request-2', T + 1);
		expect(claims.settle(first)).toBe(false);
		expect(claims.openFor('delivery-1')).toBe(second);
	});
});
