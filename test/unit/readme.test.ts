import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README is for n8n users, one screen a section: at most 220 lines, and no measured figure
 * (latency, throughput, crash, restart or queue counts). Each figure lives once, in docs/,
 * beside the command that produces it; the README links there.
 */

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
/** The README without fenced code blocks (an example item is not a figure). */
const PROSE = README.replace(/^```[\s\S]*?^```/gm, '');

describe('README.md', () => {
	it('is at most 220 lines', () => {
		expect(README.split('\n').length - (README.endsWith('\n') ? 1 : 0)).toBeLessThanOrEqual(220);
	});

	it.each([
		['a duration in ms or µs', /\d\s*(ms|µs)\b/],
		['a rate per second', /\d\s*\/\s*s\b|deliveries\/s|executions\/s/],
		['a count out of a test run ("3 of 200")', /\d+ (to \d+ )?of (50|150|200)\b/],
		['an install size', /\d\s*GB\b/],
	])('holds no measured figure: %s', (_, pattern) => {
		expect(PROSE).not.toMatch(pattern);
	});

	it('names every install route and warns against N8N_CUSTOM_EXTENSIONS', () => {
		expect(README).toContain('mkdir -p ~/.n8n/nodes && cd ~/.n8n/nodes && npm install n8n-nodes-voisnap');
		expect(README).toContain('cd ~/.n8n/nodes && npm install /path/to/n8n-nodes-voisnap-0.2.0.tgz');
		expect(README).toContain('https://docs.n8n.io/integrations/community-nodes/installation/');
		expect(README).toContain('-v n8n_data:/home/node/.n8n');
		expect(README).toMatch(/not\*\* use `N8N_CUSTOM_EXTENSIONS`/);
	});
});
