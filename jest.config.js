/** Unit tests run in-process in seconds; end-to-end tests drive a real n8n (see test/e2e). */
const tsJest = ['ts-jest', { tsconfig: 'test/tsconfig.json' }];

module.exports = {
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
			// Each file starts its own n8n (~1 GB): run them with --runInBand (scripts/test.sh).
		},
		{
			// One n8n release and install route per run: `npm run test:compat` (scripts/compat.sh),
			// never part of `npm test`.
			displayName: 'compat',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/compat/**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
	],
};
