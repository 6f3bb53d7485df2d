import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../nodes/VoisnapTrigger/contract/constants';
import { checkDelivery } from '../../nodes/VoisnapTrigger/contract/delivery';
import { DeliveryStore } from '../../nodes/VoisnapTrigger/contract/deliveryStore';
import { verifySignature } from '../../nodes/VoisnapTrigger/contract/signature';
import type { Answer, CheckContext, Mode } from '../../scripts/lib/sendEvent';
import {
	ENV_SECRET,
	ENV_URL,
	START_FILE,
	STALE_AGE_SECONDS,
	UsageError,
	checkAnswers,
	classifyAnswer,
	expectationsFor,
	formatAnswerLine,
	formatRequestLine,
	parseCliArgs,
	parseStartFile,
	planRequests,
	resolveFixtureName,
	resolveTarget,
	tamperOneByte,
} from '../../scripts/lib/sendEvent';
import { main } from '../../scripts/send-event';
import { eventFixture, eventFixtureNames } from '../support/signedDelivery';

const REPO_ROOT = resolve(__dirname, '..', '..');
const SECRET = 'whsec_unit_send_event_0123456789';
const NOW = 1_764_000_000;

describe('parseCliArgs', () => {
	it('reads the event type and every option', () => {
		expect(
			parseCliArgs([
				'SessionEnded',
				'--url',
				'http://127.0.0.1:5678/webhook/abc/webhook',
				'--secret',
				'whsec_x',
				'--delivery-id',
				'dlv_1',
			]),
		).toEqual({
			help: false,
			type: 'SessionEnded',
			fixture: undefined,
			url: 'http://127.0.0.1:5678/webhook/abc/webhook',
			secret: 'whsec_x',
			deliveryId: 'dlv_1',
			noDeliveryId: false,
			mode: 'single',
		});
	});

	it('accepts --flag=value and options before the type', () => {
		const options = parseCliArgs(['--secret=whsec_y', '--tamper', 'error']);
		expect(options).toMatchObject({ type: 'error', secret: 'whsec_y', mode: 'tamper' });
	});

	it.each<[string, Mode]>([
		['--duplicate', 'duplicate'],
		['--replay', 'replay'],
		['--stale', 'stale'],
		['--tamper', 'tamper'],
	])('%s selects its mode', (flag, mode) => {
		expect(parseCliArgs(['SessionStarted', flag]).mode).toBe(mode);
	});

	it.each([[[]], [['--tamper']], [['--stale']], [['--duplicate']]])(
		'sends a SessionEnded when no type is given: %j',
		(argv) => {
			expect(parseCliArgs(argv).type).toBe('SessionEnded');
		},
	);

	it('takes --fixture instead of a type', () => {
		expect(parseCliArgs(['--fixture', 'some/file.json'])).toMatchObject({ fixture: 'some/file.json', type: undefined });
	});

	it('--no-delivery-id is a plain boolean', () => {
		expect(parseCliArgs(['SessionStarted', '--no-delivery-id']).noDeliveryId).toBe(true);
	});

	it('treats an empty --url or --secret as not given (so the environment or the file applies)', () => {
		expect(parseCliArgs(['Error', '--url', '', '--secret', ' '])).toMatchObject({ url: undefined, secret: undefined });
	});

	it('answers --help and -h without needing an event', () => {
		expect(parseCliArgs(['--help']).help).toBe(true);
		expect(parseCliArgs(['-h']).help).toBe(true);
	});

	it.each([
		[['SessionEnded', '--fixture', 'x.json'], /either an event type or --fixture/],
		[['SessionEnded', 'Error'], /One event type at a time/],
		[['SessionEnded', '--stale', '--tamper'], /Choose one mode; got --stale and --tamper/],
		[['SessionEnded', '--delivery-id', 'a', '--no-delivery-id'], /contradict/],
		[['SessionEnded', '--duplicate', '--no-delivery-id'], /--duplicate is about delivery ids/],
		[['SessionEnded', '--replay', '--no-delivery-id'], /--replay is about delivery ids/],
		[['SessionEnded', '--bogus'], /Unknown option '--bogus'/],
		[['SessionEnded', '--url'], /argument missing/],
	])('refuses %j with a usage error', (argv, message) => {
		expect(() => parseCliArgs(argv)).toThrow(UsageError);
		expect(() => parseCliArgs(argv)).toThrow(message);
	});
});

describe('resolveFixtureName', () => {
	const names = eventFixtureNames();

	it.each([
		['SessionStarted', 'SessionStarted'],
		['sessionended', 'SessionEnded'],
		['ANALYSISCOMPLETED', 'AnalysisCompleted'],
		['transfer-initiated', 'TransferInitiated'],
		['error', 'Error'],
		['session_ended', 'SessionEnded'],
		['unknown', 'VoicemailDetected'],
		['Other', 'VoicemailDetected'],
		['VoicemailDetected', 'VoicemailDetected'],
	])('%s → %s', (input, expected) => {
		expect(resolveFixtureName(input, names)).toBe(expected);
	});

	it('lists the choices when the name matches nothing', () => {
		expect(() => resolveFixtureName('CallRinging', names)).toThrow(
			/Unknown event type "CallRinging".*SessionEnded.*unknown/,
		);
	});
});

describe('resolveTarget: where the URL and secret come from', () => {
	const file = { webhookUrl: 'http://file/webhook', secret: 'whsec_file', editorUrl: 'http://file/' };
	const env = { [ENV_URL]: 'http://env/webhook', [ENV_SECRET]: 'whsec_env' };
	const flags = { url: 'http://flag/webhook', secret: 'whsec_flag' };

	it('flags win over the environment and the file', () => {
		expect(resolveTarget(flags, env, file)).toEqual({
			ok: true,
			target: { url: flags.url, secret: flags.secret, sources: { url: 'flag', secret: 'flag' } },
		});
	});

	it('the environment wins over the file', () => {
		expect(resolveTarget({}, env, file)).toEqual({
			ok: true,
			target: { url: env[ENV_URL], secret: env[ENV_SECRET], sources: { url: 'env', secret: 'env' } },
		});
	});

	it(`falls back to ${START_FILE}`, () => {
		expect(resolveTarget({}, {}, file)).toEqual({
			ok: true,
			target: { url: file.webhookUrl, secret: file.secret, sources: { url: 'file', secret: 'file' } },
		});
	});

	it('resolves the URL and the secret each on its own', () => {
		const result = resolveTarget({ secret: 'whsec_flag' }, { [ENV_URL]: 'http://env/webhook' }, file);
		expect(result).toEqual({
			ok: true,
			target: { url: 'http://env/webhook', secret: 'whsec_flag', sources: { url: 'env', secret: 'flag' } },
		});
		expect(resolveTarget({ url: 'http://flag/x' }, {}, file)).toMatchObject({
			ok: true,
			target: { url: 'http://flag/x', secret: 'whsec_file' },
		});
	});

	it('ignores empty environment variables', () => {
		expect(resolveTarget({}, { [ENV_URL]: '', [ENV_SECRET]: '  ' }, file)).toMatchObject({
			ok: true,
			target: { sources: { url: 'file', secret: 'file' } },
		});
	});

	it('says what is missing', () => {
		expect(resolveTarget({}, {}, undefined)).toEqual({ ok: false, missing: ['url', 'secret'] });
		expect(resolveTarget({}, { [ENV_URL]: 'http://env/x' }, undefined)).toEqual({ ok: false, missing: ['secret'] });
		expect(resolveTarget({}, {}, { secret: 's' })).toEqual({ ok: false, missing: ['url'] });
	});

	it('refuses a URL that is not http(s), naming where it came from', () => {
		expect(() => resolveTarget({}, { [ENV_URL]: 'localhost:5678/webhook' }, { secret: 's' })).toThrow(
			/Not an http\(s\) URL.*VOISNAP_WEBHOOK_URL/,
		);
	});

	it(`parses ${START_FILE}, keeping only non-empty strings`, () => {
		expect(
			parseStartFile('{"webhookUrl":"http://a/w","secret":"whsec_s","editorUrl":"http://a/","pid":12,"x":""}'),
		).toEqual({ webhookUrl: 'http://a/w', secret: 'whsec_s', editorUrl: 'http://a/' });
		expect(parseStartFile('{"secret":""}')).toEqual({});
		expect(() => parseStartFile('{oops')).toThrow(/is not JSON; run `npm start` again/);
		expect(() => parseStartFile('[]')).toThrow(/not a JSON object/);
	});
});

describe('planRequests: what each mode sends', () => {
	const body = eventFixture('SessionEnded');
	const plan = (mode: Mode, deliveryId: string | null = 'dlv_plan') =>
		planRequests({ mode, body, secret: SECRET, now: NOW, deliveryId, newDeliveryId: () => 'dlv_second' });
	const verifies = (headers: Record<string, string>, sent: Buffer) =>
		verifySignature([SECRET], headers[TIMESTAMP_HEADER], sent, headers[SIGNATURE_HEADER]).valid;

	it('default: one delivery, signed over the fixture bytes as they are on disk', () => {
		const [request, ...rest] = plan('single');
		expect(rest).toHaveLength(0);
		expect(request.delivery.body.equals(body)).toBe(true);
		expect(request.delivery.headers).toMatchObject({
			'content-type': 'application/json',
			[TIMESTAMP_HEADER]: String(NOW),
			[DELIVERY_ID_HEADER]: 'dlv_plan',
		});
		expect(verifies(request.delivery.headers, request.delivery.body)).toBe(true);
	});

	it('--no-delivery-id: no delivery id header at all', () => {
		expect(plan('single', null)[0].delivery.headers).not.toHaveProperty(DELIVERY_ID_HEADER);
	});

	it('--duplicate: the very same delivery twice', () => {
		const [first, second] = plan('duplicate');
		expect(second.delivery).toEqual(first.delivery);
	});

	it('--replay: the same signed request under a second delivery id', () => {
		const [first, second] = plan('replay');
		expect(first.delivery.headers[DELIVERY_ID_HEADER]).toBe('dlv_plan');
		expect(second.delivery.headers[DELIVERY_ID_HEADER]).toBe('dlv_second');
		for (const header of [SIGNATURE_HEADER, TIMESTAMP_HEADER, 'content-type']) {
			expect(second.delivery.headers[header]).toBe(first.delivery.headers[header]);
		}
		expect(second.delivery.body.equals(first.delivery.body)).toBe(true);
		expect(verifies(second.delivery.headers, second.delivery.body)).toBe(true);
	});

	it(`--stale: signed correctly, ${STALE_AGE_SECONDS} s in the past`, () => {
		const [request] = plan('stale');
		expect(request.delivery.headers[TIMESTAMP_HEADER]).toBe(String(NOW - STALE_AGE_SECONDS));
		expect(verifies(request.delivery.headers, request.delivery.body)).toBe(true);
		expect(request.note).toMatch(/600 s old/);
	});

	it('--tamper: signed, then one byte of the body changed', () => {
		const [request] = plan('tamper');
		const sent = request.delivery.body;
		expect(sent).toHaveLength(body.length);
		expect([...sent].filter((byte, i) => byte !== body[i])).toHaveLength(1);
		expect(verifies(request.delivery.headers, sent)).toBe(false);
		expect(verifies(request.delivery.headers, body)).toBe(true);
	});

	it.each(eventFixtureNames())('--tamper keeps %s valid JSON (a forged value, not a broken body)', (name) => {
		const fixture = eventFixture(name);
		const tampered = tamperOneByte(fixture);
		expect(tampered.body.equals(fixture)).toBe(false);
		expect(() => JSON.parse(tampered.body.toString('utf8'))).not.toThrow();
	});

	it('--tamper still changes a body without digits', () => {
		const tampered = tamperOneByte(Buffer.from('{"type":"x"}'));
		expect(tampered.body.toString()).not.toBe('{"type":"x"}');
		expect(tampered.body).toHaveLength(12);
	});
});

describe('checkAnswers: what each mode expects', () => {
	const accepted: Answer = { status: 200, body: { received: true } };
	const duplicate: Answer = { status: 200, body: { received: true, duplicate: true } };
	const ignored: Answer = { status: 200, body: { received: true, ignored: true } };
	const stale: Answer = { status: 400, body: { error: 'Timestamp outside the tolerance (too old)' } };
	const noId: Answer = { status: 400, body: { error: 'Missing x-webhook-delivery-id header' } };
	const forged: Answer = { status: 401, body: { error: 'Invalid signature' } };
	const notFound: Answer = { status: 404, body: { code: 404, message: 'The requested webhook is not registered.' } };
	const misconfigured: Answer = { status: 500, body: { error: 'Voisnap Trigger is misconfigured: no secret' } };
	const context = (mode: Mode, url = 'http://127.0.0.1:5678/webhook/abc/webhook'): CheckContext => ({
		mode,
		url,
		type: 'SessionEnded',
		deliveryId: 'dlv_1',
	});

	it('classifies answers by the contract table', () => {
		expect([accepted, duplicate, ignored, stale, forged, notFound].map(classifyAnswer)).toEqual([
			'accepted',
			'duplicate',
			'ignored',
			'refused',
			'refused',
			'unexpected',
		]);
	});

	it('lists one expectation per request', () => {
		expect(expectationsFor('single').map((e) => e.kind)).toEqual(['accepted']);
		expect(expectationsFor('duplicate').map((e) => e.kind)).toEqual(['accepted', 'duplicate']);
		expect(expectationsFor('replay').map((e) => e.kind)).toEqual(['accepted', 'duplicate']);
		expect(expectationsFor('stale')).toEqual([expect.objectContaining({ kind: 'refused', status: 400 })]);
		expect(expectationsFor('tamper')).toEqual([expect.objectContaining({ kind: 'refused', status: 401 })]);
		expect(expectationsFor('single', true)).toEqual([expect.objectContaining({ kind: 'refused', status: 400 })]);
	});

	it.each<[Mode, Answer[], boolean]>([
		['single', [accepted], true],
		['single', [duplicate], false],
		['single', [ignored], false],
		['single', [forged], false],
		['single', [stale], false],
		['duplicate', [accepted, duplicate], true],
		['duplicate', [accepted, accepted], false],
		['duplicate', [duplicate, duplicate], false],
		['duplicate', [accepted], false],
		['replay', [accepted, duplicate], true],
		['replay', [accepted, accepted], false],
		['stale', [stale], true],
		['stale', [accepted], false],
		['stale', [forged], false],
		['tamper', [forged], true],
		['tamper', [accepted], false],
		['tamper', [stale], false],
	])('%s with %j → ok=%s', (mode, answers, ok) => {
		expect(checkAnswers(answers, context(mode)).ok).toBe(ok);
	});

	it('--no-delivery-id expects the 400 of a trigger that deduplicates', () => {
		expect(checkAnswers([noId], context('single'), true)).toEqual({
			ok: true,
			message: expect.stringMatching(/no delivery id/),
		});
		expect(checkAnswers([accepted], context('single'), true)).toEqual({
			ok: false,
			message: expect.stringMatching(/expected 400[\s\S]*Deduplicate option is off/),
		});
	});

	it('explains the likely cause of a wrong answer', () => {
		const message = (mode: Mode, answers: Answer[], url?: string) => checkAnswers(answers, context(mode, url)).message;
		expect(message('single', [forged])).toMatch(/The answer was 401, expected 200[\s\S]*not the trigger credential's Signing Secret/);
		expect(message('single', [ignored])).toMatch(/Events option does not select SessionEnded/);
		expect(message('single', [duplicate])).toMatch(/delivery id dlv_1 was accepted already[\s\S]*same second/);
		expect(message('single', [notFound])).toMatch(/is the workflow active/);
		expect(message('single', [notFound], 'http://h/webhook-test/abc/webhook')).toMatch(/Listen for test event/);
		expect(message('single', [misconfigured])).toMatch(/misconfigured: Voisnap Trigger is misconfigured/);
		expect(message('single', [stale])).toMatch(/refused it: Timestamp outside the tolerance/);
		expect(message('duplicate', [accepted, accepted])).toMatch(
			/Answer 2 was 200, expected 200 \{"received":true,"duplicate":true\}[\s\S]*Deduplicate option is off/,
		);
	});

	it('formats requests and answers on one line each', () => {
		const [request] = planRequests({
			mode: 'stale',
			body: eventFixture('SessionEnded'),
			secret: SECRET,
			now: NOW,
			deliveryId: 'dlv_abc',
			newDeliveryId: () => 'unused',
		});
		expect(formatRequestLine('http://h/webhook/x/webhook', 'SessionEnded', request.delivery, request.note)).toBe(
			'→ POST http://h/webhook/x/webhook  SessionEnded  dlv_abc  (timestamp 600 s old)',
		);
		expect(formatAnswerLine(200, '{ "received": true }\n', 7)).toBe('← 200 {"received":true}  (7 ms)');
		expect(formatAnswerLine(502, '<html>Bad gateway</html>')).toBe('← 502 <html>Bad gateway</html>');
		expect(formatAnswerLine(204, '')).toBe('← 204 (empty body)');
		expect(formatAnswerLine(500, 'x'.repeat(400))).toHaveLength('← 500 '.length + 301);
	});
});

/**
 * A stand-in for the trigger: checks the signature with the package's verifySignature over the
 * raw bytes received, and answers with the package's own checkDelivery (timestamp, signature,
 * body, delivery id, duplicate, in that order) and an in-memory dedup store.
 */
interface Received {
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
	signatureValid: boolean;
}

async function startFakeTrigger(secret: string) {
	const received: Received[] = [];
	let store = new DeliveryStore('unit');
	const limits = { retentionSeconds: 86_400, maxEntries: 1_000, replayWindowSeconds: 600 };
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const answer = (status: number, body: unknown) => {
				response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
				response.end(JSON.stringify(body));
			};
			if (request.method !== 'POST' || request.url !== '/webhook/voisnap-unit/webhook') {
				answer(404, { code: 404, message: 'The requested webhook is not registered.' });
				return;
			}
			const body = Buffer.concat(chunks);
			const timestamp = request.headers[TIMESTAMP_HEADER];
			const signature = request.headers[SIGNATURE_HEADER];
			received.push({
				headers: request.headers,
				body,
				signatureValid: verifySignature(
					[secret],
					typeof timestamp === 'string' ? timestamp : '',
					body,
					typeof signature === 'string' ? signature : undefined,
				).valid,
			});
			const now = Math.floor(Date.now() / 1000);
			const verdict = checkDelivery(
				{ headers: request.headers, body },
				{
					secrets: [secret],
					toleranceSeconds: 300,
					requireDeliveryId: true,
					acceptsType: () => true,
					guard: {
						findDuplicate: (id, digest) => {
							store.absorb(undefined, now, limits);
							return store.findDuplicate(id, digest);
						},
						atCapacity: () => false,
						claim: (id, digest) => void store.remember(id, digest, now, limits),
					},
				},
				now,
			);
			answer(verdict.status, verdict.body);
		});
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/voisnap-unit/webhook`,
		received,
		server,
		/** Forgets every delivery, as if the trigger were new. */
		reset: () => {
			received.length = 0;
			store = new DeliveryStore('unit');
		},
	};
}

describe('send-event against a local stand-in for the trigger', () => {
	let trigger: Awaited<ReturnType<typeof startFakeTrigger>>;
	let emptyRoot: string;

	beforeAll(async () => {
		trigger = await startFakeTrigger(SECRET);
		emptyRoot = mkdtempSync(join(tmpdir(), 'send-event-'));
	});
	afterAll(async () => {
		await new Promise((done) => trigger.server.close(done));
		rmSync(emptyRoot, { recursive: true, force: true });
	});
	// Each test starts with a trigger that remembers nothing: the same fixture signed in the
	// same second is otherwise, rightly, a replay of an earlier test's delivery.
	beforeEach(() => trigger.reset());

	async function run(argv: string[], env: Record<string, string> = {}, rootDir = emptyRoot) {
		const out: string[] = [];
		const err: string[] = [];
		const status = await main(argv, {
			env,
			rootDir,
			cwd: REPO_ROOT,
			out: (line) => out.push(line),
			err: (line) => err.push(line),
		});
		return { status, out: out.join('\n'), err: err.join('\n') };
	}

	const withTarget = (...argv: string[]) => [...argv, '--url', trigger.url, '--secret', SECRET];

	it('default: one signed delivery, verified over the exact fixture bytes, answered 200', async () => {
		const result = await run(withTarget('SessionEnded'));
		expect(result).toMatchObject({ status: 0, err: '' });
		expect(trigger.received).toHaveLength(1);
		const [delivery] = trigger.received;
		expect(delivery.signatureValid).toBe(true);
		expect(delivery.body.equals(eventFixture('SessionEnded'))).toBe(true);
		expect(delivery.headers['content-type']).toBe('application/json');
		const id = delivery.headers[DELIVERY_ID_HEADER] as string;
		expect(id).toMatch(/^dlv_[0-9a-f-]{36}$/);
		expect(result.out).toContain(`→ POST ${trigger.url}  SessionEnded  ${id}`);
		expect(result.out).toMatch(/← 200 \{"received":true\} {2}\(\d+ ms\)/);
		expect(result.out).toMatch(/✓ Accepted\./);
	});

	it.each(eventFixtureNames())('sends the %s fixture and it is accepted', async (name) => {
		const result = await run(withTarget(name.toLowerCase()));
		expect(result.status).toBe(0);
		expect(trigger.received[0].body.equals(eventFixture(name))).toBe(true);
	});

	it('--duplicate: second answer is a duplicate', async () => {
		const result = await run(withTarget('AnalysisCompleted', '--duplicate'));
		expect(result).toMatchObject({ status: 0, err: '' });
		expect(trigger.received).toHaveLength(2);
		expect(trigger.received[1].headers[DELIVERY_ID_HEADER]).toBe(trigger.received[0].headers[DELIVERY_ID_HEADER]);
		expect(result.out).toMatch(/← 200 \{"received":true\}[\s\S]*← 200 \{"received":true,"duplicate":true\}/);
	});

	it('--replay: the same signed request under a new id is a duplicate too', async () => {
		const result = await run(withTarget('TransferInitiated', '--replay'));
		expect(result).toMatchObject({ status: 0, err: '' });
		const [first, second] = trigger.received;
		expect(second.headers[DELIVERY_ID_HEADER]).not.toBe(first.headers[DELIVERY_ID_HEADER]);
		expect(second.headers[SIGNATURE_HEADER]).toBe(first.headers[SIGNATURE_HEADER]);
		expect(second.signatureValid).toBe(true);
		expect(result.out).toMatch(/← 200 \{"received":true,"duplicate":true\}/);
	});

	it('--stale: answered 400', async () => {
		const result = await run(withTarget('SessionStarted', '--stale'));
		expect(result.status).toBe(0);
		expect(trigger.received[0].signatureValid).toBe(true);
		expect(result.out).toMatch(/← 400 \{"error":"Timestamp outside the tolerance \(too old\)"\}/);
	});

	it('--tamper: answered 401', async () => {
		const result = await run(withTarget('Error', '--tamper'));
		expect(result.status).toBe(0);
		expect(trigger.received[0].signatureValid).toBe(false);
		expect(result.out).toMatch(/← 401 \{"error":"Invalid signature"\}/);
	});

	it('--no-delivery-id: answered 400 (Deduplicate on)', async () => {
		const result = await run(withTarget('SessionEnded', '--no-delivery-id'));
		expect(result.status).toBe(0);
		expect(trigger.received[0].headers).not.toHaveProperty(DELIVERY_ID_HEADER);
		expect(result.out).toContain('(no delivery id)');
	});

	it('--delivery-id: sent as given; reusing it makes the next default send fail with a hint', async () => {
		const id = `dlv_unit_${Date.now()}`;
		expect((await run(withTarget('SessionEnded', '--delivery-id', id))).status).toBe(0);
		expect(trigger.received[0].headers[DELIVERY_ID_HEADER]).toBe(id);
		const again = await run(withTarget('SessionEnded', '--delivery-id', id));
		expect(again.status).toBe(1);
		expect(again.err).toMatch(/expected 200 \{"received":true\}[\s\S]*was accepted already/);
	});

	it('--fixture: sends any file byte for byte', async () => {
		const path = join(emptyRoot, 'odd.json');
		const bytes = Buffer.from('{"type":"SessionEnded", "data":{"cost":1.0,"note":"caf\\u00e9 \u00e9"}}\r\n', 'utf8');
		writeFileSync(path, bytes);
		const result = await run(withTarget('--fixture', path));
		expect(result.status).toBe(0);
		expect(trigger.received[0].body.equals(bytes)).toBe(true);
		expect(trigger.received[0].signatureValid).toBe(true);
		expect(result.out).toContain('  SessionEnded  dlv_');
	});

	it('a wrong secret: exit 1, saying what is wrong', async () => {
		const result = await run(['SessionEnded', '--url', trigger.url, '--secret', 'whsec_wrong']);
		expect(result.status).toBe(1);
		expect(result.out).toMatch(/← 401/);
		expect(result.err).toMatch(/✗ The answer was 401, expected 200[\s\S]*Signing Secret/);
	});

	it('a URL with no webhook: exit 1', async () => {
		const result = await run(['SessionEnded', '--url', `${trigger.url}-nope`, '--secret', SECRET]);
		expect(result.status).toBe(1);
		expect(result.err).toMatch(/is the workflow active/);
	});

	it('nothing listening: exit 1, pointing at npm start', async () => {
		const closed = createServer();
		await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
		const { port } = closed.address() as AddressInfo;
		await new Promise((done) => closed.close(done));
		const result = await run(['SessionEnded', '--url', `http://127.0.0.1:${port}/webhook/x/webhook`, '--secret', SECRET]);
		expect(result.status).toBe(1);
		expect(result.err).toMatch(/Could not reach .*ECONNREFUSED.*npm start/);
	});

	it(`takes the URL and secret from ${START_FILE}, and the environment over it`, async () => {
		const root = mkdtempSync(join(tmpdir(), 'send-event-start-'));
		try {
			mkdirSync(join(root, '.tmp'));
			writeFileSync(
				join(root, START_FILE),
				JSON.stringify({ webhookUrl: trigger.url, secret: SECRET, editorUrl: 'http://127.0.0.1:1/' }),
			);
			const fromFile = await run(['SessionStarted'], {}, root);
			expect(fromFile.status).toBe(0);
			expect(fromFile.out).toContain(`(URL from ${START_FILE}, secret from ${START_FILE})`);

			const envWins = await run(['SessionStarted'], { [ENV_SECRET]: 'whsec_wrong' }, root);
			expect(envWins.status).toBe(1);
			expect(envWins.out).toContain(`secret from $${ENV_SECRET}`);
		} finally {
			rmSync(root, { recursive: true, force: true });
		}
	});

	it('no URL or secret known: exit 2 with the hint to run npm start', async () => {
		const result = await run(['SessionEnded']);
		expect(result.status).toBe(2);
		expect(result.err).toMatch(/No webhook URL or signing secret known\.\nRun `npm start` first/);
		expect(trigger.received).toHaveLength(0);
	});

	it('usage errors: exit 2, nothing sent', async () => {
		const result = await run(withTarget('Ringing'));
		expect(result.status).toBe(2);
		expect(result.err).toMatch(/Unknown event type "Ringing"[\s\S]*--help/);
		expect(trigger.received).toHaveLength(0);
	});

	it('--help: usage, exit 0', async () => {
		const result = await run(['--help']);
		expect(result.status).toBe(0);
		expect(result.out).toMatch(/^Signs a Voisnap event[\s\S]*npm run send-event -- \[<type>\][\s\S]*--tamper/);
	});

	it('the real command (tsx scripts/send-event.ts) round-trips too', async () => {
		const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
		const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
			execFile(
				tsx,
				['scripts/send-event.ts', 'unknown', '--duplicate'],
				{ cwd: REPO_ROOT, env: { ...process.env, [ENV_URL]: trigger.url, [ENV_SECRET]: SECRET }, timeout: 30_000 },
				(error, out, errOut) =>
					done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: errOut }),
			);
		});
		expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
		expect(stdout).toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/webhook\/voisnap-unit\/webhook {2}VoicemailDetected {2}dlv_/);
		expect(stdout).toMatch(/← 200 \{"received":true,"duplicate":true\}/);
		expect(trigger.received).toHaveLength(2);
		expect(trigger.received.every((delivery) => delivery.signatureValid)).toBe(true);
	}, 40_000);
});
