/**
 * The encoding this package does NOT use, for comparison: what a user of n8n writes first,
 * an object `{ [deliveryId]: epochSeconds }` kept in the workflow's static data and changed in
 * place, keyed by the delivery id as sent. Given the same bounds as DeliveryStore (retention,
 * max entries, oldest dropped first, relying on insertion order) and the count kept alongside,
 * so that it is not penalised for anything but its encoding.
 */
export type NaiveSnapshot = Record<string, number>;

export interface NaiveLimits {
	retentionSeconds: number;
	maxEntries: number;
}

export class NaiveStore {
	constructor(
		public data: NaiveSnapshot,
		private count = Object.keys(data).length,
	) {}

	get size(): number {
		return this.count;
	}

	isDuplicate(deliveryId: string): boolean {
		return Object.prototype.hasOwnProperty.call(this.data, deliveryId);
	}

	remember(deliveryId: string, nowSeconds: number, limits: NaiveLimits): void {
		if (!this.isDuplicate(deliveryId)) {
			this.data[deliveryId] = nowSeconds;
			this.count++;
		}
		this.prune(nowSeconds, limits);
	}

	prune(nowSeconds: number, limits: NaiveLimits): void {
		const oldestKept = nowSeconds - limits.retentionSeconds;
		let excess = this.count - limits.maxEntries;
		for (const key in this.data) {
			if (this.data[key] >= oldestKept && excess <= 0) break;
			delete this.data[key];
			this.count--;
			excess--;
		}
	}
}
