/**
 * A map bounded to `maxEntries`, least recently used dropped first: per-trigger state of an n8n
 * process, which deleted workflows must not grow forever. What is dropped is rebuilt on the
 * trigger's next delivery (from the workflow's static data, for the memory).
 */
export class LruMap<V> {
	private readonly entries = new Map<string, V>();

	constructor(private readonly maxEntries = 1_000) {}

	get size(): number {
		return this.entries.size;
	}

	/** The entry of `key`, without changing its place. */
	peek(key: string): V | undefined {
		return this.entries.get(key);
	}

	/** The entry of `key`, made with `create` if there is none; it becomes the most recently used. */
	obtain(key: string, create: () => V): V {
		const value = this.entries.get(key) ?? create();
		this.set(key, value);
		return value;
	}

	set(key: string, value: V): void {
		this.entries.delete(key);
		if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
		this.entries.set(key, value);
	}
}
