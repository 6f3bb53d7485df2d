/** Value of the Events option that lets every type through, future ones included. */
export const ALL_EVENTS = '*';

/** Whether the Events option selects this type. An empty selection selects nothing. */
export function selectsType(events: readonly string[], type: string): boolean {
	return events.includes(ALL_EVENTS) || events.includes(type);
}
