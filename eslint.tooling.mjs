// Lint rules for the code that runs beside n8n, never inside it: tests, scripts, benchmarks.
// n8n's community-node rules (no node:fs, no process, no console, ...) guard what a package
// ships to n8n; these folders are not published (package.json "files": ["dist"]). They get the
// same TypeScript and JavaScript recommendations instead, the plain CommonJS files (the
// harness's database readers, the benchmark's do-nothing triggers) included. Each folder's
// eslint.config.mjs re-exports this file; `npm run lint` turns on ESLint's per-folder config
// lookup for that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const unused = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }];

/** What Node.js provides to a CommonJS module (the subset these files may use). */
const NODE_COMMONJS_GLOBALS = Object.fromEntries(
	[
		'require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer', 'URL', 'TextDecoder',
		'TextEncoder', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'queueMicrotask',
		'structuredClone', 'fetch', 'AbortController',
	].map((name) => [name, 'readonly']),
);

export default tseslint.config(
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended],
		rules: { '@typescript-eslint/no-unused-vars': unused },
	},
	{
		files: ['**/*.js', '**/*.cjs'],
		extends: [js.configs.recommended],
		languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022, globals: NODE_COMMONJS_GLOBALS },
		rules: { 'no-unused-vars': unused },
	},
);
