import { existsSync } from 'node:fs';

import { run } from './processes';

/**
 * Installs Debian packages the harness needs when a program of theirs is missing, with
 * `apt-get install -y`: as root, or through `sudo` otherwise (a fresh CI machine has none of
 * them). The one way the project installs system packages: postgresql and redis-server (queue
 * mode), nginx (the load balancer in front of it), chromium (the browser tests, through
 * `scripts/ensure-debian-packages.ts`). Measured here: redis-server 16 s, postgresql 13 s
 * (51 MB with its libraries; timed as a reinstall), plus 3 s of `apt-get update`.
 * Services the packages would start (postgres and redis on their default ports, nginx on port
 * 80) are not started: while installing, a policy-rc.d that denies every start is put in place
 * if the machine has none (Docker images, like this one, already have it).
 */

export interface DebianPackage {
	name: string;
	/** Installed when this returns false. */
	present: () => boolean;
	/** Also install the packages it recommends (chromium's fonts); default false. */
	withRecommends?: boolean;
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const DENY_EVERY_START = '#!/bin/sh\n# Written by the n8n-nodes-voisnap test harness while it installs packages.\nexit 101\n';

let installing: Promise<void> = Promise.resolve();

export function ensureDebianPackages(packages: DebianPackage[]): Promise<void> {
	// One apt-get at a time in this process (dpkg holds a lock anyway).
	const next = installing.then(() => installMissing(packages));
	installing = next.catch(() => undefined);
	return next;
}

/** `command` as root: directly when this process is root, else through `sudo`. */
async function asRoot(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<void> {
	const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
	if (process.getuid?.() === 0) {
		await run(command, args, { env: { ...process.env, ...env } });
		return;
	}
	// sudo asks for a password on the terminal, not on the captured streams.
	await run('sudo', ['env', ...assignments, command, ...args], { passStderr: true });
}

async function canBecomeRoot(): Promise<boolean> {
	if (process.getuid?.() === 0) return true;
	return run('sh', ['-c', 'command -v sudo']).then(
		() => true,
		() => false,
	);
}

async function installMissing(packages: DebianPackage[]): Promise<void> {
	const missing = packages.filter((pkg) => !pkg.present());
	const names = missing.map((pkg) => pkg.name);
	if (missing.length === 0) return;
	const command = `apt-get install -y ${names.join(' ')}`;
	if (!existsSync('/usr/bin/apt-get')) throw new Error(`Needs Debian's ${names.join(' and ')}, and this machine has no apt-get: install them (${command})`);
	if (!(await canBecomeRoot())) throw new Error(`Needs Debian's ${names.join(' and ')}: run \`${command}\` as root (no sudo here)`);
	const started = Date.now();
	process.stderr.write(`[harness] installing ${names.join(', ')} with apt-get${process.getuid?.() === 0 ? '' : ' (through sudo)'}\n`);
	const ownPolicy = !existsSync(POLICY_RC_D);
	if (ownPolicy) await asRoot('sh', ['-c', `printf '%s' '${DENY_EVERY_START}' > ${POLICY_RC_D} && chmod 755 ${POLICY_RC_D}`]);
	try {
		const env = { DEBIAN_FRONTEND: 'noninteractive' };
		const aptOptions = ['-o', 'DPkg::Lock::Timeout=300', '-q'];
		await asRoot('apt-get', [...aptOptions, 'update'], env);
		const plain = missing.filter((pkg) => !pkg.withRecommends).map((pkg) => pkg.name);
		const withRecommends = missing.filter((pkg) => pkg.withRecommends).map((pkg) => pkg.name);
		if (plain.length > 0) await asRoot('apt-get', [...aptOptions, 'install', '-y', '--no-install-recommends', ...plain], env);
		if (withRecommends.length > 0) await asRoot('apt-get', [...aptOptions, 'install', '-y', ...withRecommends], env);
	} finally {
		if (ownPolicy) await asRoot('rm', ['-f', POLICY_RC_D]);
	}
	const still = packages.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
	if (still.length > 0) throw new Error(`apt-get installed ${names.join(', ')} but ${still.join(', ')} is still missing`);
	process.stderr.write(`[harness] installed ${names.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
