import { SAVES_LAND_WITHIN_MS, TrailingSave } from '../../nodes/VoisnapTrigger/contract/trailingSave';

const MS = 1_764_201_600_000;

describe('TrailingSave: the last answer of a burst is followed by one more save', () => {
	it('a first answer, and answers further apart than SAVES_LAND_WITHIN_MS, need nothing more', () => {
		const trailing = new TrailingSave();
		expect(trailing.answering(MS).closeToPrevious).toBe(false);
		expect(trailing.answering(MS + SAVES_LAND_WITHIN_MS).closeToPrevious).toBe(false);
		expect(trailing.answering(MS + 3 * SAVES_LAND_WITHIN_MS).closeToPrevious).toBe(false);
	});

	it('answers close together: only the one no answer followed is the last', () => {
		const trailing = new TrailingSave();
		const first = trailing.answering(MS);
		const second = trailing.answering(MS + 5);
		const third = trailing.answering(MS + SAVES_LAND_WITHIN_MS);
		expect([second.closeToPrevious, third.closeToPrevious]).toEqual([true, true]);
		expect([first, second, third].map((turn) => trailing.isLast(turn))).toEqual([false, false, true]);
		const fourth = trailing.answering(MS + SAVES_LAND_WITHIN_MS + 1);
		expect([trailing.isLast(third), trailing.isLast(fourth)]).toEqual([false, true]);
	});
});
