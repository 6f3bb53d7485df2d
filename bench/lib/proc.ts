import { readFileSync, readdirSync } from 'node:fs';

/**
 * The n8n main process of an instance, found in /proc by its command line (`<n8n bin> start`)
 * and its environment (the instance's own user folder). Read-only: nothing is signalled.
 */
export function findN8nPid(n8nBin: string, userFolder: string): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (!cmdline.includes(n8nBin) || !cmdline.includes('start')) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (environ.includes(`N8N_USER_FOLDER=${userFolder}`)) return Number(entry);
		} catch {
			// The process went away, or is not ours to read.
		}
	}
	return undefined;
}

/** VmRSS and VmHWM (peak resident size) of a process, in MiB. */
export function residentMiB(pid: number): { rss: number; hwm: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
	return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** Clock ticks of CPU time: the whole machine's busy time, and ours (this process and everything it started). */
export interface CpuSample {
	machineBusy: number;
	machineTotal: number;
	ours: number;
}

/** utime + stime, plus the children it has waited for (whose time is then counted nowhere else). */
function ticksOf(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name, which may contain spaces: state is field 3.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
		return utime + stime + cutime + cstime;
	} catch {
		return 0;
	}
}

function descendantsOf(root: number): number[] {
	const parents = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
		} catch {
			// Gone.
		}
	}
	const found: number[] = [];
	const queue = [root];
	while (queue.length) {
		const pid = queue.pop()!;
		for (const [child, parent] of parents) {
			if (parent === pid) {
				found.push(child);
				queue.push(child);
			}
		}
	}
	return found;
}

/**
 * Where the machine's CPU time went so far: the difference of two samples tells how much of it
 * other sessions' work took meanwhile. "Ours" is this process and every process it started (n8n
 * and its task runner, queue mode's processes, Postgres, Redis, the database readers), which
 * the harness starts as its children.
 */
export function cpuSample(): CpuSample {
	const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
	const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
	const machineTotal = user + nice + system + idle + iowait + irq + softirq + steal;
	const machineBusy = machineTotal - idle - iowait;
	let ours = ticksOf(process.pid);
	for (const pid of descendantsOf(process.pid)) ours += ticksOf(pid);
	return { machineBusy, machineTotal, ours };
}

/** Cores' worth of CPU other work used between two samples. */
export function otherCores(start: CpuSample, end: CpuSample, cores: number): number {
	const total = end.machineTotal - start.machineTotal;
	if (total <= 0) return 0;
	const others = end.machineBusy - start.machineBusy - (end.ours - start.ours);
	return Math.max(0, (others / total) * cores);
}
