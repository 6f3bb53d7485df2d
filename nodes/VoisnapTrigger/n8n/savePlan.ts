import type { AnswerPath } from './answerPath';

/**
 * The one place that decides who saves a delivery's id into static data, and when. Whatever
 * n8n saves is the trigger's memory as of that save (n8n/staticDataMemory.ts): the question is
 * only which writes mark static data changed, so that n8n saves it, and whether that save may
 * hold the accepted delivery before its claim is confirmed.
 *
 * | n8n, mode                 | the id reaches the database with            | when                                   | the save holds                       |
 * | ------------------------- | ------------------------------------------- | -------------------------------------- | ------------------------------------ |
 * | 2.8+, queue (webhook proc)| the request's save, marked by the answer's  | after the insert and the enqueue,      | the memory, the delivery confirmed   |
 * |                           | getter (starting the run cleared the mark)  | before the 200                         | by that same getter                  |
 * | 2.8+, regular, 1st deliv. | the same                                    | after the insert, before the 200       | the same                             |
 * | 2.8+, regular, once runs  | the run's end-of-run save, marked by the    | at the end of the run, after the 200   | the memory, the delivery confirmed   |
 * | are seen here (runsSave)  | execution's first step                      |                                        | by that step                         |
 * | 1.x (and 2.0-2.7), regular| the request's save, marked on accepting     | right after the step's 200 (n8n saves  | the memory, the delivery confirmed   |
 * |                           |                                             | once the execution step has answered)  | by the step                          |
 * | 1.x (2.0-2.7), queue      | the same                                    | right after the relayed 200            | the memory plus the delivery (its    |
 * |                           |                                             |                                        | claim is confirmed by the 200 after) |
 * | fallback (atOnce), regular| the run's end-of-run save, marked by the    | at the end of the run, after the 200   | the memory, the delivery confirmed   |
 * |                           | execution's first step                      |                                        | by that step                         |
 * | fallback (atOnce), queue  | the next delivery's save                    | n8n's next save of static data         | the memory, confirmed deliveries only|
 * | any, a queue-mode worker  | nothing: the run's static data gets the     | only if a later node writes static     | what the run loaded, plus the        |
 * |                           | memory unmarked                             | data                                   | worker's own memory                  |
 *
 * A save never holds an accepted delivery n8n may not hold yet: on 2.x the getter confirms it
 * only once n8n has stored the execution; on 1.x n8n saves only after the execution answered.
 * Each process's save holds what it loaded and what it knows, and n8n saves whole, so one
 * process per trigger must receive its deliveries for the last save to hold them all
 * (docs/queue-mode.md, "The load balancer").
 */
export interface SavePlan {
	/** `webhook()`, on accepting: mark static data, for n8n's save that follows its answer. */
	markOnAccept: boolean;
	/** That save holds the accepted delivery while its claim is still open. */
	holdsOwnDelivery: boolean;
	/** n8n 2.x's read of the answer: mark static data again. */
	markOnAnswerRead: boolean;
	/** The execution's first step: mark the run's static data (saved at the end of the run), or keep it unmarked. */
	markInRun: boolean;
	/** The id is saved as part of answering its delivery: it is then watched for overwrites. */
	savedWithAnswer: boolean;
}

interface WhereSeen {
	/** `webhook()` accepts this trigger's deliveries in this process. */
	readonly receivesDeliveries: boolean;
	/** Its runs here save the memory at their end. */
	runsSave: boolean;
}

/** Paths on which runs in the process that accepted the delivery save the memory at their end. */
function runsCanSave(path: AnswerPath): boolean {
	// afterStoring: keeps that write off the answer's path. atOnce: n8n's save for the request
	// comes before it holds the execution, so the run's own save is the first that may hold the
	// delivery; the tail of a burst must not wait for a next delivery that may never come.
	return path === 'afterStoring' || path === 'atOnce';
}

/**
 * For the execution's first step: in a process that also accepts the trigger's deliveries (regular
 * mode), on the paths above, runs save the memory from now on.
 */
export function planForRun(path: AnswerPath, where: WhereSeen): SavePlan {
	if (runsCanSave(path) && where.receivesDeliveries) where.runsSave = true;
	return savePlan(path, where);
}

export function savePlan(path: AnswerPath, where: WhereSeen): SavePlan {
	const runsSave = runsCanSave(path) && where.receivesDeliveries && where.runsSave;
	return {
		markOnAccept: path !== 'afterStoring',
		holdsOwnDelivery: path === 'fromExecution',
		markOnAnswerRead: path === 'afterStoring' && !runsSave,
		markInRun: runsSave,
		savedWithAnswer: path !== 'atOnce' && !runsSave,
	};
}
