import { DEFAULT_TOLERANCE_SECONDS } from '../../nodes/VoisnapTrigger/contract/constants';
import { checkTimestamp } from '../../nodes/VoisnapTrigger/contract/timestamp';

const NOW = 1_764_201_600;
const TOLERANCE = DEFAULT_TOLERANCE_SECONDS;

const check = (header: string | undefined, tolerance = TOLERANCE) => checkTimestamp(header, NOW, tolerance);

describe('checkTimestamp', () => {
	it('the default tolerance is 300 seconds', () => {
		expect(DEFAULT_TOLERANCE_SECONDS).toBe(300);
	});

	it('now is accepted and its value returned', () => {
		expect(check(String(NOW))).toEqual({ valid: true, seconds: NOW });
	});

	it('leading zeros are still whole decimal seconds', () => {
		expect(check(`000${NOW}`)).toEqual({ valid: true, seconds: NOW });
	});

	it('missing: timestamp_missing', () => {
		expect(check(undefined)).toEqual({ valid: false, reason: 'timestamp_missing' });
	});

	it('empty: timestamp_missing', () => {
		expect(check('')).toEqual({ valid: false, reason: 'timestamp_missing' });
	});

	it.each([
		['a fraction', '1.5'],
		['a fraction of now', `${NOW}.0`],
		['a negative number', '-5'],
		['an explicit plus sign', `+${NOW}`],
		['leading white space', ' 123'],
		['trailing white space', `${NOW} `],
		['a trailing newline', `${NOW}\n`],
		['an exponent', '1e9'],
		['letters', 'abc'],
		['hexadecimal', '0x10'],
		['an ISO date', '2025-11-27T00:00:00Z'],
		['only white space', '   '],
		['full-width digits', '１７６４２０１６００'],
		['Arabic-Indic digits', '١٧٦٤٢٠١٦٠٠'],
		['two values (header sent twice)', `${NOW}, ${NOW}`],
		['16 digits (microseconds)', String(NOW * 1_000_000)],
		['Infinity', 'Infinity'],
	])('%s: timestamp_malformed', (_case, header) => {
		expect(check(header)).toEqual({ valid: false, reason: 'timestamp_malformed' });
	});

	it('milliseconds are not guessed at: far in the future', () => {
		expect(check(String(NOW * 1000))).toEqual({ valid: false, reason: 'timestamp_in_future' });
	});

	it('zero is far too old', () => {
		expect(check('0')).toEqual({ valid: false, reason: 'timestamp_too_old' });
	});

	describe('the tolerance, past and future alike', () => {
		it('exactly the tolerance in the past is accepted', () => {
			expect(check(String(NOW - TOLERANCE))).toEqual({ valid: true, seconds: NOW - TOLERANCE });
		});

		it('one second more in the past: timestamp_too_old', () => {
			expect(check(String(NOW - TOLERANCE - 1))).toEqual({ valid: false, reason: 'timestamp_too_old' });
		});

		it('exactly the tolerance in the future is accepted', () => {
			expect(check(String(NOW + TOLERANCE))).toEqual({ valid: true, seconds: NOW + TOLERANCE });
		});

		it('one second more in the future: timestamp_in_future', () => {
			expect(check(String(NOW + TOLERANCE + 1))).toEqual({ valid: false, reason: 'timestamp_in_future' });
		});
	});

	describe('a custom tolerance', () => {
		it.each([
			[NOW - 10, { valid: true, seconds: NOW - 10 }],
			[NOW - 11, { valid: false, reason: 'timestamp_too_old' }],
			[NOW + 10, { valid: true, seconds: NOW + 10 }],
			[NOW + 11, { valid: false, reason: 'timestamp_in_future' }],
		])('tolerance 10 s, timestamp %d: %j', (seconds, expected) => {
			expect(check(String(seconds), 10)).toEqual(expected);
		});

		it('a tolerance wider than the default accepts what the default rejects', () => {
			expect(check(String(NOW - 3600), 3600)).toEqual({ valid: true, seconds: NOW - 3600 });
			expect(check(String(NOW - 3600))).toEqual({ valid: false, reason: 'timestamp_too_old' });
		});
	});
});
