import {
	DEFAULT_MAX_ENTRIES,
	DEFAULT_RETENTION_HOURS,
	DEFAULT_TOLERANCE_SECONDS,
} from './constants';
import type { StoreLimits } from './deliveryStore';
import { DEFAULT_ALERT_INTERVAL_MINUTES, MIN_ALERT_INTERVAL_MINUTES } from './rejectionAlerts';
import { ALL_EVENTS } from './eventsFilter';
import type { ItemOptions } from './items';

/** The node's parameters as the UI stores them (options may be absent or partial). */
export interface TriggerParameters {
	events?: unknown;
	routing?: unknown;
	options?: {
		toleranceSeconds?: unknown;
		deduplicate?: unknown;
		dedupRetentionHours?: unknown;
		dedupMaxEntries?: unknown;
		includeHeaders?: unknown;
		includeRawBody?: unknown;
		alertOnRejections?: unknown;
		alertIntervalMinutes?: unknown;
	};
}

export interface TriggerSettings extends ItemOptions {
	events: readonly string[];
	singleOutput: boolean;
	toleranceSeconds: number;
	deduplicate: boolean;
	limits: StoreLimits;
	/** Whether refusals start an execution on the `Rejected` output (rate-limited). */
	alertOnRejections: boolean;
	alertIntervalMs: number;
}

function positiveNumber(value: unknown, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Parameters to settings, with the documented defaults for anything absent or unusable. */
export function readSettings(parameters: TriggerParameters): TriggerSettings {
	const options = parameters.options ?? {};
	const toleranceSeconds = positiveNumber(options.toleranceSeconds, DEFAULT_TOLERANCE_SECONDS);
	const retentionHours =
		typeof options.dedupRetentionHours === 'number' && options.dedupRetentionHours >= 0
			? options.dedupRetentionHours
			: DEFAULT_RETENTION_HOURS;
	const events = Array.isArray(parameters.events) ? (parameters.events as string[]) : [ALL_EVENTS];
	return {
		events,
		singleOutput: parameters.routing === 'single',
		toleranceSeconds,
		deduplicate: options.deduplicate !== false,
		includeHeaders: options.includeHeaders === true,
		includeRawBody: options.includeRawBody === true,
		alertOnRejections: options.alertOnRejections === true,
		alertIntervalMs: Math.round(
			Math.max(MIN_ALERT_INTERVAL_MINUTES, positiveNumber(options.alertIntervalMinutes, DEFAULT_ALERT_INTERVAL_MINUTES)) * 60_000,
		),
		limits: {
			retentionSeconds: Math.round(retentionHours * 3600),
			// Rounded down before the check: a cap of 0.5 would otherwise become 0 and remember nothing.
			maxEntries: positiveNumber(
				typeof options.dedupMaxEntries === 'number' ? Math.floor(options.dedupMaxEntries) : undefined,
				DEFAULT_MAX_ENTRIES,
			),
			// A signed request can only come back while its timestamp is within the tolerance.
			replayWindowSeconds: 2 * toleranceSeconds,
		},
	};
}
