// Lint rules for the code that runs beside n8n, never inside it: tests, scripts, benchmarks.
// n8n's community-node rules (no node:fs, no process, no console, ...) guard what a package
// ships to n8n; these folders are not published (package.json "files": ["dist"]). They get the
// same TypeScript and JavaScript recommendations instead. Each folder's eslint.config.mjs
// re-exports this file; `npm run lint` turns on ESLint's per-folder config lookup for that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['**/*.cjs', '**/*.js'] },
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
);
