import { percentile } from './timing';

/** The percentiles the report and the chart use, in ms. */
export interface Distribution {
	n: number;
	min: number;
	p5: number;
	p10: number;
	p25: number;
	p50: number;
	p75: number;
	p90: number;
	p95: number;
	p99: number;
	max: number;
	mean: number;
}

export function distribution(values: readonly number[]): Distribution {
	const sorted = [...values].sort((a, b) => a - b);
	const p = (q: number) => percentile(sorted, q);
	return {
		n: sorted.length,
		min: sorted[0] ?? NaN,
		p5: p(0.05),
		p10: p(0.1),
		p25: p(0.25),
		p50: p(0.5),
		p75: p(0.75),
		p90: p(0.9),
		p95: p(0.95),
		p99: p(0.99),
		max: sorted[sorted.length - 1] ?? NaN,
		mean: sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1),
	};
}

export function median(values: readonly number[]): number {
	return percentile([...values].sort((a, b) => a - b), 0.5);
}
