import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); puppeteer never downloads one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps trying to
 * reach Google's hosts (refused here, many at a time). --no-sandbox because tests run as root.
 */
const CHROMIUM_FLAGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-dev-shm-usage',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-default-apps',
	'--window-size=1440,900',
];

export interface LaunchedBrowser {
	browser: Browser;
	close(): Promise<void>;
}

/** A headless Chromium with an empty profile, removed on close. */
export async function launchChromium(): Promise<LaunchedBrowser> {
	if (!existsSync(CHROMIUM_PATH)) {
		throw new Error(`No Chromium at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (apt-get install chromium) or set CHROMIUM_PATH`);
	}
	const profile = mkdtempSync(join(tmpdir(), 'voisnap-chromium-'));
	const browser = await puppeteer.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		userDataDir: profile,
		args: CHROMIUM_FLAGS,
		defaultViewport: { width: 1440, height: 900 },
		protocolTimeout: 120_000,
	});
	return {
		browser,
		async close() {
			await browser.close().catch(() => undefined);
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
