/** Number formatting and small statistics shared by the report's sections. */

export const ns = (value: number) =>
	value >= 1e6 ? `${(value / 1e6).toFixed(2)} ms` : value >= 1e4 ? `${(value / 1e3).toFixed(1)} µs` : value >= 1e3 ? `${(value / 1e3).toFixed(2)} µs` : `${value.toFixed(0)} ns`;
/** Milliseconds with three significant digits. */
export const ms = (value: number) => (!Number.isFinite(value) ? '–' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
export const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
export const rate = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
export const kb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`);
export const n = (value: number) => value.toLocaleString('en');
export const verdict = (met: boolean) => (met ? '**met**' : '**missed**');
/** (max − min) ÷ min of some figures, e.g. per-round medians. */
export const spreadOf = (values: number[]) => (values.length < 2 ? 0 : (Math.max(...values) - Math.min(...values)) / Math.min(...values));
export function medianOf(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
export const statusList = (statuses: Record<string, number>) =>
	Object.entries(statuses)
		.map(([status, count]) => `${count}×${status}`)
		.join(' ');

/** Lines of Markdown, written in order. */
export class Page {
	readonly lines: string[] = [];
	out(line = ''): void {
		this.lines.push(line);
	}
	table(header: string[], align: Array<'l' | 'r'>, rows: string[][]): void {
		this.out(`| ${header.join(' | ')} |`);
		this.out(`| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`);
		for (const row of rows) this.out(`| ${row.join(' | ')} |`);
		this.out();
	}
}
