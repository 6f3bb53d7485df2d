import type { RejectionReason } from './answers';

/** Used when the node's Alert Interval is absent or unusable: at most one alert per reason this often. */
export const DEFAULT_ALERT_INTERVAL_MINUTES = 10;
/** The shortest Alert Interval: even a workflow edited by hand never alerts more often than this. */
export const MIN_ALERT_INTERVAL_MINUTES = 0.1;

/**
 * Which refusals tell the workflow's owner that something is set up wrong or has changed, by
 * reason. `afterScreen`: alerts when the request passed the cheap screen (a fresh timestamp
 * and a well-formed signature), so scanners and junk never alert. `whenSigned`: a clock
 * problem, alerting only when the request's signature verifies with a configured secret;
 * otherwise it is a replay or junk. `never`: junk by construction.
 */
export const REJECTION_ALERTING: Record<RejectionReason, 'afterScreen' | 'whenSigned' | 'never'> = {
	no_signing_secret: 'afterScreen',
	timestamp_missing: 'never',
	timestamp_malformed: 'never',
	timestamp_too_old: 'whenSigned',
	timestamp_in_future: 'whenSigned',
	signature_missing: 'never',
	// Only after the screen: a header that holds no well-formed value is refused by the screen.
	signature_mismatch: 'afterScreen',
	// These four come only after the signature verified: a genuine delivery breaks the contract.
	body_not_json: 'afterScreen',
	body_not_object: 'afterScreen',
	event_type_missing: 'afterScreen',
	delivery_id_missing: 'afterScreen',
};

/** How many refusals of one reason an alert stands for. */
export interface AlertTally {
	/** Refused since the previous alert of this reason, this one included. */
	count: number;
	/** When the first of them was received (ms since the epoch). */
	sinceMs: number;
}

interface ReasonState {
	lastAlertMs: number;
	/** Refused since that alert and not alerted on yet. */
	pending: number;
	pendingSinceMs: number;
}

/**
 * One trigger's alert rate: the first refusal of a reason alerts at once; after that at most
 * one alert per reason per interval, carrying the refusals counted since the previous one.
 * Timestamps only, no timers: the alert that closes an interval is the next refusal after it,
 * so refusals counted after the last alert are reported only if another one comes.
 */
export class RejectionAlertLimiter {
	private readonly reasons = new Map<RejectionReason, ReasonState>();

	/** Counts one refusal received at `nowMs`: the tally to alert with now, or undefined. */
	record(reason: RejectionReason, nowMs: number, intervalMs: number): AlertTally | undefined {
		const state = this.reasons.get(reason);
		if (state && nowMs - state.lastAlertMs < intervalMs) {
			if (state.pending === 0) state.pendingSinceMs = nowMs;
			state.pending++;
			return undefined;
		}
		const tally: AlertTally =
			state && state.pending > 0
				? { count: state.pending + 1, sinceMs: state.pendingSinceMs }
				: { count: 1, sinceMs: nowMs };
		this.reasons.set(reason, { lastAlertMs: nowMs, pending: 0, pendingSinceMs: nowMs });
		return tally;
	}
}

/** What an alert item says: never the body, the signature, the expected signature or a secret. */
export interface RejectionAlert {
	reason: RejectionReason;
	status: number;
	/** The error message as answered. */
	message: string;
	/** What to do about it, as the editor shows it for a failed test run. */
	advice: string;
	/** As sent, or null when the request had none. */
	deliveryId: string | null;
	/** When n8n received the refusal that started this alert (ISO 8601). */
	receivedAt: string;
	/** Refusals of this reason since the previous alert, this one included. */
	count: number;
	/** When the first of them was received (ISO 8601). */
	since: string;
}

/** An alert item's JSON: everything under `rejection`; a delivery's item has `delivery` instead. */
export function rejectionAlertJson(alert: RejectionAlert): { rejection: RejectionAlert } {
	return { rejection: alert };
}

/** Whether an item's JSON is an alert about refusals rather than a delivery. */
export function isRejectionAlert(json: Record<string, unknown>): boolean {
	const rejection = json.rejection;
	return json.delivery === undefined && typeof rejection === 'object' && rejection !== null && 'reason' in rejection;
}
