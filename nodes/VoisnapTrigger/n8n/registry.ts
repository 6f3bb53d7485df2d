import { LruMap } from '../contract/lruMap';
import type { RejectionAlertLimiter } from '../contract/rejectionAlerts';
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
 * | `alerts`   | workflow id + node id                     | Alert on Rejections: when each reason last alerted |
 * |            |                                           | and how many were refused since                    |
 * | `answerPath` | (one per process)                       | how accepted deliveries are answered here          |
 * | `answerPathAnnounced` | (one per process)              | the path was logged (at the first accepted delivery) |
 */
export const registry: {
	memories: LruMap<TriggerMemory>;
	secrets: LruMap<SecretsEntry>;
	alerts: LruMap<RejectionAlertLimiter>;
	/** Chosen on first use from the running n8n's release (answerPath.ts); lowered only on evidence. */
	answerPath: AnswerPath | undefined;
	answerPathAnnounced: boolean;
} = {
	memories: new LruMap<TriggerMemory>(),
	secrets: new LruMap<SecretsEntry>(),
	alerts: new LruMap<RejectionAlertLimiter>(),
	answerPath: undefined,
	answerPathAnnounced: false,
};

export function memoryOf(workflowId: string | undefined, webhookId: string): TriggerMemory {
	return registry.memories.obtain(`${workflowId ?? ''}/${webhookId}`, () => new TriggerMemory());
}
