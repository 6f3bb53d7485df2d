import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
	DELIVERY_ID_HEADER,
	SIGNATURE_HEADER,
	TIMESTAMP_HEADER,
} from '../../nodes/VoisnapTrigger/contract/constants';
import { sign } from '../../nodes/VoisnapTrigger/contract/signature';

/**
 * Builds deliveries exactly as Voisnap sends them, signed with the package's own `sign` (which
 * the published vectors in test/fixtures pin down). Shared by the unit tests, the end-to-end
 * tests, `npm run send-event` and the benchmarks, so that all of them speak one protocol.
 */

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');
export const EVENT_FIXTURES_DIR = join(FIXTURES_DIR, 'events');

/** Event fixture names: the five known types and one unknown type. */
export function eventFixtureNames(): string[] {
	return readdirSync(EVENT_FIXTURES_DIR)
		.filter((file) => file.endsWith('.json'))
		.map((file) => file.slice(0, -'.json'.length))
		.sort();
}

/** A fixture's exact bytes (pretty-printed JSON with a trailing newline, as on disk). */
export function eventFixture(name: string): Buffer {
	return readFileSync(join(EVENT_FIXTURES_DIR, `${name}.json`));
}

export interface SignedDelivery {
	headers: Record<string, string>;
	body: Buffer;
}

export interface DeliveryOptions {
	secret: string;
	body: Buffer | string | object;
	/** Seconds since the epoch; defaults to now. */
	timestamp?: number | string;
	/** Defaults to a fresh UUID; `null` sends no delivery id header. */
	deliveryId?: string | null;
	/** Overrides the computed signature header; `null` sends none. */
	signature?: string | null;
}

export function nowSeconds(): number {
	return Math.floor(Date.now() / 1000);
}

export function toBody(body: Buffer | string | object): Buffer {
	if (Buffer.isBuffer(body)) return body;
	return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

export function signedDelivery(options: DeliveryOptions): SignedDelivery {
	const body = toBody(options.body);
	const timestamp = String(options.timestamp ?? nowSeconds());
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		[TIMESTAMP_HEADER]: timestamp,
	};
	const signature = options.signature === undefined ? sign(options.secret, timestamp, body) : options.signature;
	if (signature !== null) headers[SIGNATURE_HEADER] = signature;
	const deliveryId = options.deliveryId === undefined ? `dlv_${randomUUID()}` : options.deliveryId;
	if (deliveryId !== null) headers[DELIVERY_ID_HEADER] = deliveryId;
	return { headers, body };
}

export interface PostResult {
	status: number;
	body: unknown;
	text: string;
	contentType: string | null;
	/** The Retry-After header of a 503, if any. */
	retryAfter: string | null;
}

/** POSTs a delivery and reads the whole answer. */
export async function postDelivery(url: string, delivery: SignedDelivery): Promise<PostResult> {
	const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// Not JSON: keep the text, which is itself worth asserting on.
	}
	return {
		status: response.status,
		body,
		text,
		contentType: response.headers.get('content-type'),
		retryAfter: response.headers.get('retry-after'),
	};
}
