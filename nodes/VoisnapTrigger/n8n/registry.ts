import { LruMap } from '../contract/lruMap';
import { TriggerMemory } from '../contract/triggerMemory';
import type { AnswerPath } from './answerPath';
import type { SecretsEntry } from './credentials';

/**
 * Everything the Voisnap Trigger keeps in an n8n process, in one place: the node's module
 * state has no other owner. Per trigger (bounded: deleted workflows must not grow it forever):
 *
 * | field      | keyed by                                  | holds                                              |
 * | ---------- | ----------------------------------------- | -------------------------------------------------- |
 * | `memories` | workflow id + the node's webhook id       | TriggerMemory: remembered deliveries, open claims, |
 * |            |                                           | saves watched for overwrites                       |
 * | `secrets`  | workflow id + node id + credential id     | the signing secrets, loaded at most every few s    |
 * | `answerPath` | (one per process)                       | how accepted deliveries are answered here          |
 */
export const registry: {
	memories: LruMap<TriggerMemory>;
	secrets: LruMap<SecretsEntry>;
	/** Chosen on first use from n8n's version (answerPath.ts); lowered only on evidence. */
	answerPath: AnswerPath | undefined;
} = {
	memories: new LruMap<TriggerMemory>(),
	secrets: new LruMap<SecretsEntry>(),
	answerPath: undefined,
};

export function memoryOf(workflowId: string | undefined, webhookId: string): TriggerMemory {
	return registry.memories.obtain(`${workflowId ?? ''}/${webhookId}`, () => new TriggerMemory());
}
