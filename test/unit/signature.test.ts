import { createHmac } from 'node:crypto';

import { computeDigest, parseSignatureHeader, sign, verifySignature } from '../../nodes/VoisnapTrigger/contract/signature';
import published from '../fixtures/signature-vectors.json';

interface Vector {
	name: string;
	secret: string;
	timestamp: string;
	body: string;
	bodyBase64: string;
	signedContent: string;
	expectedSignature: string;
}

const vectors: Vector[] = published.vectors;

/** The scheme written out with nothing but node:crypto, independently of the module under test. */
function bareSignature(secret: string, timestamp: string, body: Buffer): string {
	const content = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
	return 'sha256=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(content).digest('hex');
}

const bytesOf = (vector: Vector) => Buffer.from(vector.bodyBase64, 'base64');

const SECRET = vectors[0].secret;
const PREVIOUS_SECRET = 'whsec_example_previous_secret';
const TIMESTAMP = '1764201600';
const BODY = Buffer.from('{"type":"SessionStarted","data":{"conversationId":"conv_1"}}', 'utf8');
const VALID = sign(SECRET, TIMESTAMP, BODY);
const VALID_HEX = VALID.slice('sha256='.length);
const OTHER = sign('whsec_someoneElsesSecret', TIMESTAMP, BODY);

const verify = (header: string | undefined, secrets: readonly string[] = [SECRET]) =>
	verifySignature(secrets, TIMESTAMP, BODY, header);

describe("the project's signature vectors (test/fixtures/signature-vectors.json)", () => {
	it('has the four vectors', () => {
		expect(vectors).toHaveLength(4);
	});

	describe.each(vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
		it('bodyBase64 and body are the same bytes, and signedContent is timestamp.body', () => {
			expect(bytesOf(vector).equals(Buffer.from(vector.body, 'utf8'))).toBe(true);
			expect(vector.signedContent).toBe(`${vector.timestamp}.${vector.body}`);
		});

		it('matches an HMAC computed with bare node:crypto', () => {
			expect(bareSignature(vector.secret, vector.timestamp, bytesOf(vector))).toBe(vector.expectedSignature);
		});

		it('matches sign()', () => {
			expect(sign(vector.secret, vector.timestamp, bytesOf(vector))).toBe(vector.expectedSignature);
			expect(sign(vector.secret, Number(vector.timestamp), bytesOf(vector))).toBe(vector.expectedSignature);
		});

		it('is accepted by verifySignature with the current secret', () => {
			const result = verifySignature([vector.secret], vector.timestamp, bytesOf(vector), vector.expectedSignature);
			expect(result).toEqual({
				valid: true,
				secretIndex: 0,
				digest: Buffer.from(vector.expectedSignature.slice('sha256='.length), 'hex'),
			});
		});
	});
});

describe('signature over the bytes received', () => {
	const vector = vectors[1]; // white space, non-ASCII text and 1.0 kept as sent
	const raw = bytesOf(vector);
	const reserialised = Buffer.from(JSON.stringify(JSON.parse(vector.body)), 'utf8');

	it('the vector really is changed by parsing and serialising again', () => {
		expect(reserialised.equals(raw)).toBe(false);
	});

	it('verifies a signature over the raw bytes', () => {
		expect(verifySignature([vector.secret], vector.timestamp, raw, vector.expectedSignature).valid).toBe(true);
	});

	it('rejects a signature computed over the re-serialised body', () => {
		const overReserialised = sign(vector.secret, vector.timestamp, reserialised);
		expect(verifySignature([vector.secret], vector.timestamp, raw, overReserialised)).toEqual({
			valid: false,
			reason: 'signature_mismatch',
		});
	});

	it('rejects the genuine signature when checked over the re-serialised body', () => {
		expect(verifySignature([vector.secret], vector.timestamp, reserialised, vector.expectedSignature)).toEqual({
			valid: false,
			reason: 'signature_mismatch',
		});
	});

	it('computeDigest hashes a Buffer and its UTF-8 string alike', () => {
		expect(computeDigest(vector.secret, vector.timestamp, raw).equals(computeDigest(vector.secret, vector.timestamp, vector.body))).toBe(true);
	});

	it('the timestamp is part of the signed content', () => {
		expect(verifySignature([vector.secret], '1764201602', raw, vector.expectedSignature)).toEqual({
			valid: false,
			reason: 'signature_mismatch',
		});
	});
});

describe('the X-Webhook-Signature header', () => {
	it('a correct value is accepted, matched by the current secret', () => {
		expect(verify(VALID)).toEqual({ valid: true, secretIndex: 0, digest: Buffer.from(VALID_HEX, 'hex') });
	});

	it('missing: signature_missing', () => {
		expect(verify(undefined)).toEqual({ valid: false, reason: 'signature_missing' });
	});

	it('empty: signature_missing', () => {
		expect(verify('')).toEqual({ valid: false, reason: 'signature_missing' });
	});

	it('only white space: signature_mismatch (present but carries no value)', () => {
		expect(verify('   ')).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('upper-case hex digits are accepted', () => {
		expect(verify('sha256=' + VALID_HEX.toUpperCase()).valid).toBe(true);
	});

	it('mixed-case hex digits are accepted', () => {
		const mixed = [...VALID_HEX].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
		expect(verify('sha256=' + mixed).valid).toBe(true);
	});

	// Each of these carries the right digest in some broken form, or no digest at all: a
	// mismatch, never an exception. The scheme `sha256=` is case-sensitive (`SHA256=` is not
	// Voisnap's scheme), only the hex digits may come in either case.
	it.each([
		['non-hex digits', 'sha256=' + 'g'.repeat(64)],
		['non-hex digit in a correct value', 'sha256=' + VALID_HEX.slice(0, 63) + 'z'],
		['truncated to 63 digits', 'sha256=' + VALID_HEX.slice(0, 63)],
		['65 digits', 'sha256=' + VALID_HEX + '0'],
		['128 digits (digest twice)', 'sha256=' + VALID_HEX + VALID_HEX],
		['no prefix', VALID_HEX],
		['sha1= prefix', 'sha1=' + VALID_HEX],
		['upper-case SHA256= prefix', 'SHA256=' + VALID_HEX],
		['sha512= prefix', 'sha512=' + VALID_HEX],
		['prefix with a space before the digest', 'sha256= ' + VALID_HEX],
		['colon instead of equals sign', 'sha256:' + VALID_HEX],
		['base64 instead of hex', 'sha256=' + Buffer.from(VALID_HEX, 'hex').toString('base64')],
		['trailing garbage glued on', VALID + ';'],
		['signed with another secret', OTHER],
		['the prefix alone', 'sha256='],
	])('%s: signature_mismatch', (_case, header) => {
		expect(verify(header)).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it.each([
		['comma separated, match last', `${OTHER},${VALID}`],
		['comma and space separated, match first', `${VALID}, ${OTHER}`],
		['space separated', `${OTHER} ${VALID}`],
		['tab and newline separated', `${OTHER}\t\n${VALID}`],
		['malformed values around the match', `sha1=${VALID_HEX}, garbage,,${VALID} ,sha256=zz`],
		['leading and trailing separators', ` ,${VALID}, `],
	])('several values, one matches (%s): accepted', (_case, header) => {
		expect(verify(header).valid).toBe(true);
	});

	it('several values, none matches: signature_mismatch', () => {
		const another = sign('whsec_yetAnotherSecret', TIMESTAMP, BODY);
		expect(verify(`${OTHER}, ${another}`)).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('only the first 8 well-formed values are checked (a bound on work per request)', () => {
		const decoys = Array.from({ length: 8 }, (_, i) => sign(`whsec_decoy${i}`, TIMESTAMP, BODY));
		expect(verify([...decoys.slice(0, 7), VALID].join(',')).valid).toBe(true);
		expect(verify([...decoys, VALID].join(','))).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('malformed values do not count towards the 8 checked', () => {
		const junk = Array.from({ length: 20 }, () => 'sha256=nothex').join(',');
		expect(verify(`${junk},${VALID}`).valid).toBe(true);
	});
});

describe('secret rotation', () => {
	it('a delivery signed with the previous secret matches with secretIndex 1', () => {
		const header = sign(PREVIOUS_SECRET, TIMESTAMP, BODY);
		expect(verify(header, [SECRET, PREVIOUS_SECRET])).toEqual({
			valid: true,
			secretIndex: 1,
			digest: Buffer.from(header.slice('sha256='.length), 'hex'),
		});
	});

	it('a delivery signed with the current secret still matches with secretIndex 0', () => {
		expect(verify(VALID, [SECRET, PREVIOUS_SECRET])).toMatchObject({ valid: true, secretIndex: 0 });
	});

	it('matching neither secret: signature_mismatch', () => {
		expect(verify(OTHER, [SECRET, PREVIOUS_SECRET])).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('a signature by the previous secret is rejected once only the current one is configured', () => {
		expect(verify(sign(PREVIOUS_SECRET, TIMESTAMP, BODY), [SECRET])).toEqual({
			valid: false,
			reason: 'signature_mismatch',
		});
	});

	it('no secrets at all: a mismatch, not an exception', () => {
		expect(verify(VALID, [])).toEqual({ valid: false, reason: 'signature_mismatch' });
	});
});

describe('hostile headers never throw', () => {
	it('a huge garbage header is a mismatch', () => {
		expect(verify('x'.repeat(2_000_000))).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('a huge header of separators and prefixes is a mismatch', () => {
		expect(verify('sha256=, '.repeat(200_000))).toEqual({ valid: false, reason: 'signature_mismatch' });
		expect(verify('sha256=' + 'a'.repeat(1_000_000))).toEqual({ valid: false, reason: 'signature_mismatch' });
	});

	it('a huge header of malformed values followed by the right one is accepted', () => {
		const header = `${'sha256=nothex '.repeat(100_000)}${VALID}`;
		expect(verify(header).valid).toBe(true);
	});

	const oddInputs = [
		' ',
		',',
		',,, ,',
		'sha256=',
		'sha256==',
		'=',
		'\u0000',
		'sha256=\u0000' + VALID_HEX.slice(1),
		'\uD800',
		'sha256=' + '\uD800'.repeat(64),
		'sha256=' + 'é'.repeat(64),
		'sha256=' + '٠'.repeat(64), // Arabic-Indic digits
		'sha256=' + 'ａ'.repeat(64), // full-width letters
		VALID + '\n',
		'\r\n' + VALID,
		'sha256=' + VALID_HEX.slice(0, 32),
		'__proto__',
		'constructor',
		'sha256=' + '0'.repeat(64),
		'💥'.repeat(1000),
	];

	it.each(oddInputs.map((input) => [JSON.stringify(input).slice(0, 40), input]))(
		'%s: returns a result without throwing',
		(_label, input) => {
			let result: ReturnType<typeof verify> | undefined;
			expect(() => {
				result = verify(input);
			}).not.toThrow();
			expect(result).toBeDefined();
		},
	);

	it('none of the odd inputs is accepted unless it carries the exact digest', () => {
		const accepted = oddInputs.filter((input) => verify(input).valid);
		expect(accepted).toEqual([VALID + '\n', '\r\n' + VALID]);
	});

	it('hostile timestamps and bodies do not throw either', () => {
		for (const timestamp of ['', '\uD800', 'x'.repeat(100_000)]) {
			for (const body of [Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x00]), Buffer.alloc(1_000_000, 0x7b)]) {
				expect(verifySignature([SECRET], timestamp, body, VALID)).toEqual({
					valid: false,
					reason: 'signature_mismatch',
				});
			}
		}
	});
});

describe('parseSignatureHeader', () => {
	it('returns the claimed digests as 32-byte buffers, in order', () => {
		const parsed = parseSignatureHeader(`${OTHER}, ${VALID}`);
		expect(parsed.map((digest) => digest.toString('hex'))).toEqual([
			OTHER.slice('sha256='.length),
			VALID_HEX,
		]);
	});

	it('returns nothing for a missing or empty header', () => {
		expect(parseSignatureHeader(undefined)).toEqual([]);
		expect(parseSignatureHeader('')).toEqual([]);
	});
});
