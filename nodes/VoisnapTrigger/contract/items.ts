import { SIGNATURE_HEADER } from './constants';
import type { RoutedEvent } from './events';

/** What the trigger adds to every event, mappable without a Code node. */
export interface DeliveryMetadata {
	/** `X-Webhook-Delivery-Id` as sent, or null when the delivery had none. */
	id: string | null;
	/** The signed `X-Webhook-Timestamp`, as an ISO 8601 string. */
	timestamp: string;
	/** When n8n received the delivery, as an ISO 8601 string. */
	receivedAt: string;
}

export interface ItemOptions {
	includeHeaders: boolean;
	includeRawBody: boolean;
}

/** Request headers for the item, without the signature: it is a credential of sorts. */
function itemHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
	const kept: Record<string, string | string[]> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined && name !== SIGNATURE_HEADER) kept[name] = value;
	}
	return kept;
}

/**
 * The item's JSON: the envelope as sent (`type`, `data` and any other top-level field) plus
 * `delivery`, then `headers` and `rawBody` only when asked for.
 */
export function buildItemJson(
	routed: RoutedEvent,
	delivery: DeliveryMetadata,
	request: { headers: Record<string, string | string[] | undefined>; body: Buffer },
	options: ItemOptions,
): Record<string, unknown> {
	const json: Record<string, unknown> = { ...routed.event, delivery };
	if (options.includeHeaders) json.headers = itemHeaders(request.headers);
	if (options.includeRawBody) json.rawBody = request.body.toString('utf8');
	return json;
}
