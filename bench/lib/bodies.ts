/**
 * The delivery bodies every part of the benchmark uses: an AnalysisCompleted event, compact
 * JSON (one line, ASCII, so that `JSON.stringify(JSON.parse(body))` gives the same bytes and the
 * hand-built n8n chain, which signs the re-serialised body, can pass), padded through its
 * `summary` to exactly 0.5 KB and 16 KB.
 */

export const BODY_SIZES = { '0.5 KB': 512, '16 KB': 16 * 1024 } as const;
export type BodyLabel = keyof typeof BODY_SIZES;
export const BODY_LABELS = Object.keys(BODY_SIZES) as BodyLabel[];

const WORDS =
	'caller asked to move the appointment to thursday morning and wanted a text message confirmation sent to her mobile number '.repeat(
		200,
	);

const TEMPLATE_CONVERSATION = 'conv_01JD8Z4W6K3N5P7R9T2V4X6Z8B';

export function eventBody(bytes: number, conversation = TEMPLATE_CONVERSATION): Buffer {
	const envelope = (summary: string) =>
		JSON.stringify({
			type: 'AnalysisCompleted',
			agentId: 'agt_7Hq2Lm9Xc4',
			data: {
				conversationId: conversation,
				sentiment: 'positive',
				sentimentScore: 0.82,
				intent: 'reschedule_appointment',
				summary,
				customFields: { resolution_status: 'resolved' },
			},
		});
	const room = bytes - Buffer.byteLength(envelope(''));
	if (room < 0 || room > WORDS.length) throw new Error(`cannot build a ${bytes}-byte body`);
	const body = Buffer.from(envelope(WORDS.slice(0, room)), 'utf8');
	if (body.length !== bytes) throw new Error(`built ${body.length} bytes, wanted ${bytes}`);
	return body;
}

/**
 * The i-th distinct delivery of a body: the same size and shape, another conversation id.
 * Distinct bodies matter: the trigger answers a second request with the same signed content
 * (same second, same bytes) as a replay, whatever its delivery id.
 */
export function nthBody(template: Buffer, i: number): Buffer {
	const text = template.toString('latin1');
	const at = text.indexOf(TEMPLATE_CONVERSATION);
	if (at < 0) throw new Error('not a bench body');
	const id = `conv_${i.toString(36).padStart(TEMPLATE_CONVERSATION.length - 5, '0')}`;
	const body = Buffer.from(template);
	body.write(id, at, 'latin1');
	return body;
}

export function bodies(): Record<BodyLabel, Buffer> {
	return { '0.5 KB': eventBody(BODY_SIZES['0.5 KB']), '16 KB': eventBody(BODY_SIZES['16 KB']) };
}

/** The bench's signing secret: shaped like the Console's (the `whsec_` prefix is key material). */
export const BENCH_SECRET = 'whsec_bench_c2VjcmV0LWZvci10aGUtYmVuY2htYXJrcw';
