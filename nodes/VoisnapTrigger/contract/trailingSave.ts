/**
 * Where n8n saves the memory right after each execution's answer (the `fromExecution` path: n8n
 * 1.46 to 2.7, regular mode), a burst's last save can be overtaken. Every save holds the memory as
 * of the moment n8n serialises it, so a later one holds more; but n8n saves whole, with no lock,
 * and its SQLite driver can run two UPDATEs issued close together in either order
 * (docs/n8n-behaviour.md, "Saves issued close together can land in either order"). Landing last,
 * the older memory leaves the database without the burst's last deliveries until the next
 * delivery writes it back; a restart before that runs them again.
 *
 * So an answer that follows another within SAVES_LAND_WITHIN_MS is, if no answer follows it in
 * that time, followed by one more save of the whole memory (its run's own save at its end), late
 * enough for the saves before it to have landed. Answers further apart cost nothing.
 *
 *   answering(now) ──► closeToPrevious? ──no──► nothing more
 *                              │yes
 *                              └─► wait SAVES_LAND_WITHIN_MS ──► isLast(turn)? ──yes──► the run saves the memory
 *
 * Pure: the clock is passed in, the caller waits.
 */

/** Long enough for n8n's save issued before to have landed: an UPDATE of one row takes milliseconds. */
export const SAVES_LAND_WITHIN_MS = 250;

export interface AnswerTurn {
	readonly sequence: number;
	/** Another answer (so another save) came less than SAVES_LAND_WITHIN_MS before this one. */
	readonly closeToPrevious: boolean;
}

export class TrailingSave {
	private answers = 0;
	private lastAnswerMs = Number.NEGATIVE_INFINITY;

	/** An execution answers now: n8n saves right after. */
	answering(nowMs: number): AnswerTurn {
		const closeToPrevious = nowMs - this.lastAnswerMs < SAVES_LAND_WITHIN_MS;
		this.lastAnswerMs = nowMs;
		return { sequence: ++this.answers, closeToPrevious };
	}

	/** No answer came after this one: its save may have been overtaken, and none follows it. */
	isLast(turn: AnswerTurn): boolean {
		return turn.sequence === this.answers;
	}
}
