import type { INodeProperties } from 'n8n-workflow';

import {
	DEFAULT_MAX_ENTRIES,
	DEFAULT_RETENTION_HOURS,
	DEFAULT_TOLERANCE_SECONDS,
	SIGNATURE_HEADER,
} from '../contract/constants';
import { KNOWN_EVENT_TYPES } from '../contract/events';
import { DEFAULT_ALERT_INTERVAL_MINUTES, MIN_ALERT_INTERVAL_MINUTES } from '../contract/rejectionAlerts';
import { ALL_EVENTS } from '../contract/eventsFilter';

export const setupNotice: INodeProperties = {
	displayName:
		"To test: click Execute step (Listen for test event), then send a delivery to the Test URL above: point a webhook in the Voisnap Console at it while you test, or run npm run send-event -- --url &lt;Test URL&gt; from a clone of n8n-nodes-voisnap. Test deliveries are never remembered, so one can be sent again. For production: point the Voisnap webhook at the Production URL and put its signing secret into the credential.",
	name: 'setupNotice',
	type: 'notice',
	default: '',
};

export const eventsProperty: INodeProperties = {
	displayName: 'Events',
	name: 'events',
	type: 'multiOptions',
	required: true,
	default: [ALL_EVENTS],
	description:
		'The event types that start the workflow. Others are answered 200 with "ignored" so that Voisnap does not retry them.',
	options: [
		{
			name: 'All Events',
			value: ALL_EVENTS,
			description: 'Every event, including types Voisnap adds later (they go to Other)',
		},
		...KNOWN_EVENT_TYPES.map((type) => ({ name: type, value: type })),
	],
};

export const routingProperty: INodeProperties = {
	displayName: 'Routing',
	name: 'routing',
	type: 'options',
	// Outputs are computed from this value, which must be known without running an expression.
	noDataExpression: true,
	default: 'byEventType',
	options: [
		{
			name: 'One Output per Event Type',
			value: 'byEventType',
			description:
				'Six outputs: SessionStarted, SessionEnded, AnalysisCompleted, TransferInitiated, Error, and Other for types this node does not know yet',
		},
		{
			name: 'Single Output',
			value: 'single',
			description: 'Every event on one output; branch on the "type" field yourself',
		},
	],
};

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Alert Interval (Minutes)',
			name: 'alertIntervalMinutes',
			type: 'number',
			typeOptions: { minValue: MIN_ALERT_INTERVAL_MINUTES, numberPrecision: 1 },
			default: DEFAULT_ALERT_INTERVAL_MINUTES,
			description:
				'With Alert on Rejections: after an alert, at most one more for the same reason this often. It carries how many deliveries were refused since the previous one.',
		},
		{
			displayName: 'Alert on Rejections',
			name: 'alertOnRejections',
			type: 'boolean',
			default: false,
			description:
				'Whether refused production deliveries that point at a misconfiguration (wrong signing secret, clock drift, a payload that breaks the contract, no secret) start the workflow on an extra output, Rejected, to route to Slack or email. The sender\'s answer is unchanged. Junk (no timestamp, no well-formed signature) never alerts.',
		},
		{
			displayName: 'Dedup Max Entries',
			name: 'dedupMaxEntries',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_MAX_ENTRIES,
			description:
				'At most this many delivery IDs are remembered; the oldest are forgotten first. Each costs 19 bytes of workflow static data, which n8n reads and writes on every delivery.',
		},
		{
			displayName: 'Dedup Retention (Hours)',
			name: 'dedupRetentionHours',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_RETENTION_HOURS,
			description: 'How long a delivery ID is remembered',
		},
		{
			displayName: 'Deduplicate',
			name: 'deduplicate',
			type: 'boolean',
			default: true,
			description:
				'Whether to start the workflow once per delivery: a retry or replay of a delivery already accepted is answered 200 "duplicate". Deliveries must then carry X-Webhook-Delivery-ID.',
		},
		{
			displayName: 'Include Headers',
			name: 'includeHeaders',
			type: 'boolean',
			default: false,
			description: `Whether to add the request headers to the item (never ${SIGNATURE_HEADER})`,
		},
		{
			displayName: 'Include Raw Body',
			name: 'includeRawBody',
			type: 'boolean',
			default: false,
			description: 'Whether to add the body exactly as received, as a string, to the item',
		},
		{
			displayName: 'Timestamp Tolerance (Seconds)',
			name: 'toleranceSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_TOLERANCE_SECONDS,
			description:
				'Deliveries signed further than this from the n8n server clock, in the past or the future, are rejected',
		},
	],
};

export const properties: INodeProperties[] = [
	setupNotice,
	eventsProperty,
	routingProperty,
	optionsProperty,
];
