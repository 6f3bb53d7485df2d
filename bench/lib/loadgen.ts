/**
 * A small HTTP load generator for the n8n part of the benchmark: node:http with keep-alive
 * agents, loopback targets only, bounded in request count and in time, so that it always
 * stops by itself. Latency is the acknowledgement latency a sender sees: from writing the
 * request to having read the whole answer.
 */
import http from 'node:http';

export interface Delivery {
	headers: Record<string, string>;
	body: Buffer;
}

export interface Reply {
	status: number;
	/** Milliseconds from sending to the answer read in full. */
	ms: number;
	/** When it was answered, ms since the run started. */
	at: number;
	text: string;
}

export interface RunResult {
	replies: Reply[];
	/** Wall time of the run, from the first request sent to the last answer read, in ms. */
	wallMs: number;
	/** Requests that failed at the transport level (no HTTP answer). */
	errors: number;
	stoppedBy: 'count' | 'time' | 'aborted';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function assertLoopback(url: URL): void {
	if (!LOOPBACK.has(url.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) {
		throw new Error(`the benchmark only sends to loopback addresses, not ${url.hostname}`);
	}
}

/** Per-request bound: n8n on this machine answers in milliseconds; this only guards hangs. */
const REQUEST_TIMEOUT_MS = 30_000;

function post(agent: http.Agent, url: URL, delivery: Delivery, started: bigint): Promise<Reply> {
	return new Promise((resolve, reject) => {
		const sent = process.hrtime.bigint();
		const request = http.request(
			{
				agent,
				host: url.hostname,
				port: url.port,
				path: url.pathname + url.search,
				method: 'POST',
				headers: { ...delivery.headers, 'content-length': String(delivery.body.length) },
				timeout: REQUEST_TIMEOUT_MS,
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => {
					const done = process.hrtime.bigint();
					resolve({
						status: response.statusCode ?? 0,
						ms: Number(done - sent) / 1e6,
						at: Number(done - started) / 1e6,
						text: Buffer.concat(chunks).toString('utf8'),
					});
				});
				response.on('error', reject);
			},
		);
		request.on('timeout', () => request.destroy(new Error('request timed out')));
		request.on('error', reject);
		request.end(delivery.body);
	});
}

export interface LoadOptions {
	url: string;
	/** Builds the i-th delivery (signed when it is sent, so its timestamp is fresh). */
	delivery: (i: number) => Delivery;
	/** Upper bound on requests. */
	count: number;
	/** Upper bound on the run's duration: no request is started after it. */
	timeLimitMs: number;
	/** Concurrent connections (1 = sequential). */
	connections: number;
	/** Upper bound on the request rate: request i is not sent before i / ratePerSec seconds. */
	ratePerSec?: number;
	/** Stops the run early: no request is started once it is aborted. */
	signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `connections` workers, each on its own kept-alive connection, share one request counter (and,
 * with `ratePerSec`, one schedule: a flood that never exceeds its rate).
 */
export async function runLoad(options: LoadOptions): Promise<RunResult> {
	const url = new URL(options.url);
	assertLoopback(url);
	const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
	const replies: Reply[] = [];
	let next = 0;
	let errors = 0;
	let stoppedBy: RunResult['stoppedBy'] = 'count';
	const started = process.hrtime.bigint();
	const startedMs = Date.now();
	const deadline = startedMs + options.timeLimitMs;
	const worker = async () => {
		for (;;) {
			if (options.signal?.aborted) {
				stoppedBy = 'aborted';
				return;
			}
			if (next >= options.count) return;
			if (Date.now() >= deadline) {
				stoppedBy = 'time';
				return;
			}
			const i = next++;
			if (options.ratePerSec) {
				const due = startedMs + (i * 1000) / options.ratePerSec;
				if (due > Date.now()) await sleep(due - Date.now());
				if (options.signal?.aborted || Date.now() >= deadline) {
					stoppedBy = options.signal?.aborted ? 'aborted' : 'time';
					return;
				}
			}
			try {
				replies.push(await post(agent, url, options.delivery(i), started));
			} catch {
				errors++;
				if (errors > 20) throw new Error(`more than 20 failed requests to ${url.href}`);
			}
		}
	};
	try {
		await Promise.all(Array.from({ length: options.connections }, worker));
	} finally {
		agent.destroy();
	}
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	return { replies, wallMs, errors, stoppedBy };
}

/** One request, for correctness checks. */
export async function sendOnce(targetUrl: string, delivery: Delivery): Promise<Reply> {
	const result = await runLoad({ url: targetUrl, delivery: () => delivery, count: 1, timeLimitMs: REQUEST_TIMEOUT_MS, connections: 1 });
	if (result.replies.length !== 1) throw new Error(`no answer from ${targetUrl}`);
	return result.replies[0];
}
