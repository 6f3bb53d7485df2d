import { randomUUID } from 'node:crypto';

/** One message n8n pushed to the editor (`type` and `data`, as n8n sends them). */
export interface PushMessage {
	type: string;
	data: Record<string, unknown>;
}

/**
 * What an open editor tab is told: n8n's push channel (server-sent events; the harness starts
 * n8n with N8N_PUSH_BACKEND=sse) under one `pushRef`. A manual run started with this pushRef
 * (the `push-ref` header) reports to it: test webhook received or deleted, execution started,
 * node results, execution finished.
 */
export class EditorChannel {
	readonly pushRef = `e2e-${randomUUID()}`;
	readonly messages: PushMessage[] = [];
	private readonly controller = new AbortController();
	private readonly listeners = new Set<() => void>();

	private constructor() {}

	/** Opens the channel; resolves once n8n has accepted it. */
	static async open(baseUrl: string, headers: Record<string, string>): Promise<EditorChannel> {
		const channel = new EditorChannel();
		const response = await fetch(`${baseUrl}/rest/push?pushRef=${encodeURIComponent(channel.pushRef)}`, {
			headers: { ...headers, accept: 'text/event-stream', origin: baseUrl },
			signal: channel.controller.signal,
		});
		if (response.status !== 200 || !response.body) {
			throw new Error(`n8n refused the push channel: ${response.status} ${await response.text()}`);
		}
		void channel.read(response.body);
		return channel;
	}

	private async read(body: ReadableStream<Uint8Array>): Promise<void> {
		const decoder = new TextDecoder();
		let buffer = '';
		try {
			for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
				buffer += decoder.decode(chunk, { stream: true });
				let end: number;
				while ((end = buffer.indexOf('\n\n')) !== -1) {
					const event = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					const data = event
						.split('\n')
						.filter((line) => line.startsWith('data: '))
						.map((line) => line.slice(6))
						.join('\n');
					if (!data) continue;
					try {
						this.messages.push(JSON.parse(data) as PushMessage);
					} catch {
						this.messages.push({ type: 'unparsed', data: { text: data } });
					}
					for (const listener of this.listeners) listener();
				}
			}
		} catch {
			// Closed.
		}
	}

	/** Message types in arrival order. */
	types(): string[] {
		return this.messages.map((message) => message.type);
	}

	/** Resolves with the first message of `type` (already received or still to come). */
	waitFor(type: string, timeoutMs = 15_000): Promise<PushMessage> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const found = this.messages.find((message) => message.type === type);
				if (!found) return false;
				this.listeners.delete(listener);
				clearTimeout(timer);
				resolve(found);
				return true;
			};
			const listener = () => void check();
			const timer = setTimeout(() => {
				this.listeners.delete(listener);
				reject(new Error(`The editor was not sent "${type}" within ${timeoutMs} ms; it got: ${this.types().join(', ') || 'nothing'}`));
			}, timeoutMs);
			this.listeners.add(listener);
			check();
		});
	}

	close(): void {
		this.controller.abort();
	}
}
