import { createServer } from 'node:net';

const handedOut = new Set<number>();

function probe(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/**
 * A TCP port free on 127.0.0.1 now and not handed out before by this process, so that two
 * n8n instances (each needs one for HTTP and one for its task-runner broker) never collide.
 */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = await probe();
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
}
