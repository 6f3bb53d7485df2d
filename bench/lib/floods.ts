/**
 * Issue 10: genuine Voisnap traffic to one trigger while, from other connections, a flood hits
 * the same URL at a bounded rate:
 *   - junk: requests no sender of Voisnap's would make: no timestamp header, or no signature
 *     header (alternately), refused before the credential or static data is touched;
 *   - forgeries: well-formed and fresh (current timestamp, `sha256=` + 64 random hex, a delivery
 *     id), so they pass the cheap checks and fail only the HMAC, which may make the trigger
 *     reload its secrets (at most once per 2 s, n8n/credentials.ts);
 *   - unparsable (the control): signed headers and a body that is not JSON, sent as JSON, which
 *     n8n answers 422 itself before the trigger runs: what any request costs n8n, whatever
 *     the trigger does.
 * The same genuine load also runs without a flood, in the same n8n, as the baseline.
 */
import { randomBytes } from 'node:crypto';

import type { N8nInstance } from '../../test/harness';
import { TIMESTAMP_HEADER } from '../../nodes/VoisnapTrigger/contract/constants';
import { signedDelivery } from '../../test/support/signedDelivery';
import { BENCH_SECRET } from './bodies';
import type { Delivery, RunResult } from './loadgen';
import { runLoad } from './loadgen';
import { concurrentRound, statusCounts, urlOf } from './measure';
import type { FloodKind, FloodRun } from './results';
import type { BenchConfig } from './workflows';

export interface FloodOptions {
	/** Genuine deliveries, made distinct and signed as they are sent. */
	genuine: (i: number) => Delivery;
	/** A body for the flood's requests (its content does not matter: they are refused first). */
	body: Buffer;
	connections: number;
	count: number;
	seconds: number;
	floodRate: number;
	floodConnections: number;
}

function junk(body: Buffer): (i: number) => Delivery {
	return (i) => {
		if (i % 2 === 1) return signedDelivery({ secret: BENCH_SECRET, body, signature: null });
		const delivery = signedDelivery({ secret: BENCH_SECRET, body });
		delete delivery.headers[TIMESTAMP_HEADER];
		return delivery;
	};
}

function unparsable(): () => Delivery {
	return () => signedDelivery({ secret: BENCH_SECRET, body: Buffer.from('{"type":"SessionEnded",') });
}

function forgery(body: Buffer): () => Delivery {
	return () => signedDelivery({ secret: BENCH_SECRET, body, signature: `sha256=${randomBytes(32).toString('hex')}` });
}

/** One genuine round at `connections`, beside a flood of `kind` (none: alone). */
export async function floodRun(n8n: N8nInstance, config: BenchConfig, kind: FloodKind, options: FloodOptions): Promise<FloodRun> {
	const url = urlOf(n8n, config);
	const genuineLoad = () => runLoad({ url, delivery: options.genuine, count: options.count, timeLimitMs: options.seconds * 1000, connections: options.connections });
	if (kind === 'none') return { kind, genuine: await concurrentRound(n8n, config, options.connections, genuineLoad) };

	let flood: RunResult | undefined;
	let floodError: unknown;
	const genuine = await concurrentRound(n8n, config, options.connections, async () => {
		const stop = new AbortController();
		const flooding = runLoad({
			url,
			delivery: kind === 'junk' ? junk(options.body) : kind === 'forgery' ? forgery(options.body) : unparsable(),
			// Bounded by rate and time; stopped as soon as the genuine load is done.
			count: Math.ceil(options.floodRate * (options.seconds + 5)),
			timeLimitMs: (options.seconds + 5) * 1000,
			connections: options.floodConnections,
			ratePerSec: options.floodRate,
			signal: stop.signal,
		}).then(
			(result) => (flood = result),
			(error: unknown) => (floodError = error),
		);
		try {
			return await genuineLoad();
		} finally {
			stop.abort();
			await flooding;
		}
	});
	if (floodError) throw new Error(`the ${kind} flood failed: ${(floodError as Error).message}`);
	return {
		kind,
		genuine,
		flood: flood && {
			sent: flood.replies.length,
			perSec: flood.replies.length / (flood.wallMs / 1000),
			statuses: statusCounts(flood.replies),
			errors: flood.errors,
		},
	};
}
