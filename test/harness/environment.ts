import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { N8nInstall } from './install';

export type ExpressionEngine = 'default' | 'legacy';

export interface EnvironmentOptions {
	userFolder: string;
	port: number;
	brokerPort: number;
	encryptionKey: string;
	/** n8n 1.x on Node.js 20 is always run with `legacy` (see the runtime notes). */
	expressionEngine?: ExpressionEngine;
	/** Added last, so they override everything here. */
	extra?: Record<string, string>;
}

/**
 * The environment n8n runs with, for the CLI and the server alike (they must share the
 * encryption key and the user folder): headless, loopback only, no calls out, every execution
 * saved (the tests read them back), a 10 s graceful shutdown. Checked on 2.41.1 and 1.123.81.
 */
export function n8nEnvironment(install: N8nInstall, options: EnvironmentOptions): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {
		// The machine's PATH, with the n8n's own Node.js first (the task runner is started
		// with process.execPath, but npm-style helpers look on the PATH).
		PATH: `${dirname(install.node)}:${process.env.PATH ?? ''}`,
		HOME: process.env.HOME,
		TMPDIR: process.env.TMPDIR,
		LANG: process.env.LANG ?? 'C.UTF-8',
		TZ: 'UTC',
		NODE_ENV: 'production',
		N8N_USER_FOLDER: options.userFolder,
		N8N_PORT: String(options.port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `http://127.0.0.1:${options.port}/`,
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
		N8N_ENCRYPTION_KEY: options.encryptionKey,
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		// What n8n pushes to the editor can then be read with fetch (EditorChannel).
		N8N_PUSH_BACKEND: 'sse',
		// Color codes would make the log file harder to search.
		NO_COLOR: '1',
		FORCE_COLOR: '0',
	};
	if (hasModule(install, 'mcp-registry')) {
		// Otherwise 2.x calls out at boot. Releases without the module (1.x, and 2.x ones such as
		// 2.0.3, 2.7.5 and 2.20.12) reject the value as "Unknown module".
		env.N8N_DISABLED_MODULES = 'mcp-registry';
	}
	const engine = install.major < 2 ? 'legacy' : (options.expressionEngine ?? 'default');
	// 1.123.x on Node.js 20: without it import:workflow imports nothing and `n8n start` dies.
	if (engine === 'legacy') env.N8N_EXPRESSION_ENGINE = 'legacy';
	return { ...env, ...options.extra };
}

/** Whether this n8n ships the backend module `name` (`dist/modules/<name>` of the n8n package). */
export function hasModule(install: N8nInstall, name: string): boolean {
	return existsSync(join(install.n8nDir, 'node_modules', 'n8n', 'dist', 'modules', name));
}
