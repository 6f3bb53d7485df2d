/**
 * Micro benchmarks (parts 1 and 2 of bench/RESULTS.md), in one process, on the same bodies:
 *  - verification: verifySignature and the whole checkDelivery against bare node:crypto;
 *  - the dedup store: check-and-record, prune, absorb, snapshot size and n8n's own
 *    JSON.parse + JSON.stringify of the static data, at 0 to 100,000 remembered ids, against
 *    the naive `{ deliveryId: epochSeconds }` encoding.
 * Writes .tmp/bench/micro.json. Usage: npx tsx bench/micro.ts [--quick]
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import {
	DEFAULT_MAX_ENTRIES,
	DEFAULT_RETENTION_HOURS,
	DEFAULT_TOLERANCE_SECONDS,
	SIGNATURE_HEADER,
	SIGNATURE_SCHEME,
	TIMESTAMP_HEADER,
} from '../nodes/VoisnapTrigger/contract/constants';
import { checkDelivery } from '../nodes/VoisnapTrigger/contract/delivery';
import type { StoreLimits, StoreSnapshot } from '../nodes/VoisnapTrigger/contract/deliveryStore';
import { DeliveryStore } from '../nodes/VoisnapTrigger/contract/deliveryStore';
import { verifySignature } from '../nodes/VoisnapTrigger/contract/signature';
import { signedDelivery } from '../test/support/signedDelivery';
import { BENCH_SECRET, BODY_LABELS, bodies } from './lib/bodies';
import { NaiveStore } from './lib/naiveStore';
import type { NaiveSnapshot } from './lib/naiveStore';
import { writeResults } from './lib/results';
import type { Sample } from './lib/timing';
import { measure, measureOnce, sinkValue } from './lib/timing';

const quick = process.argv.includes('--quick') || process.env.BENCH_MICRO_QUICK === '1';
const ROUNDS = quick ? 9 : 25;
const NOW = 1_764_200_000;

function log(message: string): void {
	process.stderr.write(`[bench:micro] ${message}\n`);
}

function byName(samples: Sample[]): Record<string, Sample> {
	return Object.fromEntries(samples.map((sample) => [sample.name, sample]));
}

// ---------------------------------------------------------------- 1. verification

function verificationBench() {
	const results: Record<string, Record<string, Sample>> = {};
	for (const label of BODY_LABELS) {
		const body = bodies()[label];
		const delivery = signedDelivery({ secret: BENCH_SECRET, body, timestamp: NOW, deliveryId: 'dlv_bench' });
		const timestamp = delivery.headers[TIMESTAMP_HEADER];
		const header = delivery.headers[SIGNATURE_HEADER];
		const claimed = Buffer.from(header.slice(SIGNATURE_SCHEME.length), 'hex');
		const secrets = [BENCH_SECRET];
		const policy = { secrets, toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, requireDeliveryId: false, acceptsType: () => true };
		const request = { headers: delivery.headers, body };
		if (!verifySignature(secrets, timestamp, body, header).valid) throw new Error('bench delivery does not verify');
		if (checkDelivery(request, policy, NOW).outcome !== 'accepted') throw new Error('bench delivery not accepted');
		log(`verification, ${label} body`);
		results[label] = byName(
			measure(
				[
					{
						// The least any verifier does: HMAC over the same bytes, constant-time compare
						// against the claimed digest (already bytes).
						name: 'floor',
						run: () =>
							timingSafeEqual(createHmac('sha256', BENCH_SECRET).update(timestamp).update('.').update(body).digest(), claimed),
					},
					{
						// The same, plus decoding the header's hex, which every verifier must also do.
						name: 'floor+decode',
						run: () => {
							const got = Buffer.from(header.slice(SIGNATURE_SCHEME.length), 'hex');
							return (
								got.length === 32 &&
								timingSafeEqual(createHmac('sha256', BENCH_SECRET).update(timestamp).update('.').update(body).digest(), got)
							);
						},
					},
					{ name: 'verifySignature', run: () => verifySignature(secrets, timestamp, body, header) },
					{ name: 'checkDelivery', run: () => checkDelivery(request, policy, NOW) },
				],
				{ rounds: ROUNDS + 10 },
			),
		);
	}
	return { results };
}

// ---------------------------------------------------------------- 2. dedup store

/** The sizes the issue asks for, plus 5,000: the largest round cap whose static data stays under 128 KB. */
const SIZES = [0, 1_000, 5_000, 10_000, 100_000];
const RETENTION = DEFAULT_RETENTION_HOURS * 3600;

function limitsFor(size: number): StoreLimits {
	return { retentionSeconds: RETENTION, maxEntries: Math.max(1, size), replayWindowSeconds: 2 * DEFAULT_TOLERANCE_SECONDS };
}

const deliveryId = (i: number) => `dlv_${i.toString(16).padStart(8, '0')}-5c1e-4d6a-9f1b-2a7c${(i * 7919).toString(16).padStart(8, '0').slice(-8)}`;
function digestOf(i: number): Buffer {
	return createHmac('sha256', 'digest').update(String(i)).digest();
}

/**
 * A store holding `size` ids, recorded over the retention window (oldest first) as a day of
 * real traffic would leave it: most ids are older than the replay window, so few signed
 * requests are remembered beside them.
 */
function filledStore(size: number, writer: string): { store: DeliveryStore; snapshot: StoreSnapshot } {
	const store = new DeliveryStore(writer);
	const limits = limitsFor(size);
	for (let i = 0; i < size; i++) {
		store.remember(deliveryId(i), digestOf(i), NOW - RETENTION + 60 + Math.floor(((RETENTION - 120) * i) / size), limits);
	}
	return { store, snapshot: store.snapshot() };
}

function naiveFilled(size: number): NaiveSnapshot {
	const data: NaiveSnapshot = {};
	for (let i = 0; i < size; i++) data[deliveryId(i)] = NOW - RETENTION + 60 + Math.floor(((RETENTION - 120) * i) / size);
	return data;
}

/** What n8n keeps for the workflow: global static data holding the store under its key. */
function staticDataOf(snapshot: unknown) {
	return { global: { 'voisnap:5b0f6c2e-1f7a-4c55-9d8e-3a1b2c4d5e6f': snapshot } };
}

function storeBench() {
	const rows: Array<Record<string, unknown>> = [];
	const batchRounds = ROUNDS;
	for (const size of SIZES) {
		log(`store at ${size.toLocaleString('en')} ids`);
		const limits = limitsFor(size);
		const { store, snapshot } = filledStore(size, 'benchA00');
		const staticText = JSON.stringify(staticDataOf(snapshot));
		const naive = naiveFilled(size);
		const naiveText = JSON.stringify(staticDataOf(naive));
		const naiveStore = new NaiveStore(naive);
		const naiveLimits = { retentionSeconds: RETENTION, maxEntries: Math.max(1, size) };
		let counter = 10_000_000;
		const scratchDigest = randomBytes(32);
		const nextDigest = () => {
			scratchDigest.writeUInt32LE(counter, 0);
			return scratchDigest;
		};

		// Per-delivery cycle in n8n, as n8n and the node do it: n8n parses the static data it
		// read with the workflow, the node checks and records, n8n serialises it to save it.
		const cycleStore = filledStore(size, 'benchB00').store;
		let cycleText = JSON.stringify(staticDataOf(cycleStore.snapshot()));
		let naiveCycleText = naiveText;

		const samples = byName(
			measure(
				[
					{
						name: 'check-and-record',
						run: () => {
							const id = deliveryId(counter++);
							const digest = nextDigest();
							return store.findDuplicate(id, digest) ?? store.remember(id, digest, NOW, limits);
						},
					},
					{ name: 'prune (nothing expired)', run: () => store.prune(NOW, limits) },
					{ name: 'absorb (snapshot already seen)', run: () => store.absorb(store.snapshot(), NOW, limits) },
					{ name: 'n8n JSON.parse + JSON.stringify', run: () => JSON.stringify(JSON.parse(staticText)) },
					{
						name: 'delivery cycle',
						run: () => {
							const data = JSON.parse(cycleText);
							const key = 'voisnap:5b0f6c2e-1f7a-4c55-9d8e-3a1b2c4d5e6f';
							cycleStore.absorb(data.global[key], NOW, limits);
							const id = deliveryId(counter++);
							const digest = nextDigest();
							if (!cycleStore.findDuplicate(id, digest)) data.global[key] = cycleStore.remember(id, digest, NOW, limits);
							return (cycleText = JSON.stringify(data));
						},
					},
					{
						name: 'naive check-and-record',
						run: () => {
							const id = deliveryId(counter++);
							return naiveStore.isDuplicate(id) || naiveStore.remember(id, NOW, naiveLimits);
						},
					},
					{ name: 'naive n8n JSON.parse + JSON.stringify', run: () => JSON.stringify(JSON.parse(naiveText)) },
					{
						name: 'naive delivery cycle',
						run: () => {
							const data = JSON.parse(naiveCycleText);
							const key = 'voisnap:5b0f6c2e-1f7a-4c55-9d8e-3a1b2c4d5e6f';
							const seen = new NaiveStore(data.global[key], size);
							const id = deliveryId(counter++);
							if (!seen.isDuplicate(id)) seen.remember(id, NOW, naiveLimits);
							return (naiveCycleText = JSON.stringify(data));
						},
					},
				],
				{ rounds: batchRounds, batchMs: 6 },
			),
		);

		// One-off operations, each on a fresh copy prepared outside the timed region.
		const repeat = size >= 100_000 ? 5 : 15;
		const foreign = { ...snapshot, w: 'otherprc:1' };
		samples['absorb (restart: foreign snapshot)'] = measureOnce('absorb (restart: foreign snapshot)', repeat, () => {
			const fresh = new DeliveryStore('restart0');
			return () => fresh.absorb(foreign, NOW, limits);
		});
		// Two saves raced (n8n saves static data without a lock): the snapshot loaded with this
		// request is an older one of this very process, so everything in it is already known.
		samples['absorb (stale own snapshot)'] = measureOnce('absorb (stale own snapshot)', repeat, () => {
			const own = new DeliveryStore('raced000');
			own.absorb(foreign, NOW, limits);
			const stale = own.snapshot();
			own.snapshot();
			return () => own.absorb(stale, NOW, limits);
		});
		const cut = NOW + Math.floor(RETENTION / 10);
		samples['prune (10% expired)'] = measureOnce('prune (10% expired)', repeat, () => {
			const copy = new DeliveryStore('prune000');
			copy.absorb(foreign, NOW, limits);
			return () => copy.prune(cut, limits);
		});
		samples['naive absorb (restart: JSON.parse only)'] = measureOnce('naive absorb (restart: JSON.parse only)', repeat, () => () => JSON.parse(naiveText));

		rows.push({
			size,
			storeSize: store.size,
			naiveSize: naiveStore.size,
			snapshotBytes: Buffer.byteLength(JSON.stringify(snapshot)),
			staticDataBytes: Buffer.byteLength(staticText),
			naiveStaticDataBytes: Buffer.byteLength(naiveText),
			requestsRemembered: snapshot.r.length / 19,
			samples,
		});
	}
	return rows;
}

/**
 * Where the per-delivery cost jumps: V8 allocates every string of 128 KB or more in its large
 * object space, one mapping per string, and n8n's static-data text is one string.
 */
const CLIFF_SIZES = [4_000, 5_000, 6_000, 6_500, 6_800, 7_000, 7_500, 8_000, 10_000];
function cliffBench() {
	log('the 128 KB step');
	return CLIFF_SIZES.map((size) => {
		const limits = limitsFor(size);
		const cycleStore = filledStore(size, 'cliff000').store;
		const key = 'voisnap:5b0f6c2e-1f7a-4c55-9d8e-3a1b2c4d5e6f';
		let cycleText = JSON.stringify(staticDataOf(cycleStore.snapshot()));
		const bytes = Buffer.byteLength(cycleText);
		let counter = 20_000_000;
		const digest = randomBytes(32);
		const [sample] = measure(
			[
				{
					name: 'delivery cycle',
					run: () => {
						const data = JSON.parse(cycleText);
						cycleStore.absorb(data.global[key], NOW, limits);
						digest.writeUInt32LE(counter, 0);
						const id = deliveryId(counter++);
						if (!cycleStore.findDuplicate(id, digest)) data.global[key] = cycleStore.remember(id, digest, NOW, limits);
						return (cycleText = JSON.stringify(data));
					},
				},
			],
			{ rounds: ROUNDS, batchMs: 6 },
		);
		return { size, staticDataBytes: bytes, sample };
	});
}

function main(): void {
	const started = Date.now();
	const verification = verificationBench();
	const store = storeBench();
	const cliff = cliffBench();
	const out = {
		date: new Date().toISOString(),
		node: process.version,
		quick,
		rounds: ROUNDS,
		now: NOW,
		defaultMaxEntries: DEFAULT_MAX_ENTRIES,
		bodyBytes: Object.fromEntries(BODY_LABELS.map((label) => [label, bodies()[label].length])),
		verification,
		store,
		cliff,
		sink: sinkValue(),
		seconds: (Date.now() - started) / 1000,
	};
	log(`done in ${out.seconds.toFixed(1)} s: ${writeResults('micro.json', out)}`);
}

main();
