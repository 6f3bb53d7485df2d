import { basename } from 'node:path';
import { parseArgs } from 'node:util';

import { DELIVERY_ID_HEADER } from '../../nodes/VoisnapTrigger/contract/constants';
import { KNOWN_EVENT_TYPES } from '../../nodes/VoisnapTrigger/contract/events';
import type { SignedDelivery } from '../../test/support/signedDelivery';
import { signedDelivery } from '../../test/support/signedDelivery';

/**
 * The pure parts of `npm run send-event`: argument parsing, where the URL and secret come
 * from, which requests each mode sends and what the trigger must answer to them. No network,
 * no file system, no clock (all passed in), so that every rule here is unit-tested.
 */

export const ENV_URL = 'VOISNAP_WEBHOOK_URL';
export const ENV_SECRET = 'VOISNAP_WEBHOOK_SECRET';
/** Written by `npm start`, relative to the repository root. */
export const START_FILE = '.tmp/start.json';
/** How old a `--stale` delivery is: twice the trigger's default tolerance of 300 s. */
export const STALE_AGE_SECONDS = 600;
/** The event sent when neither a <type> nor --fixture is given. */
export const DEFAULT_EVENT_TYPE = 'SessionEnded';
/** Names that pick the fixture of a type the trigger does not know (it goes to Other). */
export const UNKNOWN_ALIASES = ['unknown', 'other'];

export const USAGE = `Signs a Voisnap event as Voisnap would and POSTs it to the Voisnap Trigger.

Usage: npm run send-event -- [<type>] [options]
       npm run send-event -- --fixture <file.json> [options]

<type>  SessionStarted, SessionEnded, AnalysisCompleted, TransferInitiated, Error,
        or unknown (a type the trigger does not know: VoicemailDetected, routed to Other).
        Case-insensitive; session-ended and session_ended work too. Default: SessionEnded.

Options:
  --url <url>           webhook URL     (default: $${ENV_URL}, else "webhookUrl" in ${START_FILE})
  --secret <secret>     signing secret  (default: $${ENV_SECRET}, else "secret" in ${START_FILE})
                        To test secret rotation, pass the credential's previous secret here.
  --fixture <file>      send this file's bytes as the body, unchanged, instead of a <type>
  --delivery-id <id>    X-Webhook-Delivery-Id to send (default: a fresh dlv_<uuid>)
  --no-delivery-id      send no X-Webhook-Delivery-Id header
  -h, --help            print this help

Modes (at most one; the default sends one signed delivery and expects 200 {"received":true}):
  --duplicate   send the same delivery twice (same id, same bytes): expects the second
                answer to be 200 {"received":true,"duplicate":true}
  --replay      send the same signed request twice under two different delivery ids:
                expects the second answer to be a duplicate too (replay detection)
  --stale       sign with a timestamp ${STALE_AGE_SECONDS / 60} minutes old: expects 400
  --tamper      sign, then change one byte of the body: expects 401
  With --no-delivery-id and no mode, expects 400 (the trigger requires an id while
  its Deduplicate option is on, the default).

Run \`npm start\` first: it starts n8n with a Voisnap workflow and writes ${START_FILE}.
Exit status: 0 when every answer is the one expected, 1 when not (or no answer),
2 for a usage error or when no URL or secret is known.`;

export type Mode = 'single' | 'duplicate' | 'replay' | 'stale' | 'tamper';
const MODES: readonly Exclude<Mode, 'single'>[] = ['duplicate', 'replay', 'stale', 'tamper'];

export interface CliOptions {
	help: boolean;
	/** The positional <type>, as typed. */
	type?: string;
	fixture?: string;
	url?: string;
	secret?: string;
	deliveryId?: string;
	noDeliveryId: boolean;
	mode: Mode;
}

/** A mistake in how the script was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'UsageError';
	}
}

/** A flag given as `--secret ''` counts as not given, like an empty environment variable. */
function given(value: string | undefined): string | undefined {
	return value === undefined || value.trim() === '' ? undefined : value;
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
	let parsed;
	try {
		parsed = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: {
				help: { type: 'boolean', short: 'h' },
				url: { type: 'string' },
				secret: { type: 'string' },
				fixture: { type: 'string' },
				'delivery-id': { type: 'string' },
				'no-delivery-id': { type: 'boolean' },
				duplicate: { type: 'boolean' },
				replay: { type: 'boolean' },
				stale: { type: 'boolean' },
				tamper: { type: 'boolean' },
			},
		});
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const { values, positionals } = parsed;
	const options: CliOptions = {
		help: values.help === true,
		type: positionals[0],
		fixture: given(values.fixture),
		url: given(values.url),
		secret: given(values.secret),
		deliveryId: given(values['delivery-id']),
		noDeliveryId: values['no-delivery-id'] === true,
		mode: 'single',
	};
	if (options.help) return options;

	if (positionals.length > 1) {
		throw new UsageError(`One event type at a time; got ${positionals.map((p) => `"${p}"`).join(', ')}`);
	}
	if (options.type !== undefined && options.fixture !== undefined) {
		throw new UsageError('Give either an event type or --fixture, not both');
	}
	// `npm run send-event -- --tamper` (a mode alone) is the natural first try: it sends the
	// most common event rather than stopping to ask which.
	if (options.type === undefined && options.fixture === undefined) options.type = DEFAULT_EVENT_TYPE;
	const modes = MODES.filter((mode) => values[mode] === true);
	if (modes.length > 1) {
		throw new UsageError(`Choose one mode; got ${modes.map((mode) => `--${mode}`).join(' and ')}`);
	}
	options.mode = modes[0] ?? 'single';
	if (options.noDeliveryId && options.deliveryId !== undefined) {
		throw new UsageError('--delivery-id and --no-delivery-id contradict each other');
	}
	if (options.noDeliveryId && (options.mode === 'duplicate' || options.mode === 'replay')) {
		throw new UsageError(`--${options.mode} is about delivery ids: it cannot go with --no-delivery-id`);
	}
	return options;
}

// ---------------------------------------------------------------------------------------------
// Which event

function normalise(name: string): string {
	return name.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The fixture name for a <type> as typed: case-insensitive, `-`/`_` ignored; `unknown` and
 * `other` pick the one fixture whose type the trigger does not know.
 */
export function resolveFixtureName(input: string, fixtureNames: readonly string[]): string {
	const wanted = normalise(input);
	const exact = fixtureNames.find((name) => normalise(name) === wanted);
	if (exact) return exact;
	if (UNKNOWN_ALIASES.includes(wanted)) {
		const unknown = fixtureNames.filter((name) => !(KNOWN_EVENT_TYPES as readonly string[]).includes(name));
		if (unknown.length > 0) return unknown[0];
	}
	throw new UsageError(
		`Unknown event type "${input}". Choose one of: ${[...fixtureNames, ...UNKNOWN_ALIASES].join(', ')}, or --fixture <file>`,
	);
}

/** What to call a body in the output: its `type` when it is an event, else the file's name. */
export function eventLabel(body: Buffer, fallback: string): string {
	try {
		const parsed: unknown = JSON.parse(body.toString('utf8'));
		const type = (parsed as { type?: unknown } | null)?.type;
		if (typeof type === 'string' && type !== '') return type;
	} catch {
		// Not JSON: a body sent on purpose to see it refused.
	}
	return basename(fallback);
}

// ---------------------------------------------------------------------------------------------
// Where to send it, with which secret

export type Source = 'flag' | 'env' | 'file';

export interface StartInfo {
	webhookUrl?: string;
	secret?: string;
	editorUrl?: string;
}

export interface Target {
	url: string;
	secret: string;
	sources: { url: Source; secret: Source };
}

export type TargetResult = { ok: true; target: Target } | { ok: false; missing: Array<'url' | 'secret'> };

/** `.tmp/start.json` as written by `npm start`; wrong shapes are a clear error, not a crash later. */
export function parseStartFile(text: string, path = START_FILE): StartInfo {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new UsageError(`${path} is not JSON; run \`npm start\` again to rewrite it`);
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new UsageError(`${path} is not a JSON object; run \`npm start\` again to rewrite it`);
	}
	const info: StartInfo = {};
	for (const key of ['webhookUrl', 'secret', 'editorUrl'] as const) {
		const value = (parsed as Record<string, unknown>)[key];
		if (typeof value === 'string' && value.trim() !== '') info[key] = value;
	}
	return info;
}

function pick(
	flag: string | undefined,
	env: string | undefined,
	file: string | undefined,
): { value: string; source: Source } | undefined {
	if (given(flag) !== undefined) return { value: flag as string, source: 'flag' };
	if (given(env) !== undefined) return { value: env as string, source: 'env' };
	if (given(file) !== undefined) return { value: file as string, source: 'file' };
	return undefined;
}

/** URL and secret, each on its own: a flag wins over the environment, which wins over the file. */
export function resolveTarget(
	flags: { url?: string; secret?: string },
	env: Readonly<Record<string, string | undefined>>,
	startFile: StartInfo | undefined,
): TargetResult {
	const url = pick(flags.url, env[ENV_URL], startFile?.webhookUrl);
	const secret = pick(flags.secret, env[ENV_SECRET], startFile?.secret);
	if (!url || !secret) {
		const missing: Array<'url' | 'secret'> = [];
		if (!url) missing.push('url');
		if (!secret) missing.push('secret');
		return { ok: false, missing };
	}
	try {
		const parsed = new URL(url.value);
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
	} catch {
		throw new UsageError(`Not an http(s) URL: "${url.value}" (from ${describeSource(url.source, 'url')})`);
	}
	return { ok: true, target: { url: url.value, secret: secret.value, sources: { url: url.source, secret: secret.source } } };
}

export function describeSource(source: Source, what: 'url' | 'secret'): string {
	if (source === 'flag') return `--${what}`;
	if (source === 'env') return `$${what === 'url' ? ENV_URL : ENV_SECRET}`;
	return START_FILE;
}

export function missingTargetMessage(missing: ReadonlyArray<'url' | 'secret'>): string {
	const what = missing.map((item) => (item === 'url' ? 'webhook URL' : 'signing secret')).join(' or ');
	return [
		`No ${what} known.`,
		`Run \`npm start\` first (it starts n8n with a Voisnap workflow and writes ${START_FILE}),`,
		`or pass --url and --secret, or set ${ENV_URL} and ${ENV_SECRET}.`,
	].join('\n');
}

// ---------------------------------------------------------------------------------------------
// What to send

export interface PlannedRequest {
	delivery: SignedDelivery;
	/** Printed after the delivery id, e.g. "timestamp 600 s old". */
	note?: string;
}

/** Changes one byte of a body, preferably a digit (the body stays valid JSON, a forged amount). */
export function tamperOneByte(body: Buffer): { body: Buffer; index: number; from: string; to: string } {
	if (body.length === 0) throw new UsageError('--tamper needs a non-empty body');
	const tampered = Buffer.from(body);
	let index = -1;
	for (let i = tampered.length - 1; i >= 0; i--) {
		if (tampered[i] >= 0x30 && tampered[i] <= 0x39) {
			index = i;
			break;
		}
	}
	if (index >= 0) {
		tampered[index] = 0x30 + ((tampered[index] - 0x30 + 1) % 10);
	} else {
		index = Math.floor(tampered.length / 2);
		tampered[index] ^= 0x01;
	}
	const show = (byte: number) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `0x${byte.toString(16)}`);
	return { body: tampered, index, from: show(body[index]), to: show(tampered[index]) };
}

export interface PlanInput {
	mode: Mode;
	body: Buffer;
	secret: string;
	/** Seconds since the epoch. */
	now: number;
	/** The delivery id to send; `null` sends none. */
	deliveryId: string | null;
	/** A fresh delivery id (for the second request of --replay). */
	newDeliveryId: () => string;
}

/** The requests a mode sends, in order, signed with the shared test helper. */
export function planRequests(input: PlanInput): PlannedRequest[] {
	const { mode, body, secret, now, deliveryId } = input;
	switch (mode) {
		case 'single':
			return [{ delivery: signedDelivery({ secret, body, timestamp: now, deliveryId }) }];
		case 'duplicate': {
			const delivery = signedDelivery({ secret, body, timestamp: now, deliveryId });
			return [{ delivery }, { delivery, note: 'same delivery again' }];
		}
		case 'replay': {
			const delivery = signedDelivery({ secret, body, timestamp: now, deliveryId });
			const replayed: SignedDelivery = {
				headers: { ...delivery.headers, [DELIVERY_ID_HEADER]: input.newDeliveryId() },
				body: delivery.body,
			};
			return [{ delivery }, { delivery: replayed, note: 'same signed request, new delivery id' }];
		}
		case 'stale':
			return [
				{
					delivery: signedDelivery({ secret, body, timestamp: now - STALE_AGE_SECONDS, deliveryId }),
					note: `timestamp ${STALE_AGE_SECONDS} s old`,
				},
			];
		case 'tamper': {
			const signed = signedDelivery({ secret, body, timestamp: now, deliveryId });
			const tampered = tamperOneByte(signed.body);
			return [
				{
					delivery: { headers: signed.headers, body: tampered.body },
					note: `byte ${tampered.index} changed '${tampered.from}'→'${tampered.to}' after signing`,
				},
			];
		}
	}
}

// ---------------------------------------------------------------------------------------------
// What the trigger must answer

export interface Answer {
	status: number;
	/** Parsed JSON, or the text when the answer is not JSON. */
	body: unknown;
}

export type Outcome = 'accepted' | 'duplicate' | 'ignored' | 'refused' | 'unexpected';

/** What an answer means, by the contract's table of answers. */
export function classifyAnswer(answer: Answer): Outcome {
	const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as Record<string, unknown>;
	if (answer.status === 200 && body.received === true) {
		if (body.duplicate === true) return 'duplicate';
		if (body.ignored === true) return 'ignored';
		return 'accepted';
	}
	if (answer.status >= 400 && typeof body.error === 'string') return 'refused';
	return 'unexpected';
}

export type Expectation =
	| { kind: 'accepted' }
	| { kind: 'duplicate' }
	| { kind: 'refused'; status: 400 | 401; because: string };

const ACCEPTED: Expectation = { kind: 'accepted' };
const DUPLICATE: Expectation = { kind: 'duplicate' };

export function expectationsFor(mode: Mode, noDeliveryId = false): Expectation[] {
	switch (mode) {
		case 'single':
			return noDeliveryId
				? [{ kind: 'refused', status: 400, because: 'no delivery id while Deduplicate is on' }]
				: [ACCEPTED];
		case 'duplicate':
		case 'replay':
			return [ACCEPTED, DUPLICATE];
		case 'stale':
			return [{ kind: 'refused', status: 400, because: 'the timestamp is outside the tolerance' }];
		case 'tamper':
			return [{ kind: 'refused', status: 401, because: 'the body no longer matches the signature' }];
	}
}

export function describeExpectation(expectation: Expectation): string {
	if (expectation.kind === 'accepted') return '200 {"received":true}';
	if (expectation.kind === 'duplicate') return '200 {"received":true,"duplicate":true}';
	return `${expectation.status} (${expectation.because})`;
}

export function meetsExpectation(answer: Answer, expectation: Expectation): boolean {
	const outcome = classifyAnswer(answer);
	if (expectation.kind === 'refused') return answer.status === expectation.status;
	return outcome === expectation.kind;
}

export interface CheckContext {
	mode: Mode;
	url: string;
	type: string;
	deliveryId: string | null;
}

/** Why the answer might be what it is, for the message when it was not the one expected. */
function hint(answer: Answer, expectation: Expectation, context: CheckContext): string | undefined {
	const outcome = classifyAnswer(answer);
	const testUrl = /\/webhook-test\//.test(context.url);
	const error = (answer.body as { error?: unknown } | null)?.error;
	if (answer.status === 404) {
		return testUrl
			? 'No test webhook is listening: click "Listen for test event" (or "Execute workflow") in the editor first; a test URL takes one request each time.'
			: 'No webhook at this URL: is the workflow active, and is this its Production URL?';
	}
	if (answer.status === 401 && expectation.kind !== 'refused') {
		return "The signature was refused: this secret is not the trigger credential's Signing Secret (or Previous Signing Secret).";
	}
	if (answer.status === 500) {
		return `The trigger is misconfigured${typeof error === 'string' ? `: ${error}` : ''}.`;
	}
	if (outcome === 'ignored') {
		return `The trigger ignored the event: its Events option does not select ${context.type}.`;
	}
	if (outcome === 'duplicate' && expectation.kind === 'accepted') {
		return [
			`The trigger has seen it before: either delivery id ${context.deliveryId ?? '(none)'} was accepted already`,
			'  (leave out --delivery-id to get a fresh one), or the same event was signed and sent in the same second',
			'  (same timestamp and body: a replay). Wait a second and send again.',
		].join('\n');
	}
	if (outcome === 'accepted' && expectation.kind === 'duplicate') {
		return 'The trigger accepted it again: its Deduplicate option is off, or this is a test URL (test deliveries are never remembered).';
	}
	if (outcome === 'accepted' && expectation.kind === 'refused') {
		return context.mode === 'single'
			? "The trigger accepted a delivery without an id: its Deduplicate option is off (then this is right)."
			: `The trigger accepted a delivery it should have refused because ${expectation.because}.`;
	}
	if (answer.status === 400 && expectation.kind !== 'refused' && typeof error === 'string') {
		return `The trigger refused it: ${error}. Is the clock of the n8n host right?`;
	}
	return undefined;
}

export interface CheckResult {
	ok: boolean;
	/** One line when ok, else one or more lines saying what was wrong and why it might be. */
	message: string;
}

export function checkAnswers(answers: readonly Answer[], context: CheckContext, noDeliveryId = false): CheckResult {
	const expected = expectationsFor(context.mode, noDeliveryId);
	if (answers.length !== expected.length) {
		return { ok: false, message: `Expected ${expected.length} answer(s), got ${answers.length}` };
	}
	const problems: string[] = [];
	answers.forEach((answer, index) => {
		const expectation = expected[index];
		if (meetsExpectation(answer, expectation)) return;
		const which = expected.length > 1 ? `Answer ${index + 1}` : 'The answer';
		problems.push(`${which} was ${answer.status}, expected ${describeExpectation(expectation)}.`);
		const why = hint(answer, expectation, context);
		if (why) problems.push(`  ${why}`);
	});
	if (problems.length > 0) return { ok: false, message: problems.join('\n') };
	return { ok: true, message: SUCCESS[context.mode](noDeliveryId) };
}

const SUCCESS: Record<Mode, (noDeliveryId: boolean) => string> = {
	single: (noDeliveryId) =>
		noDeliveryId ? 'Refused as expected: no delivery id while Deduplicate is on.' : 'Accepted.',
	duplicate: () => 'Accepted once; the retry was answered as a duplicate.',
	replay: () => 'Accepted once; the replay under a new delivery id was answered as a duplicate.',
	stale: () => 'Refused as expected: stale timestamp.',
	tamper: () => 'Refused as expected: tampered body.',
};

// ---------------------------------------------------------------------------------------------
// Printing

const MAX_BODY_CHARS = 300;

export function formatRequestLine(url: string, label: string, delivery: SignedDelivery, note?: string): string {
	const deliveryId = delivery.headers[DELIVERY_ID_HEADER] ?? '(no delivery id)';
	return `→ POST ${url}  ${label}  ${deliveryId}${note ? `  (${note})` : ''}`;
}

export function formatAnswerLine(status: number, text: string, elapsedMs?: number): string {
	let shown = text.trim();
	try {
		shown = JSON.stringify(JSON.parse(shown));
	} catch {
		// Keep the text as it came.
	}
	if (shown.length > MAX_BODY_CHARS) shown = `${shown.slice(0, MAX_BODY_CHARS)}…`;
	if (shown === '') shown = '(empty body)';
	return `← ${status} ${shown}${elapsedMs === undefined ? '' : `  (${elapsedMs} ms)`}`;
}
