/** Finding configurations and their figures in the results, for the goals and the tables. */
import os from 'node:os';

import type { ConcurrentRound, ConfigResult, MachineState, TargetResult } from '../lib/results';
import type { Distribution } from '../lib/stats';
import { medianOf } from './format';

export const cfg = (target: TargetResult, key: string): ConfigResult | undefined => target.configs.find((config) => config.key === key);

/** Sequential 0.5 KB latency over all rounds. */
export const seq = (config: ConfigResult | undefined): Distribution | undefined => config?.sequential['0.5 KB']?.latency;

/** The median over the concurrent rounds of one figure (NaN when there were none). */
export const conc = (config: ConfigResult | undefined, pick: (round: ConcurrentRound) => number): number =>
	config && config.concurrent.length ? medianOf(config.concurrent.map(pick)) : NaN;

export const targetName = (target: TargetResult) => `n8n ${target.version}, ${target.settingLabel}`;

/** Other work used more than a quarter of a core meanwhile (or, unmeasured, load above the cores). */
export const busy = (state: MachineState) =>
	state.otherCores !== undefined ? state.otherCores > 0.25 : Math.max(state.loadAverage.start[0] ?? 0, state.loadAverage.end[0] ?? 0) > os.cpus().length;

export const machineNote = (state: MachineState) =>
	`load average ${state.loadAverage.start[0]?.toFixed(1) ?? '?'} → ${state.loadAverage.end[0]?.toFixed(1) ?? '?'}` +
	(state.otherCores !== undefined ? `, other work ${state.otherCores.toFixed(2)} of ${os.cpus().length} cores` : '');
