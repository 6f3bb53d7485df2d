/**
 * Installs Debian's Chromium for the browser tests when it is missing (about 40 s from cold:
 * apt-get update plus ~120 MB of packages), with the harness's one installer of Debian packages
 * (as root, or through sudo). Run by scripts/ensure-chromium.sh.
 */
import { existsSync } from 'node:fs';

import { ensureDebianPackages } from '../test/harness/debianPackages';

const CHROMIUM = '/usr/bin/chromium';

ensureDebianPackages([{ name: 'chromium', present: () => existsSync(CHROMIUM), withRecommends: true }]).catch((error: unknown) => {
	console.error(`[setup] ${(error as Error).message}`);
	process.exit(1);
});
