/**
 * `npm run send-event -- <type> [options]`: signs a realistic Voisnap event, POSTs it to the
 * Voisnap Trigger, prints each request and answer, and exits 0 only when every answer is the
 * one the mode expects. See `npm run send-event -- --help`; the rules live in lib/sendEvent.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { VOISNAP_ANSWER_LIMIT_MS } from '../nodes/VoisnapTrigger/contract/constants';
import type { StartInfo } from './lib/sendEvent';
import {
	START_FILE,
	USAGE,
	UsageError,
	checkAnswers,
	describeSource,
	eventLabel,
	formatAnswerLine,
	formatRequestLine,
	missingTargetMessage,
	parseCliArgs,
	parseStartFile,
	planRequests,
	resolveFixtureName,
	resolveTarget,
} from './lib/sendEvent';
import type { PostResult } from '../test/support/signedDelivery';
import { eventFixture, eventFixtureNames, nowSeconds, postDelivery } from '../test/support/signedDelivery';

export const REPO_ROOT = resolve(__dirname, '..');

/** Longer than Voisnap's 5 s, so that a slow answer is shown (and flagged) rather than cut off. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface MainIo {
	env: Readonly<Record<string, string | undefined>>;
	out: (line: string) => void;
	err: (line: string) => void;
	/** Where `.tmp/start.json` is looked for. */
	rootDir?: string;
	/** Where a relative --fixture path is resolved (npm runs scripts from the package root). */
	cwd?: string;
}

function readStartInfo(rootDir: string): StartInfo | undefined {
	const path = join(rootDir, START_FILE);
	if (!existsSync(path)) return undefined;
	return parseStartFile(readFileSync(path, 'utf8'), path);
}

function readBody(fixture: string | undefined, type: string | undefined, cwd: string): { body: Buffer; label: string } {
	if (fixture !== undefined) {
		const path = resolve(cwd, fixture);
		if (!existsSync(path)) throw new UsageError(`No such file: ${path}`);
		const body = readFileSync(path);
		return { body, label: eventLabel(body, path) };
	}
	const name = resolveFixtureName(type as string, eventFixtureNames());
	return { body: eventFixture(name), label: name };
}

async function post(url: string, delivery: Parameters<typeof postDelivery>[1]): Promise<PostResult> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
	});
	try {
		return await Promise.race([postDelivery(url, delivery), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

function networkError(error: unknown): string {
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The whole command; returns the exit status. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
	const rootDir = io.rootDir ?? REPO_ROOT;
	const cwd = io.cwd ?? io.env.INIT_CWD ?? process.cwd();
	let prepared;
	try {
		const options = parseCliArgs(argv);
		if (options.help) {
			io.out(USAGE);
			return 0;
		}
		const resolved = resolveTarget(options, io.env, readStartInfo(rootDir));
		if (!resolved.ok) {
			io.err(missingTargetMessage(resolved.missing));
			return 2;
		}
		const { body, label } = readBody(options.fixture, options.type, cwd);
		const deliveryId = options.noDeliveryId ? null : (options.deliveryId ?? `dlv_${randomUUID()}`);
		const requests = planRequests({
			mode: options.mode,
			body,
			secret: resolved.target.secret,
			now: nowSeconds(),
			deliveryId,
			newDeliveryId: () => `dlv_${randomUUID()}`,
		});
		prepared = { options, target: resolved.target, label, deliveryId, requests };
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		io.err(`send-event: ${error.message}`);
		io.err('Run `npm run send-event -- --help` for usage.');
		return 2;
	}

	const { options, target, label, deliveryId, requests } = prepared;
	if (target.sources.url !== 'flag' || target.sources.secret !== 'flag') {
		io.out(
			`(URL from ${describeSource(target.sources.url, 'url')}, secret from ${describeSource(target.sources.secret, 'secret')})`,
		);
	}

	const answers = [];
	for (const request of requests) {
		io.out(formatRequestLine(target.url, label, request.delivery, request.note));
		const started = Date.now();
		let result: PostResult;
		try {
			result = await post(target.url, request.delivery);
		} catch (error) {
			io.out(`← no answer: ${networkError(error)}`);
			io.err(
				`✗ Could not reach ${target.url} (${networkError(error)}). Is n8n running? Start it with \`npm start\`.`,
			);
			return 1;
		}
		const elapsed = Date.now() - started;
		io.out(formatAnswerLine(result.status, result.text, elapsed));
		if (elapsed > VOISNAP_ANSWER_LIMIT_MS) {
			io.out(`  ! slower than Voisnap's ${VOISNAP_ANSWER_LIMIT_MS / 1000} s limit: Voisnap would retry this delivery`);
		}
		answers.push({ status: result.status, body: result.body });
	}

	const verdict = checkAnswers(
		answers,
		{ mode: options.mode, url: target.url, type: label, deliveryId },
		options.noDeliveryId,
	);
	if (verdict.ok) {
		io.out(`✓ ${verdict.message}`);
		return 0;
	}
	io.err(`✗ ${verdict.message}`);
	return 1;
}

if (require.main === module) {
	main(process.argv.slice(2), {
		env: process.env,
		out: (line) => console.log(line),
		err: (line) => console.error(line),
	}).then(
		(status) => {
			// Exit now: a request that timed out may still hold a socket open.
			process.exit(status);
		},
		(error: unknown) => {
			console.error(error);
			process.exitCode = 1;
		},
	);
}
