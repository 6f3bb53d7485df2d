/**
 * Issue 4: the cases that tell a real verifier from the hand-built Webhook → Crypto → IF →
 * Respond chain, each sent to the chain and to the Voisnap Trigger.
 */
import type { N8nInstance } from '../../test/harness';
import { eventFixture, nowSeconds, signedDelivery } from '../../test/support/signedDelivery';
import { BENCH_SECRET } from './bodies';
import type { Delivery } from './loadgen';
import { sendOnce } from './loadgen';
import { urlOf } from './measure';
import type { Check } from './results';
import type { BenchConfig } from './workflows';

/** `small` is a compact 0.5 KB body; `fresh()` makes a distinct genuine delivery each call. */
export async function correctness(n8n: N8nInstance, chain: BenchConfig, voisnap: BenchConfig, small: Buffer, fresh: () => Delivery): Promise<Check[]> {
	const checks: Check[] = [];
	const both = async (name: string, expected: string, make: () => Delivery, sendTwice = false) => {
		const deliveryForChain = make();
		const deliveryForVoisnap = make();
		let chainReply = await sendOnce(urlOf(n8n, chain), deliveryForChain);
		let voisnapReply = await sendOnce(urlOf(n8n, voisnap), deliveryForVoisnap);
		if (sendTwice) {
			chainReply = await sendOnce(urlOf(n8n, chain), deliveryForChain);
			voisnapReply = await sendOnce(urlOf(n8n, voisnap), deliveryForVoisnap);
		}
		checks.push({ case: name, expected, chain: chainReply.status, voisnap: voisnapReply.status, voisnapBody: voisnapReply.text });
	};
	await both('genuine delivery, compact JSON', '200', fresh);
	await both('signature made with another secret', '401', () => signedDelivery({ secret: 'whsec_not_the_secret', body: small }));
	await both('no signature header', '401', () => signedDelivery({ secret: BENCH_SECRET, body: small, signature: null }));
	// A real delivery whose bytes are not what JSON.stringify gives back (white space, as the
	// fixtures and many senders have): the chain's HMAC is over other bytes.
	await both('genuine delivery, pretty-printed JSON (the fixture file)', '200', () =>
		signedDelivery({ secret: BENCH_SECRET, body: eventFixture('AnalysisCompleted') }),
	);
	// Bytes that were never signed, under a genuine signature: the same JSON re-spaced.
	await both('signed body re-spaced (bytes never signed), genuine signature', '401', () => {
		const genuine = signedDelivery({ secret: BENCH_SECRET, body: small });
		return { headers: genuine.headers, body: Buffer.from(JSON.stringify(JSON.parse(small.toString()), null, 1)) };
	});
	// Non-ASCII escaped vs raw: `\u00e9` is `é` once parsed, so a signature over one covers both.
	await both('é swapped for \\u00e9 (bytes never signed), genuine signature', '401', () => {
		const signedText = small.toString().replace('"positive"', '"café"');
		const genuine = signedDelivery({ secret: BENCH_SECRET, body: Buffer.from(signedText) });
		return { headers: genuine.headers, body: Buffer.from(signedText.replace('café', 'caf\\u00e9')) };
	});
	await both('timestamp an hour old, correctly signed (replay)', '400', () =>
		signedDelivery({ secret: BENCH_SECRET, body: small, timestamp: nowSeconds() - 3600 }),
	);
	await both('same delivery sent twice (retry): second answer', '200 duplicate, no second run', fresh, true);
	return checks;
}
