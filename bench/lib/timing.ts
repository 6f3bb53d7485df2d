/**
 * Micro-benchmark timing: candidates are measured in interleaved batches (round-robin, one
 * batch each per round), so that whatever else the machine does slows them all alike. A batch
 * is sized to take about `batchMs`; its time per call is one sample, and the median of the
 * samples is the figure reported. Results are kept in a sink so that no call is optimised away.
 */

export interface Candidate {
	name: string;
	/** One call of the thing measured; its result is kept. */
	run: () => unknown;
	/** Called before each batch, outside the timed region (e.g. to reset state). */
	setup?: () => void;
}

export interface Sample {
	name: string;
	/** Median ns per call over the batches. */
	median: number;
	p10: number;
	p90: number;
	/** Calls per batch, and batches. */
	batchSize: number;
	batches: number;
}

let sink = 0;
function keep(value: unknown): void {
	if (value === true || (typeof value === 'object' && value !== null)) sink++;
	else if (typeof value === 'number') sink += value & 1;
	else if (typeof value === 'string') sink += value.length & 1;
}
export function sinkValue(): number {
	return sink;
}

function nowNs(): bigint {
	return process.hrtime.bigint();
}

function timeBatch(candidate: Candidate, calls: number): number {
	candidate.setup?.();
	const { run } = candidate;
	const start = nowNs();
	for (let i = 0; i < calls; i++) keep(run());
	return Number(nowNs() - start) / calls;
}

export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const at = (sorted.length - 1) * p;
	const low = Math.floor(at);
	const high = Math.ceil(at);
	return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export interface MeasureOptions {
	/** Target duration of one batch. */
	batchMs?: number;
	/** Batches per candidate. */
	rounds?: number;
	/** Upper bound on calls per batch (for operations that change state as they run). */
	maxBatch?: number;
}

export function measure(candidates: readonly Candidate[], options: MeasureOptions = {}): Sample[] {
	const batchMs = options.batchMs ?? 8;
	const rounds = options.rounds ?? 25;
	const maxBatch = options.maxBatch ?? 1_000_000;
	// Warm up (JIT) and size each batch.
	const sizes = candidates.map((candidate) => {
		let calls = 1;
		for (;;) {
			const ns = timeBatch(candidate, calls) * calls;
			if (ns > batchMs * 1e6 * 0.5 || calls >= maxBatch) break;
			calls = Math.min(maxBatch, calls * 2);
		}
		timeBatch(candidate, calls);
		return calls;
	});
	const samples: number[][] = candidates.map(() => []);
	for (let round = 0; round < rounds; round++) {
		// Rotate the starting candidate so that none always runs right after another's garbage.
		for (let k = 0; k < candidates.length; k++) {
			const i = (k + round) % candidates.length;
			samples[i].push(timeBatch(candidates[i], sizes[i]));
		}
	}
	return candidates.map((candidate, i) => {
		const sorted = [...samples[i]].sort((a, b) => a - b);
		return {
			name: candidate.name,
			median: percentile(sorted, 0.5),
			p10: percentile(sorted, 0.1),
			p90: percentile(sorted, 0.9),
			batchSize: sizes[i],
			batches: rounds,
		};
	});
}

/** Times one operation that cannot be batched (e.g. a one-off merge): median of `repeat` runs. */
export function measureOnce(name: string, repeat: number, prepare: () => () => unknown): Sample {
	const samples: number[] = [];
	for (let i = 0; i < repeat + 2; i++) {
		const run = prepare();
		const start = nowNs();
		keep(run());
		const ns = Number(nowNs() - start);
		if (i >= 2) samples.push(ns); // the first two warm up
	}
	samples.sort((a, b) => a - b);
	return {
		name,
		median: percentile(samples, 0.5),
		p10: percentile(samples, 0.1),
		p90: percentile(samples, 0.9),
		batchSize: 1,
		batches: repeat,
	};
}
