import type { IDataObject } from 'n8n-workflow';

import type { StoreSnapshot } from '../contract/deliveryStore';

/**
 * Where the memory sits in n8n's workflow static data, and how it is put there. Global scope,
 * under the trigger's webhook id: node-scoped static data is keyed by the node's name, so
 * renaming the node would forget it.
 *
 * What is put there is not a snapshot but a value that makes one when n8n serialises static
 * data for its save (JSON.stringify, and n8n-workflow's deepCopy, call `toJSON`): every save
 * n8n makes holds the memory as of that save, never as of the moment the request wrote it. Each
 * request's save otherwise carries what that request saw, and n8n saves whole, last writer wins:
 * saves landing in another order than they were written would leave the database without the
 * deliveries confirmed in between (docs/n8n-behaviour.md, "Static data is serialised when n8n saves it").
 */

export function memoryKey(webhookId: string): string {
	return `voisnap:${webhookId}`;
}

/** What n8n loaded for this request (a plain snapshot), or what this process put there earlier in the run. */
export function loadedMemory(staticData: IDataObject, key: string): unknown {
	const value = staticData[key] as { toJSON?: unknown } | undefined;
	return typeof value?.toJSON === 'function' ? (value.toJSON as () => unknown)() : value;
}

function serialisedOnSave(snapshot: () => StoreSnapshot): IDataObject {
	return { toJSON: snapshot } as unknown as IDataObject;
}

/** Puts the memory into static data and marks it changed, so that n8n's next save check saves it. */
export function markForSave(staticData: IDataObject, key: string, snapshot: () => StoreSnapshot): void {
	staticData[key] = serialisedOnSave(snapshot);
}

/**
 * Puts the memory into static data without marking it changed: n8n's static-data proxy counts
 * writes as changes, a property defined on it is kept (and saved if something else changes the
 * data) without being one (docs/n8n-behaviour.md, "A property defined on the static-data proxy is
 * kept without counting as a change").
 */
export function keepUnmarked(staticData: IDataObject, key: string, snapshot: () => StoreSnapshot): void {
	Object.defineProperty(staticData, key, { value: serialisedOnSave(snapshot), enumerable: true, writable: true, configurable: true });
}
