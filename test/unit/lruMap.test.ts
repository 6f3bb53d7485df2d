import { LruMap } from '../../nodes/VoisnapTrigger/contract/lruMap';

describe('LruMap: per-trigger state of a process, bounded', () => {
	const make = () => ({ made: Math.random() });

	it('obtain returns the same entry for the same key, and different ones for different keys', () => {
		const map = new LruMap<object>();
		expect(map.obtain('wf1/a', make)).toBe(map.obtain('wf1/a', make));
		expect(map.obtain('wf1/a', make)).not.toBe(map.obtain('wf1/b', make));
		expect(map.obtain('wf1/a', make)).not.toBe(map.obtain('wf2/a', make));
	});

	it('beyond its size drops the least recently created when none was used again', () => {
		const map = new LruMap<object>(2);
		const a = map.obtain('a', make);
		const b = map.obtain('b', make);
		map.obtain('c', make);
		expect(map.peek('a')).toBeUndefined();
		expect(map.obtain('b', make)).toBe(b);
		expect(map.obtain('a', make)).not.toBe(a);
	});

	it('beyond its size drops the least recently used, not the oldest', () => {
		const map = new LruMap<object>(2);
		const a = map.obtain('a', make);
		const b = map.obtain('b', make);
		map.obtain('a', make); // a is now the most recently used
		map.obtain('c', make); // drops b
		expect(map.obtain('a', make)).toBe(a);
		expect(map.peek('b')).toBeUndefined();
		expect(map.obtain('b', make)).not.toBe(b);
	});

	it('holds up to its size without dropping any; peek neither makes nor reorders', () => {
		const map = new LruMap<object>(3);
		const entries = ['a', 'b', 'c'].map((key) => map.obtain(key, make));
		expect(map.peek('d')).toBeUndefined();
		expect(map.size).toBe(3);
		expect(['a', 'b', 'c'].map((key) => map.peek(key))).toEqual(entries);
		map.set('d', make()); // a was least recently used: peek did not refresh it
		expect(map.peek('a')).toBeUndefined();
	});
});
