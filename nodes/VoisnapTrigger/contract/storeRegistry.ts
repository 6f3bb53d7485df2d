import { DeliveryStore } from './deliveryStore';

/**
 * The stores of this n8n process, one per trigger (workflow id and the node's webhook id, which
 * survives renaming the node). Bounded so that deleted workflows cannot grow it forever; a
 * store dropped here is rebuilt from the workflow's static data on its next delivery.
 */
export class StoreRegistry {
	private readonly stores = new Map<string, DeliveryStore>();

	constructor(private readonly maxStores = 1_000) {}

	/** The store of `scope` if this process has one (it accepted a delivery for it). */
	existingStore(scope: string): DeliveryStore | undefined {
		return this.stores.get(scope);
	}

	storeFor(scope: string): DeliveryStore {
		let store = this.stores.get(scope);
		if (store) {
			// Most recently used last, so the least recently used is dropped first.
			this.stores.delete(scope);
		} else {
			store = new DeliveryStore();
			if (this.stores.size >= this.maxStores) {
				this.stores.delete(this.stores.keys().next().value as string);
			}
		}
		this.stores.set(scope, store);
		return store;
	}
}

/** Shared by every Voisnap Trigger in the process. */
export const processStores = new StoreRegistry();
