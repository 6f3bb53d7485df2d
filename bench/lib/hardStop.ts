/**
 * The benchmark's last resort: after a fixed time every n8n (or queue cluster) still running is
 * stopped and the process exits, whatever hangs. The harness also kills its process groups
 * when this process exits.
 */
interface Stoppable {
	stop(): Promise<void>;
}

const running = new Set<Stoppable>();

/** Registers something to stop at the hard stop; returns a function that unregisters it. */
export function stopAtHardStop(thing: Stoppable): () => void {
	running.add(thing);
	return () => running.delete(thing);
}

/** Arms the hard stop; the returned function disarms it (call it when done). */
export function armHardStop(seconds: number, log: (message: string) => void): () => void {
	const timer = setTimeout(async () => {
		log(`hard stop after ${seconds} s: stopping what runs and exiting`);
		await Promise.allSettled([...running].map((thing) => thing.stop()));
		process.exit(2);
	}, seconds * 1000);
	timer.unref();
	return () => clearTimeout(timer);
}
