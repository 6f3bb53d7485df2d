/**
 * The Voisnap event envelope, its known types, and the route (trigger output) each goes to.
 * Fields are those Voisnap's guide shows; all are optional beyond `type`, because a known event
 * with fields missing or added is still passed through as sent.
 */

/** The event types Voisnap documents, in the order of the trigger's outputs. */
export const KNOWN_EVENT_TYPES = [
	'SessionStarted',
	'SessionEnded',
	'AnalysisCompleted',
	'TransferInitiated',
	'Error',
] as const;

export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

/** Where an event type Voisnap ships after this package goes: never dropped. */
export const OTHER_ROUTE = 'Other';

export type Route = KnownEventType | typeof OTHER_ROUTE;

/** The trigger's outputs when routing by event type, in order. */
export const ROUTES: readonly Route[] = [...KNOWN_EVENT_TYPES, OTHER_ROUTE];

/** Fields outside the ones named are kept as sent. */
type Open<T> = T & { [field: string]: unknown };

interface Envelope<TType extends string, TData> {
	type: TType;
	data?: Open<TData>;
	agentId?: string;
	[field: string]: unknown;
}

export type SessionStartedEvent = Envelope<'SessionStarted', { conversationId?: string }>;

export type SessionEndedEvent = Envelope<
	'SessionEnded',
	{ conversationId?: string; durationSeconds?: number; cost?: number; endReason?: string }
>;

export type AnalysisCompletedEvent = Envelope<
	'AnalysisCompleted',
	{
		conversationId?: string;
		sentiment?: string;
		sentimentScore?: number;
		intent?: string;
		summary?: string;
		customFields?: Open<{ resolution_status?: string }>;
	}
>;

export type TransferInitiatedEvent = Envelope<'TransferInitiated', { conversationId?: string }>;

export type ErrorEvent = Envelope<
	'Error',
	{ errorCode?: string; errorMessage?: string; recoverable?: boolean }
>;

/** A type this package does not know yet, e.g. one Voisnap added later. */
export type OtherEvent = Envelope<string, Record<string, unknown>>;

/**
 * An event with its route: a discriminated union on `route`, so that code which switches on it
 * gets the event's typed fields (`event.data.durationSeconds` under `'SessionEnded'`).
 */
export type RoutedEvent =
	| { route: 'SessionStarted'; event: SessionStartedEvent }
	| { route: 'SessionEnded'; event: SessionEndedEvent }
	| { route: 'AnalysisCompleted'; event: AnalysisCompletedEvent }
	| { route: 'TransferInitiated'; event: TransferInitiatedEvent }
	| { route: 'Error'; event: ErrorEvent }
	| { route: typeof OTHER_ROUTE; event: OtherEvent };

export type EventFailure = 'body_not_json' | 'body_not_object' | 'event_type_missing';

export type ParseResult = { valid: true; routed: RoutedEvent } | { valid: false; reason: EventFailure };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isKnownEventType(type: string): type is KnownEventType {
	return (KNOWN_EVENT_TYPES as readonly string[]).includes(type);
}

export function routeOf(type: string): Route {
	return isKnownEventType(type) ? type : OTHER_ROUTE;
}

/**
 * Parses the body's exact bytes (the ones the signature covered) into a routed event.
 * Invalid UTF-8, or anything but an object with a non-empty string `type`, is refused with a
 * reason rather than thrown. A leading byte-order mark is skipped (the signature covered it).
 */
export function parseEvent(body: Buffer): ParseResult {
	let parsed: unknown;
	try {
		parsed = JSON.parse(utf8.decode(body));
	} catch {
		return { valid: false, reason: 'body_not_json' };
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		return { valid: false, reason: 'body_not_object' };
	}
	const { type } = parsed as { type?: unknown };
	if (typeof type !== 'string' || type === '') return { valid: false, reason: 'event_type_missing' };
	return { valid: true, routed: { route: routeOf(type), event: parsed as OtherEvent } as RoutedEvent };
}
