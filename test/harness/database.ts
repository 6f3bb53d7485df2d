import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { N8nInstall } from './install';
import type { PostgresConnection } from './postgres';

/** Where `database-reader.cjs` lives (plain JS: it runs under n8n's own Node.js). */
const READER = join(__dirname, 'database-reader.cjs');
/** Its Postgres counterpart (queue mode). */
const POSTGRES_READER = join(__dirname, 'postgres-reader.cjs');

/** One node's first run in an execution, as n8n stored it. */
export interface NodeRun {
	executionStatus: string | null;
	/** JSON of the items per output index: `outputs[i]` is what left output `i`. */
	outputs: Array<Array<Record<string, unknown>>>;
	error: string | null;
	errorDescription: string | null;
}

export interface StoredExecution {
	id: string;
	workflowId: string;
	/** new | running | success | error | canceled | crashed | waiting */
	status: string;
	/** webhook (production URL) | manual (test URL) | ... */
	mode: string;
	finished: number | boolean;
	startedAt: string | null;
	stoppedAt: string | null;
	createdAt: string;
	nodes: Record<string, NodeRun>;
	/** The execution's error message (resultData.error), if any. */
	error: string | null;
	lastNodeExecuted: string | null;
	/** Postgres only: JSON of the items still waiting to run (an execution no worker ran). */
	queuedItems?: Array<Record<string, unknown>>;
}

export interface ExecutionCounts {
	total: number;
	/** Executions still `new` or `running`. */
	pending: number;
	byStatus: Record<string, number>;
}

export interface StoredWorkflow {
	id: string;
	name: string;
	active: number;
	activeVersionId?: string | null;
}

type Request =
	| { op: 'executions'; workflowId?: string }
	| { op: 'counts'; workflowId?: string }
	| { op: 'staticData'; workflowId: string }
	| { op: 'workflows' }
	| { op: 'activate'; ids: string[] };

/**
 * n8n's SQLite database, read with n8n's own Node.js, `sqlite3` and `flatted` in a helper
 * process that stays up (one JSON request per line, answered in order), so that polling costs
 * milliseconds, not a Node.js start. Safe while n8n runs (read-only, with a busy timeout);
 * `activate` writes and is for before `n8n start` only. `close()` ends the helper; it also
 * ends on its own when this process goes (its stdin closes).
 */
export class N8nDatabase {
	private reader: ChildProcessWithoutNullStreams | undefined;
	private readonly waiting: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void; op: string }> = [];

	constructor(
		private readonly install: N8nInstall,
		readonly path: string,
		private readonly readerArgs: string[] = [READER, install.n8nDir, path],
	) {}

	/** n8n's Postgres database (queue mode); `path` is then a description, not a file. */
	static postgres(install: N8nInstall, connection: PostgresConnection): N8nDatabase {
		const description = `postgres://${connection.user}@${connection.host}:${connection.port}/${connection.database}`;
		return new N8nDatabase(install, description, [POSTGRES_READER, install.n8nDir, JSON.stringify(connection)]);
	}

	private start(): ChildProcessWithoutNullStreams {
		const reader = spawn(this.install.node, this.readerArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
		let stderr = '';
		reader.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		createInterface({ input: reader.stdout }).on('line', (line) => {
			const pending = this.waiting.shift();
			if (!pending) return;
			if (this.waiting.length === 0) this.hold(reader, false);
			let answer: unknown;
			try {
				answer = JSON.parse(line);
			} catch {
				pending.reject(new Error(`database reader (${pending.op}) printed ${line}`));
				return;
			}
			if (answer && typeof answer === 'object' && 'error' in answer) {
				pending.reject(new Error(`database reader (${pending.op}): ${(answer as { error: string }).error}`));
			} else pending.resolve(answer);
		});
		reader.once('exit', (code, signal) => {
			if (this.reader === reader) this.reader = undefined;
			for (const pending of this.waiting.splice(0)) {
				pending.reject(new Error(`database reader exited (${signal ?? code}) during ${pending.op}: ${stderr}`));
			}
		});
		this.hold(reader, false);
		return reader;
	}

	/** Keeps this process alive while an answer is awaited, and only then. */
	private hold(reader: ChildProcessWithoutNullStreams, busy: boolean): void {
		const method = busy ? 'ref' : 'unref';
		reader[method]();
		for (const stream of [reader.stdin, reader.stdout, reader.stderr]) {
			(stream as unknown as Record<string, (() => void) | undefined>)[method]?.call(stream);
		}
	}

	private query<T>(request: Request): Promise<T> {
		this.reader ??= this.start();
		const reader = this.reader;
		return new Promise<T>((resolve, reject) => {
			this.waiting.push({ resolve: resolve as (value: unknown) => void, reject, op: request.op });
			this.hold(reader, true);
			reader.stdin.write(`${JSON.stringify(request)}\n`);
		});
	}

	/** Ends the helper process. */
	close(): void {
		this.reader?.stdin.end();
		this.reader = undefined;
	}

	executions(workflowId?: string): Promise<StoredExecution[]> {
		return this.query({ op: 'executions', workflowId });
	}

	counts(workflowId?: string): Promise<ExecutionCounts> {
		return this.query({ op: 'counts', workflowId });
	}

	staticData(workflowId: string): Promise<Record<string, unknown> | null> {
		return this.query({ op: 'staticData', workflowId });
	}

	workflows(): Promise<StoredWorkflow[]> {
		return this.query({ op: 'workflows' });
	}

	activate(ids: string[]): Promise<{ activated: number }> {
		return this.query({ op: 'activate', ids });
	}
}
