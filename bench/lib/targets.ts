/**
 * The n8n instances the benchmark starts, one after another ("targets"), and which workflows
 * each holds. A full target holds every configuration and runs the floods; a settings target
 * (an extra n8n setting, README "Performance") holds only the Voisnap Trigger, the reference
 * and the Webhook node.
 */
import { DEFAULT_MAX_ENTRIES } from '../../nodes/VoisnapTrigger/contract/constants';
import type { ExpressionEngine } from '../../test/harness';
import { BENCH_SECRET } from './bodies';
import { KNOBS } from './knobs';
import type { BenchConfig } from './workflows';
import {
	KEYS,
	chainConfig,
	noopAnswersItselfConfig,
	noopN8nAnswersConfig,
	previousConfig,
	voisnapConfig,
	webhookConfig,
} from './workflows';

export type Scope = 'full' | 'settings';

export interface TargetSpec {
	version: string;
	/** Short name: default, lazy, pool3, legacy. */
	setting: string;
	settingLabel: string;
	engine: ExpressionEngine;
	/** Added to n8n's environment. */
	env: Record<string, string>;
	scope: Scope;
}

/** n8n 2.x settings, in the order they run. */
const SETTINGS: Record<string, Omit<TargetSpec, 'version'>> = {
	default: { setting: 'default', settingLabel: 'default expression engine', engine: 'default', env: {}, scope: 'full' },
	lazy: {
		setting: 'lazy',
		settingLabel: 'default engine, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true',
		engine: 'default',
		env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
		scope: 'full',
	},
	legacy: { setting: 'legacy', settingLabel: 'N8N_EXPRESSION_ENGINE=legacy', engine: 'legacy', env: {}, scope: 'full' },
	pool3: {
		setting: 'pool3',
		settingLabel: 'default engine, N8N_EXPRESSION_ENGINE_POOL_SIZE=3',
		engine: 'default',
		env: { N8N_EXPRESSION_ENGINE_POOL_SIZE: '3' },
		scope: 'settings',
	},
};

export function targetSpecs(): TargetSpec[] {
	const specs: TargetSpec[] = [];
	for (const version of KNOBS.versions) {
		if (Number(version.split('.')[0]) >= 2) {
			for (const name of KNOBS.settings) {
				const setting = SETTINGS[name];
				if (!setting) throw new Error(`BENCH_N8N_SETTINGS: unknown setting "${name}" (known: ${Object.keys(SETTINGS).join(', ')})`);
				specs.push({ version, ...setting });
			}
		} else {
			// 1.x runs on Node.js 20, where only the legacy engine works (runtime notes).
			specs.push({ version, setting: 'legacy', settingLabel: 'legacy expression engine (the only one on Node.js 20)', engine: 'legacy', env: {}, scope: 'full' });
		}
	}
	return specs;
}

/** The workflows of one target. Every configuration is built afresh (own ids) per target. */
export function configsFor(scope: Scope): BenchConfig[] {
	const voisnapV2 = voisnapConfig(KEYS.voisnapV2, 'Voisnap Trigger (v2), store empty');
	if (scope === 'settings') return [noopN8nAnswersConfig(2), webhookConfig(), voisnapV2];
	const capLabel = (cap: number) => `Voisnap Trigger (v2), store at ${cap === DEFAULT_MAX_ENTRIES ? 'its default cap' : 'a cap'} (${cap.toLocaleString('en')} ids)`;
	return [
		noopN8nAnswersConfig(2),
		noopN8nAnswersConfig(1),
		noopAnswersItselfConfig(),
		webhookConfig(),
		voisnapV2,
		voisnapConfig(KEYS.voisnapV1, 'Voisnap Trigger (v1), store empty', { typeVersion: 1 }),
		voisnapConfig(KEYS.voisnapCap, capLabel(DEFAULT_MAX_ENTRIES), { prefill: DEFAULT_MAX_ENTRIES }),
		...KNOBS.extraCaps
			.filter((cap) => cap !== DEFAULT_MAX_ENTRIES)
			.map((cap) => voisnapConfig(`voisnap-cap-${cap}`, capLabel(cap), { prefill: cap, maxEntries: cap })),
		...(KNOBS.previousRef ? [previousConfig(KNOBS.previousRef)] : []),
		...(KNOBS.chain ? [chainConfig(BENCH_SECRET)] : []),
		// Where the Voisnap Trigger's time over the reference goes: without its memory in static
		// data (n8n then saves nothing before answering), the rest is its own work.
		{ ...voisnapConfig(KEYS.voisnapNoMemory, 'Voisnap Trigger (v2), deduplication off (no memory)', { deduplicate: false }), sequentialOnly: { count: KNOBS.seqCount } },
	];
}
