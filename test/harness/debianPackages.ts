import { existsSync, rmSync, writeFileSync } from 'node:fs';

import { run } from './processes';

/**
 * Installs Debian packages the queue-mode harness needs (postgresql, redis-server) when a
 * program of theirs is missing, with `apt-get install -y` as root: a fresh CI machine has
 * neither. Measured here: redis-server 16 s, postgresql 13 s (51 MB with its libraries; timed as a
 * reinstall), plus 3 s of `apt-get update`.
 * Services the packages would start (on their default ports 5432 and 6379) are not started:
 * while installing, a policy-rc.d that denies every start is put in place if the machine has
 * none (Docker images, like this one, already have it).
 */

export interface DebianPackage {
	name: string;
	/** Installed when this returns false. */
	present: () => boolean;
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

let installing: Promise<void> = Promise.resolve();

export function ensureDebianPackages(packages: DebianPackage[]): Promise<void> {
	// One apt-get at a time in this process (dpkg holds a lock anyway).
	const next = installing.then(() => installMissing(packages));
	installing = next.catch(() => undefined);
	return next;
}

async function installMissing(packages: DebianPackage[]): Promise<void> {
	const missing = packages.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
	if (missing.length === 0) return;
	if (process.getuid?.() !== 0) {
		throw new Error(`Queue mode needs Debian's ${missing.join(' and ')}: run \`sudo apt-get install -y ${missing.join(' ')}\``);
	}
	const started = Date.now();
	process.stderr.write(`[harness] installing ${missing.join(', ')} with apt-get (about a minute on a fresh machine)\n`);
	const ownPolicy = !existsSync(POLICY_RC_D);
	if (ownPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# Written by the n8n-nodes-voisnap test harness while it installs packages.\nexit 101\n', { mode: 0o755 });
	try {
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		const aptOptions = ['-o', 'DPkg::Lock::Timeout=300', '-q'];
		await run('apt-get', [...aptOptions, 'update'], { env });
		await run('apt-get', [...aptOptions, 'install', '-y', '--no-install-recommends', ...missing], { env });
	} finally {
		if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
	}
	const still = packages.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
	if (still.length > 0) throw new Error(`apt-get installed ${missing.join(', ')} but ${still.join(', ')} is still missing`);
	process.stderr.write(`[harness] installed ${missing.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
