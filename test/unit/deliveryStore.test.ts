import { createHash } from 'node:crypto';

import { DEFAULT_MAX_ENTRIES } from '../../nodes/VoisnapTrigger/contract/constants';
import type { StoreLimits, StoreSnapshot } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { DeliveryStore, deliveryKey, requestKey } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { KEY_LENGTH, TimedKeys } from '../../nodes/VoisnapTrigger/contract/timedKeys';

const T = 1_764_201_600;
const RECORD = 19;

const LIMITS: StoreLimits = { retentionSeconds: 3600, maxEntries: 100, replayWindowSeconds: 600 };

/** A distinct 32-byte digest per label, standing in for the HMAC of a signed request. */
const digestOf = (label: string) => createHash('sha256').update(label).digest();

/** A key as TimedKeys stores them: 12 characters of base64url. */
const key = (n: number) => `k${String(n).padStart(KEY_LENGTH - 1, '0')}`;

/** The record TimedKeys writes for a key and second. */
const record = (k: string, seconds: number) => k + seconds.toString(36).padStart(7, '0');

/** Remembers `id` at `now` with its own digest; returns the snapshot to save. */
function remember(store: DeliveryStore, id: string, now: number, limits = LIMITS): StoreSnapshot {
	return store.remember(id, digestOf(`request of ${id}`), now, limits);
}

/** What a later delivery sees for `id` (with a digest of its own, so only the id can match). */
function seenLater(store: DeliveryStore, id: string, now: number, snapshot: unknown = undefined, limits = LIMITS) {
	store.absorb(snapshot, now, limits);
	return store.findDuplicate(id, digestOf(`retry of ${id} at ${now}`));
}

describe('TimedKeys', () => {
	it('remembers keys and counts them', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T);
		keys.add(key(2), T);
		expect(keys.size).toBe(2);
		expect(keys.has(key(1))).toBe(true);
		expect(keys.has(key(3))).toBe(false);
	});

	it('encodes each key as 12 characters of key and 7 base-36 digits of seconds', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T);
		keys.add(key(2), 35);
		expect(keys.encode()).toBe(`${key(1)}0${T.toString(36)}${key(2)}000000z`);
		expect(keys.encode()).toHaveLength(2 * RECORD);
	});

	it('adding a key again keeps its first time', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T);
		keys.add(key(1), T + 50);
		expect(keys.size).toBe(1);
		expect(keys.encode()).toBe(record(key(1), T));
	});

	it('prune keeps a key recorded exactly at oldestKept and drops one recorded a second before', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T - 1);
		keys.add(key(2), T);
		keys.prune(T, 100);
		expect(keys.encode()).toBe(record(key(2), T));
	});

	it('prune drops the oldest beyond maxEntries', () => {
		const keys = new TimedKeys();
		for (let n = 1; n <= 5; n++) keys.add(key(n), T + n);
		keys.prune(0, 3);
		expect(keys.encode()).toBe(record(key(3), T + 3) + record(key(4), T + 4) + record(key(5), T + 5));
	});

	it('merge adds records from elsewhere in time order', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T + 10);
		keys.merge(record(key(2), T + 5) + record(key(3), T + 20) + record(key(1), T + 99));
		expect(keys.encode()).toBe(record(key(2), T + 5) + record(key(1), T + 10) + record(key(3), T + 20));
	});

	it('after a merge, add and prune keep the encoding equal to the contents', () => {
		const keys = new TimedKeys();
		keys.add(key(1), T);
		keys.merge(record(key(2), T + 1));
		keys.add(key(3), T + 2);
		keys.prune(T + 1, 100);
		expect(keys.encode()).toBe(record(key(2), T + 1) + record(key(3), T + 2));
		keys.add(key(4), T + 3);
		keys.prune(0, 2);
		expect(keys.encode()).toBe(record(key(3), T + 2) + record(key(4), T + 3));
	});

	it.each([
		['undefined', undefined],
		['null', null],
		['a number', 42],
		['an object', { d: record(key(9), T) }],
		['an empty string', ''],
		['a length that is not a multiple of 19', record(key(9), T) + 'x'],
		['a character outside base64url in a key', record('k0000000000!', T)],
		['an upper-case digit in a time', record(key(9), T).toUpperCase()],
		['one bad record among good ones', record(key(8), T) + record('k00000000 09', T)],
	])('merge ignores %s without throwing', (_case, encoded) => {
		const keys = new TimedKeys();
		keys.add(key(1), T);
		expect(() => keys.merge(encoded)).not.toThrow();
		expect(keys.encode()).toBe(record(key(1), T));
	});

	// 300,000 ids are a legitimate "Max Remembered IDs" setting (5.7 MB); a backtracking regular
	// expression over the whole string overflowed the stack beyond ~257,000 records.
	it('merge takes in a very large encoding without throwing', () => {
		const count = 300_000;
		const encoded = Array.from({ length: count }, (_, n) => record(key(n), T)).join('');
		const keys = new TimedKeys();
		expect(() => keys.merge(encoded)).not.toThrow();
		expect(keys.size).toBe(count);
		expect(keys.has(key(count - 1))).toBe(true);
	});

	it('merge ignores a very large malformed encoding without throwing', () => {
		const encoded = Array.from({ length: 300_000 }, (_, n) => record(key(n), T)).join('').slice(0, -RECORD) + '!'.repeat(RECORD);
		const keys = new TimedKeys();
		expect(() => keys.merge(encoded)).not.toThrow();
		expect(keys.size).toBe(0);
	});
});

describe('keys', () => {
	it('a delivery key is 12 base64url characters of the id\'s SHA-256', () => {
		expect(deliveryKey('dlv_1')).toBe(createHash('sha256').update('dlv_1').digest().subarray(0, 9).toString('base64url'));
		expect(deliveryKey('dlv_1')).toMatch(/^[A-Za-z0-9_-]{12}$/);
		expect(deliveryKey('dlv_1')).not.toBe(deliveryKey('dlv_2'));
	});

	it('a request key is the first 9 bytes of the digest, base64url', () => {
		const digest = digestOf('x');
		expect(requestKey(digest)).toBe(digest.subarray(0, 9).toString('base64url'));
		expect(requestKey(digest)).toHaveLength(12);
	});
});

describe('DeliveryStore', () => {
	describe('delivery ids', () => {
		it('an unknown id is not a duplicate', () => {
			expect(seenLater(new DeliveryStore(), 'dlv_1', T)).toBeUndefined();
		});

		it('a remembered id is a duplicate', () => {
			const store = new DeliveryStore();
			remember(store, 'dlv_1', T);
			expect(seenLater(store, 'dlv_1', T)).toBe('delivery_id');
			expect(seenLater(store, 'dlv_2', T)).toBeUndefined();
		});

		it('ids are compared exactly (case and white space matter)', () => {
			const store = new DeliveryStore();
			remember(store, 'dlv_A', T);
			expect(seenLater(store, 'dlv_a', T)).toBeUndefined();
			expect(seenLater(store, 'dlv_A ', T)).toBeUndefined();
		});
	});

	describe('retention', () => {
		it('an id recorded at t is still a duplicate at t + retention', () => {
			const store = new DeliveryStore();
			remember(store, 'dlv_1', T);
			expect(seenLater(store, 'dlv_1', T + LIMITS.retentionSeconds)).toBe('delivery_id');
		});

		it('an id recorded at t is forgotten at t + retention + 1', () => {
			const store = new DeliveryStore();
			remember(store, 'dlv_1', T);
			expect(seenLater(store, 'dlv_1', T + LIMITS.retentionSeconds + 1)).toBeUndefined();
			expect(store.size).toBe(0);
		});

		it('forgetting happens on absorb even when the store has nothing new to take in', () => {
			const store = new DeliveryStore();
			const saved = remember(store, 'dlv_1', T);
			store.absorb(saved, T + LIMITS.retentionSeconds + 1, LIMITS);
			expect(store.size).toBe(0);
		});

		it('an expired id in a loaded snapshot is not called a duplicate', () => {
			const saved = remember(new DeliveryStore('writer-a'), 'dlv_1', T);
			expect(seenLater(new DeliveryStore('writer-b'), 'dlv_1', T + LIMITS.retentionSeconds + 1, saved)).toBeUndefined();
		});

		it('a retention of 0 remembers an id for the second it arrived in only', () => {
			const limits = { ...LIMITS, retentionSeconds: 0 };
			const store = new DeliveryStore();
			remember(store, 'dlv_1', T, limits);
			expect(seenLater(store, 'dlv_1', T, undefined, limits)).toBe('delivery_id');
			expect(seenLater(store, 'dlv_1', T + 1, undefined, limits)).toBeUndefined();
		});
	});

	describe('cap', () => {
		const limits = { ...LIMITS, maxEntries: 3 };

		it('keeps at most maxEntries ids, dropping the oldest first', () => {
			const store = new DeliveryStore();
			for (let n = 1; n <= 4; n++) remember(store, `dlv_${n}`, T + n, limits);
			expect(store.size).toBe(3);
			expect(seenLater(store, 'dlv_1', T + 5, undefined, limits)).toBeUndefined();
			for (const id of ['dlv_2', 'dlv_3', 'dlv_4']) expect(seenLater(store, id, T + 5, undefined, limits)).toBe('delivery_id');
		});

		it('the cap applies to ids merged from a snapshot too', () => {
			const big = new DeliveryStore('writer-a');
			let saved: StoreSnapshot | undefined;
			for (let n = 1; n <= 5; n++) saved = remember(big, `dlv_${n}`, T + n);
			const small = new DeliveryStore('writer-b');
			small.absorb(saved, T + 6, limits);
			expect(small.size).toBe(3);
			expect(small.findDuplicate('dlv_2', digestOf('other'))).toBeUndefined();
			expect(small.findDuplicate('dlv_3', digestOf('other'))).toBe('delivery_id');
		});

		it('the default cap is 2,000 ids (bench/RESULTS.md)', () => {
			expect(DEFAULT_MAX_ENTRIES).toBe(2_000);
		});
	});

	describe('size of the snapshot', () => {
		it('is exactly 19 characters per remembered id', () => {
			const store = new DeliveryStore();
			let saved: StoreSnapshot | undefined;
			for (let n = 1; n <= 37; n++) {
				saved = remember(store, `dlv_${n}`, T + n);
				expect(saved.d).toHaveLength(RECORD * n);
			}
		});

		it('holds plain strings only: format version, writer, ids, requests', () => {
			const saved = remember(new DeliveryStore('writer-a'), 'dlv_1', T);
			expect(saved).toEqual({ v: 1, w: 'writer-a:1', d: record(deliveryKey('dlv_1'), T), r: record(requestKey(digestOf('request of dlv_1')), T) });
		});

		it('10,000 ids received over a day serialise to less than 200 KB', () => {
			const limits: StoreLimits = { retentionSeconds: 86_400, maxEntries: 10_000, replayWindowSeconds: 600 };
			const store = new DeliveryStore();
			let saved: StoreSnapshot | undefined;
			// One delivery every 8 s: 10,000 of them span 80,000 s, within the 24 h retention.
			for (let n = 0; n < 10_000; n++) saved = remember(store, `dlv_${n}`, T + 8 * n, limits);
			expect(store.size).toBe(10_000);
			expect(saved!.d).toHaveLength(190_000);
			// Requests are kept only as long as a replay could pass the timestamp check: 600 s.
			expect(saved!.r).toHaveLength(RECORD * 76);
			const bytes = Buffer.byteLength(JSON.stringify(saved));
			expect(bytes).toBeLessThan(200_000);
		});

		// Documents the cost of a burst: request keys are capped by maxEntries, not by a budget of
		// their own, so 10,000 deliveries inside the replay window store 10,000 of each (380 KB).
		it('10,000 ids within the replay window keep as many request keys (twice the size)', () => {
			const limits: StoreLimits = { retentionSeconds: 86_400, maxEntries: 10_000, replayWindowSeconds: 600 };
			const store = new DeliveryStore();
			let saved: StoreSnapshot | undefined;
			for (let n = 0; n < 10_000; n++) saved = remember(store, `dlv_${n}`, T, limits);
			expect(saved!.d).toHaveLength(190_000);
			expect(saved!.r).toHaveLength(190_000);
			expect(Buffer.byteLength(JSON.stringify(saved))).toBeGreaterThan(380_000);
			expect(Buffer.byteLength(JSON.stringify(saved))).toBeLessThan(380_100);
		});
	});

	it('at the default cap, even a burst inside the replay window stays under V8\'s 128 KB step', () => {
		const limits: StoreLimits = { retentionSeconds: 86_400, maxEntries: DEFAULT_MAX_ENTRIES, replayWindowSeconds: 600 };
		const store = new DeliveryStore();
		let saved: StoreSnapshot | undefined;
		for (let n = 0; n < 3 * DEFAULT_MAX_ENTRIES; n++) saved = remember(store, `dlv_${n}`, T, limits);
		expect(store.size).toBe(DEFAULT_MAX_ENTRIES);
		expect(Buffer.byteLength(JSON.stringify(saved))).toBeLessThan(128 * 1024);
	});

	describe('restart: snapshot round trip', () => {
		it('a fresh store that absorbs the saved JSON knows every id and request', () => {
			const before = new DeliveryStore('before');
			let saved: StoreSnapshot | undefined;
			for (let n = 1; n <= 50; n++) saved = remember(before, `dlv_${n}`, T + n);
			const loaded: unknown = JSON.parse(JSON.stringify(saved));

			const after = new DeliveryStore('after');
			after.absorb(loaded, T + 60, LIMITS);
			expect(after.size).toBe(50);
			for (let n = 1; n <= 50; n++) expect(after.findDuplicate(`dlv_${n}`, digestOf('x'))).toBe('delivery_id');
			expect(after.findDuplicate('dlv_new', digestOf('request of dlv_7'))).toBe('replay');
			expect(after.snapshot()).toMatchObject({ d: saved!.d, r: saved!.r });
		});
	});

	describe('merging with a snapshot written elsewhere', () => {
		it('ids from a stale snapshot and from the in-process store both survive', () => {
			const database = remember(new DeliveryStore('other-process'), 'dlv_db', T);
			const store = new DeliveryStore('this-process');
			remember(store, 'dlv_local', T + 1);

			store.absorb(database, T + 2, LIMITS);
			const saved = remember(store, 'dlv_next', T + 2);

			expect(saved.d).toBe(
				record(deliveryKey('dlv_db'), T) + record(deliveryKey('dlv_local'), T + 1) + record(deliveryKey('dlv_next'), T + 2),
			);
		});

		it('an id lost by a concurrent overwrite is written again by the next remember', () => {
			const a = new DeliveryStore('process-a');
			const b = new DeliveryStore('process-b');
			// Both load the same empty static data; each remembers one delivery and saves it whole.
			let database: StoreSnapshot = remember(a, 'dlv_a', T);
			database = remember(b, 'dlv_b', T); // overwrites: dlv_a is no longer saved
			expect(new DeliveryStore('reader').findDuplicate('dlv_a', digestOf('x'))).toBeUndefined();
			expect(database.d).toBe(record(deliveryKey('dlv_b'), T));

			// The next delivery handled by process A merges B's save and writes dlv_a back.
			a.absorb(database, T + 1, LIMITS);
			database = remember(a, 'dlv_c', T + 1);

			const reader = new DeliveryStore('reader');
			reader.absorb(JSON.parse(JSON.stringify(database)), T + 2, LIMITS);
			for (const id of ['dlv_a', 'dlv_b', 'dlv_c']) expect(reader.findDuplicate(id, digestOf('x'))).toBe('delivery_id');
		});

		it('absorb skips a snapshot this store wrote itself', () => {
			const store = new DeliveryStore('self');
			const own = remember(store, 'dlv_1', T);
			// Same writer and sequence, different content: had it been merged, dlv_x would be known.
			const tampered = { ...own, d: own.d + record(deliveryKey('dlv_x'), T) };
			store.absorb(tampered, T, LIMITS);
			expect(store.findDuplicate('dlv_x', digestOf('x'))).toBeUndefined();
		});

		it('absorb does not merge its own snapshot (no merge work at all)', () => {
			const store = new DeliveryStore('self');
			const own = remember(store, 'dlv_1', T);
			const merge = jest.spyOn(TimedKeys.prototype, 'merge');
			try {
				store.absorb(own, T, LIMITS);
				expect(merge).not.toHaveBeenCalled();
			} finally {
				merge.mockRestore();
			}
		});

		it('absorb takes in a snapshot with the same content under another writer', () => {
			const store = new DeliveryStore('self');
			const own = remember(store, 'dlv_1', T);
			store.absorb({ ...own, w: 'other:1', d: own.d + record(deliveryKey('dlv_x'), T) }, T, LIMITS);
			expect(store.findDuplicate('dlv_x', digestOf('x'))).toBe('delivery_id');
		});

		it('a snapshot already merged once is not merged again', () => {
			const store = new DeliveryStore('self');
			const other = remember(new DeliveryStore('other'), 'dlv_1', T);
			store.absorb(other, T, LIMITS);
			const merge = jest.spyOn(TimedKeys.prototype, 'merge');
			try {
				store.absorb(other, T, LIMITS);
				expect(merge).not.toHaveBeenCalled();
			} finally {
				merge.mockRestore();
			}
		});

		it('snapshots name their writer and count up', () => {
			const store = new DeliveryStore('self');
			expect(remember(store, 'dlv_1', T).w).toBe('self:1');
			expect(remember(store, 'dlv_2', T).w).toBe('self:2');
			expect(store.snapshot().w).toBe('self:3');
		});

		it.each([
			['undefined', undefined],
			['null', null],
			['a number', 42],
			['a string', 'v1'],
			['an array', [1, 2, 3]],
			['an empty object', {}],
			['another format version', { v: 2, w: 'x:1', d: record(deliveryKey('dlv_x'), T), r: '' }],
			['v as a string', { v: '1', w: 'x:1', d: record(deliveryKey('dlv_x'), T), r: '' }],
			['fields of the wrong type', { v: 1, w: 7, d: 42, r: null }],
			['fields missing', { v: 1 }],
			['garbage strings', { v: 1, w: 'x:1', d: 'not records', r: '###' }],
			['a truncated record', { v: 1, w: 'x:1', d: record(deliveryKey('dlv_x'), T).slice(0, -1), r: '' }],
		])('a malformed snapshot (%s) is ignored without throwing', (_case, snapshot) => {
			const store = new DeliveryStore('self');
			remember(store, 'dlv_1', T);
			expect(() => store.absorb(snapshot, T, LIMITS)).not.toThrow();
			expect(store.size).toBe(1);
			expect(store.findDuplicate('dlv_1', digestOf('x'))).toBe('delivery_id');
			expect(store.findDuplicate('dlv_x', digestOf('x'))).toBeUndefined();
		});

		it('a snapshot with malformed ids but valid requests still takes in the requests', () => {
			const store = new DeliveryStore('self');
			const digest = digestOf('signed elsewhere');
			store.absorb({ v: 1, w: 'x:1', d: '!!', r: record(requestKey(digest), T) }, T, LIMITS);
			expect(store.findDuplicate('dlv_new', digest)).toBe('replay');
		});
	});

	describe('replays', () => {
		it('the same signed request under a new delivery id is a replay', () => {
			const store = new DeliveryStore();
			const digest = digestOf('signed request');
			store.remember('dlv_1', digest, T, LIMITS);
			expect(store.findDuplicate('dlv_2', digest)).toBe('replay');
		});

		it('a known delivery id is reported as such even when the request is also known', () => {
			const store = new DeliveryStore();
			const digest = digestOf('signed request');
			store.remember('dlv_1', digest, T, LIMITS);
			expect(store.findDuplicate('dlv_1', digest)).toBe('delivery_id');
		});

		it('is remembered for the replay window, inclusive', () => {
			const store = new DeliveryStore();
			const digest = digestOf('signed request');
			store.remember('dlv_1', digest, T, LIMITS);
			store.absorb(undefined, T + LIMITS.replayWindowSeconds, LIMITS);
			expect(store.findDuplicate('dlv_2', digest)).toBe('replay');
		});

		it('is forgotten one second after the replay window, while the id is still remembered', () => {
			const store = new DeliveryStore();
			const digest = digestOf('signed request');
			store.remember('dlv_1', digest, T, LIMITS);
			store.absorb(undefined, T + LIMITS.replayWindowSeconds + 1, LIMITS);
			expect(store.findDuplicate('dlv_2', digest)).toBeUndefined();
			expect(store.findDuplicate('dlv_1', digest)).toBe('delivery_id');
		});
	});
});
