/** latency.svg: acknowledgement latency per configuration and target (hand-written SVG, no dependencies). */
import type { Distribution } from '../lib/stats';
import { ms } from './format';
import type { ChartRow } from './n8nSections';

export function chart(chartRows: ChartRow[], generated: Date): string {
	const rows = chartRows.filter((row) => row.seq || row.conc);
	const width = 1100;
	const labelWidth = 390;
	const plotLeft = labelWidth + 10;
	const plotRight = width - 20;
	const rowHeight = 30;
	const groupGap = 34;
	const top = 70;
	const groups = [...new Set(rows.map((row) => row.group))];
	const values = rows.flatMap((row) => [row.seq?.p5, row.seq?.p99, row.conc?.p5, row.conc?.p99].filter((v): v is number => v !== undefined && v > 0));
	const min = Math.pow(10, Math.floor(Math.log10(Math.max(0.5, Math.min(...values, 10)))));
	const max = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 100))));
	const scale = (v: number) => plotLeft + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (plotRight - plotLeft);
	const height = top + groups.length * groupGap + rows.length * rowHeight + 40;
	const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
	const svg: string[] = [];
	svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
	svg.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
	svg.push(`<text x="10" y="22" font-size="16" font-weight="bold">Acknowledgement latency (ms, log scale), ${esc(generated.toISOString().slice(0, 10))}</text>`);
	svg.push(`<text x="10" y="42" fill="#444">bar: p5–p99 · box: p25–p75 · tick: median · dot: p90. Upper bar (blue): sequential 0.5 KB; lower bar (orange): 20 connections.</text>`);
	// Grid.
	const ticks: number[] = [];
	for (let decade = min; decade <= max; decade *= 10) for (const m of [1, 2, 5]) if (decade * m <= max) ticks.push(decade * m);
	for (const tick of ticks) {
		const px = scale(tick).toFixed(1);
		svg.push(`<line x1="${px}" y1="${top - 8}" x2="${px}" y2="${height - 30}" stroke="#e3e3e3"/>`);
		svg.push(`<text x="${px}" y="${height - 14}" text-anchor="middle" fill="#555">${tick >= 1 ? tick : tick.toFixed(1)}</text>`);
	}
	let y = top;
	const bar = (d: Distribution, cy: number, color: string) => {
		svg.push(`<line x1="${scale(d.p5).toFixed(1)}" y1="${cy}" x2="${scale(d.p99).toFixed(1)}" y2="${cy}" stroke="${color}" stroke-width="1.5"/>`);
		svg.push(`<rect x="${scale(d.p25).toFixed(1)}" y="${cy - 4}" width="${Math.max(1, scale(d.p75) - scale(d.p25)).toFixed(1)}" height="8" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`);
		svg.push(`<line x1="${scale(d.p50).toFixed(1)}" y1="${cy - 6}" x2="${scale(d.p50).toFixed(1)}" y2="${cy + 6}" stroke="#000" stroke-width="2"/>`);
		svg.push(`<circle cx="${scale(d.p90).toFixed(1)}" cy="${cy}" r="2.5" fill="${color}"/>`);
		svg.push(`<text x="${(scale(d.p99) + 4).toFixed(1)}" y="${cy + 4}" font-size="10" fill="#333">${ms(d.p50)}</text>`);
	};
	for (const group of groups) {
		svg.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(group)}</text>`);
		y += groupGap - 10;
		for (const row of rows.filter((candidate) => candidate.group === group)) {
			svg.push(`<text x="${labelWidth}" y="${y + 14}" text-anchor="end">${esc(row.label)}</text>`);
			if (row.seq) bar(row.seq, y + 7, '#1f77b4');
			if (row.conc) bar(row.conc, y + 19, '#ff7f0e');
			y += rowHeight;
		}
		y += 10;
	}
	svg.push('</svg>');
	return `${svg.join('\n')}\n`;
}
