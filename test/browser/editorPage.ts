import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, ElementHandle, HTTPRequest, Page } from 'puppeteer-core';

/**
 * n8n 2.x's editor as a user meets it, through the `data-test-id`s n8n's own end-to-end tests
 * use. Every step waits for what the page shows (a selector, a text), never for a fixed time:
 * a loaded 2-core machine can take seconds per page. Functions run in the page declare no named
 * helpers: tsx (npm run screenshot) would wrap them in a __name() the page does not have.
 */

/** Long enough for a busy machine (a canvas can take 10 s to appear), short enough to fail. */
const STEP_TIMEOUT_MS = 60_000;

/** How long a click gets to show its effect before it is taken as lost and made again. */
const RECLICK_AFTER_MS = 10_000;

const testId = (id: string) => `[data-test-id="${id}"]`;

/** What n8n answers the editor when it tests a credential. */
export interface CredentialTestAnswer {
	status: 'OK' | 'Error';
	message: string;
}

export class EditorPage {
	private shots = 0;

	private constructor(
		readonly page: Page,
		readonly baseUrl: string,
		private readonly screenshotDir: string,
	) {}

	static async open(browser: Browser, baseUrl: string, screenshotDir: string): Promise<EditorPage> {
		mkdirSync(screenshotDir, { recursive: true });
		const page = await browser.newPage();
		page.setDefaultTimeout(STEP_TIMEOUT_MS);
		// Leaving a workflow with unsaved changes asks "leave the page?" (beforeunload): a user
		// would confirm, and an unanswered dialog would block every later navigation.
		page.on('dialog', (dialog) => void dialog.accept());
		return new EditorPage(page, baseUrl, screenshotDir);
	}

	/** Saves a screenshot as `<NN>-<name>.png` (numbered in the order taken) and returns its path. */
	async screenshot(name: string): Promise<string> {
		const path = join(this.screenshotDir, `${String(++this.shots).padStart(2, '0')}-${name}.png`);
		await this.page.screenshot({ path });
		return path;
	}

	async signIn(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.waitForSelector('input[name=emailOrLdapLoginId]');
		await this.page.type('input[name=emailOrLdapLoginId]', email);
		await this.page.type('input[name=password]', password);
		await this.page.click(testId('form-submit-button'));
		await this.page.waitForFunction(() => !location.pathname.startsWith('/signin'));
	}

	async openWorkflow(workflowId: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/${workflowId}`);
		await this.page.waitForSelector(testId('canvas-node'));
	}

	/** A new, empty workflow, with the node creator open on "What triggers this workflow?". */
	async newWorkflowWithNodeCreator(): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/new`);
		await this.page.waitForSelector(testId('canvas-add-button'));
		await this.page.click(testId('canvas-add-button'));
		await this.page.waitForSelector(testId('node-creator-search-bar'));
	}

	/** Types into the node creator's search and returns the items it lists (name and description). */
	async searchNodeCreator(term: string): Promise<Array<{ name: string; description: string }>> {
		await this.page.click(testId('node-creator-search-bar'));
		await this.page.keyboard.type(term);
		await this.page.waitForFunction(
			(itemSelector, wanted) =>
				Array.from(document.querySelectorAll(itemSelector)).some((item) => item.textContent?.toLowerCase().includes(wanted)),
			{},
			testId('node-creator-item-name'),
			term.toLowerCase(),
		);
		return this.page.$$eval(testId('item-iterator-item'), (items) =>
			items.map((item) => ({
				name: item.querySelector('[data-test-id="node-creator-item-name"]')?.textContent?.trim() ?? '',
				description: item.querySelector('[data-test-id="node-creator-item-description"]')?.textContent?.trim() ?? '',
			})),
		);
	}

	/** Clicks a node creator item, then one of the trigger actions it offers; the node details open. */
	async addTrigger(itemName: string, actionName: string): Promise<string[]> {
		await this.clickText(testId('node-creator-item-name'), itemName);
		await this.waitForText(testId('node-creator'), actionName);
		const actions = await this.page.$$eval(testId('node-creator'), ([creator]) =>
			Array.from(creator.querySelectorAll('[data-test-id="node-creator-action-item"], [data-test-id="node-creator-item-name"]')).map(
				(element) => element.textContent?.trim() ?? '',
			),
		);
		await this.clickText(`${testId('node-creator')} *`, actionName);
		await this.page.waitForSelector(testId('ndv'));
		return actions;
	}

	/** The names next to the output handles of the canvas's nodes, in order (once there are `count`, if given). */
	async canvasOutputNames(count = 1): Promise<string[]> {
		await this.page.waitForFunction((selector, wanted) => document.querySelectorAll(selector).length >= wanted, {}, testId('canvas-node-output-handle'), count);
		return this.page.$$eval(testId('canvas-node-output-handle'), (handles) => handles.map((handle) => handle.textContent?.trim() ?? ''));
	}

	async canvasText(): Promise<string> {
		return this.page.$eval(testId('canvas-wrapper'), (element) => (element as HTMLElement).innerText);
	}

	/** Opens the node details view of the canvas node named `name` (default: the first node). */
	async openNode(name?: string): Promise<void> {
		const node = await this.page.waitForFunction(
			(selector, wanted) =>
				Array.from(document.querySelectorAll(selector)).find((element) => !wanted || element.textContent?.includes(wanted)) ?? false,
			{},
			testId('canvas-node'),
			name ?? '',
		);
		await (node as ElementHandle<Element>).click({ count: 2 });
		await this.page.waitForSelector(testId('ndv'));
	}

	/** Adds a boolean option of the node's Options collection (by its label) and turns it on. */
	async turnOnOption(label: string, name: string): Promise<void> {
		// "Add option" is a select of the options not set yet.
		await this.page.click(`${testId('node-parameters')} ${testId('collection-parameter-add')}`);
		await this.clickText(`${testId('collection-parameter-option')}, ${testId('collection-parameter-option')} *`, label);
		const input = testId(`parameter-input-${name}`);
		await this.page.waitForSelector(`${input} .el-switch`);
		await this.page.click(`${input} .el-switch`);
		await this.page.waitForSelector(`${input} .el-switch.is-checked`);
	}

	/** Closes n8n's notifications (toasts), e.g. before a screenshot. */
	async dismissToasts(): Promise<void> {
		for (const close of await this.page.$$('.el-notification .el-notification__closeBtn')) await close.click().catch(() => undefined);
		await this.page.waitForSelector('.el-notification', { hidden: true });
	}

	async closeNode(): Promise<void> {
		await this.page.click(testId('ndv-close-button'));
		await this.page.waitForSelector(testId('ndv'), { hidden: true });
	}

	/** The Test URL as the node's "Webhook URLs" section shows it. */
	async shownTestUrl(): Promise<string> {
		await this.clickText(`${testId('node-parameters')} *`, 'Webhook URLs');
		const handle = await this.page.waitForFunction(
			(selector) =>
				Array.from(document.querySelectorAll(`${selector} *`))
					.map((element) => element.textContent?.trim() ?? '')
					.find((text) => /^https?:\/\/\S+\/webhook-test\/\S+$/.test(text)),
			{},
			testId('node-parameters'),
		);
		return (await handle.jsonValue()) as string;
	}

	/** The trigger panel before listening, with "When will this node trigger my flow?" opened. */
	async triggerPanelHelp(): Promise<string> {
		await this.clickText(`${testId('ndv')} *`, 'When will this node trigger my flow?');
		await this.waitForText(testId('ndv'), 'Use test mode while you build your workflow');
		return this.page.$eval(testId('ndv'), (element) => (element as HTMLElement).innerText);
	}

	async nodeParametersText(): Promise<string> {
		return this.page.$eval(testId('node-parameters'), (element) => (element as HTMLElement).innerText);
	}

	/** "Execute step" in the trigger's panel, i.e. "Listen for test event"; resolves once listening. */
	async listenForTestEvent(): Promise<string> {
		await this.page.click(testId('trigger-execute-button'));
		await this.page.waitForSelector(testId('trigger-listening'));
		return this.page.$eval(testId('trigger-listening'), (element) => (element as HTMLElement).innerText);
	}

	/** The output panel's branch tabs (one per output), once the node has run. */
	async outputBranches(): Promise<string[]> {
		await this.waitForText(testId('output-panel'), 'Branch');
		return this.page.$$eval(`${testId('output-panel')} [role=tab], ${testId('output-panel')} .el-tabs__item`, (tabs) =>
			Array.from(new Set(tabs.map((tab) => tab.textContent?.trim() ?? ''))).filter((text) => text.includes('Branch')),
		);
	}

	/** Selects an output branch and shows its items as JSON; returns the text the panel shows. */
	async outputBranchJson(branchLabel: string): Promise<string> {
		// The tabs re-render as the run's data arrives, and a click on a replaced tab is lost.
		const modes = `${testId('output-panel')} ${testId('radio-button-json')}`;
		await this.clickUntil(
			() => this.clickText(`${testId('output-panel')} *`, branchLabel),
			() => this.page.waitForSelector(modes, { visible: true, timeout: RECLICK_AFTER_MS }),
		);
		await this.page.click(modes);
		await this.page.waitForFunction(
			(selector) => (document.querySelector(selector) as HTMLElement | null)?.innerText.includes('"type"'),
			{},
			testId('output-panel'),
		);
		return this.page.$eval(testId('output-panel'), (element) => (element as HTMLElement).innerText);
	}

	/** The error the output panel shows after a failed run: its message and description. */
	async nodeError(): Promise<{ message: string; description: string }> {
		await this.page.waitForSelector(testId('node-error-message'));
		// The error shows while the listening panel is still fading out; the run is over once it has.
		await this.page.waitForSelector(testId('trigger-listening'), { hidden: true });
		const text = (selector: string) =>
			this.page.$eval(selector, (element) => (element as HTMLElement).innerText.trim()).catch(() => '');
		return { message: await text(testId('node-error-message')), description: await text(testId('node-error-description')) };
	}

	/**
	 * Opens the credential selected in the open node. n8n tests a credential when its dialog
	 * opens: resolves with that test's answer.
	 */
	async openSelectedCredential(): Promise<CredentialTestAnswer> {
		const answer = this.credentialTestAnswer();
		// Right after a test run ends the panel re-renders, and a click on the replaced button is lost.
		const dialog = testId('editCredential-modal');
		await this.clickUntil(
			async () => {
				if ((await this.page.$(dialog)) === null) await this.page.click(testId('credential-edit-button'));
			},
			() => this.page.waitForSelector(dialog, { visible: true, timeout: RECLICK_AFTER_MS }),
		);
		return answer;
	}

	/**
	 * The next answer n8n gives the editor to `POST /rest/credentials/test` (the node's verdict),
	 * for a test of credential data holding `field` (name and value) when given. The editor also
	 * tests while the user types, so the data tested tells the answers apart.
	 */
	private async credentialTestAnswer(field?: [string, string]): Promise<CredentialTestAnswer> {
		const response = await this.page.waitForResponse((candidate) => isCredentialTest(candidate.request(), field));
		return ((await response.json()) as { data: CredentialTestAnswer }).data;
	}

	/**
	 * The credential dialog's test banner once it shows `expected` (a success or failure text):
	 * what the credential test answered.
	 */
	async credentialTestBanner(expected: string | RegExp): Promise<string> {
		const handle = await this.page.waitForFunction(
			(selector, source, flags) => {
				const text = (document.querySelector(selector) as HTMLElement | null)?.innerText ?? '';
				return new RegExp(source, flags).test(text) ? text : false;
			},
			{},
			testId('editCredential-modal'),
			typeof expected === 'string' ? escapeRegExp(expected) : expected.source,
			typeof expected === 'string' ? '' : expected.flags,
		);
		return (await handle.jsonValue()) as string;
	}

	/**
	 * Replaces the value of a credential field (by its property name) as a user pastes a secret:
	 * one edit. (Typed key by key, the first key re-renders a password field and the rest are lost.)
	 */
	async setCredentialField(name: string, value: string): Promise<void> {
		const selector = `${testId('editCredential-modal')} ${testId(`parameter-input-${name}`)} input`;
		const input = await this.page.waitForSelector(selector);
		await input!.click();
		await input!.evaluate((element, text) => {
			(element as HTMLInputElement).select();
			document.execCommand(text ? 'insertText' : 'delete', false, text);
		}, value);
		await this.page.waitForFunction(
			(sel, text) => (document.querySelector(sel) as HTMLInputElement | null)?.value === text,
			{},
			selector,
			value,
		);
	}

	/** Saves the credential; n8n tests it again: resolves with the answer for data holding `field`. */
	async saveCredential(field: [string, string]): Promise<CredentialTestAnswer> {
		const answer = this.credentialTestAnswer(field);
		await this.page.click(testId('credential-save-button'));
		return answer;
	}

	/**
	 * The credential dialog's "Retry" button: runs the credential test again. Resolves with what
	 * n8n answered the editor (`POST /rest/credentials/test`: the node's `credentialTest` verdict).
	 */
	async retryCredentialTest(field?: [string, string]): Promise<CredentialTestAnswer> {
		const answer = this.credentialTestAnswer(field);
		// The banner re-renders when a test answer arrives; a click on the button it replaced is lost.
		await this.clickUntil(
			() => this.clickText(`${testId('editCredential-modal')} button`, 'Retry'),
			() => this.page.waitForRequest((request) => isCredentialTest(request, field), { timeout: RECLICK_AFTER_MS }),
		);
		return answer;
	}

	async closeCredential(): Promise<void> {
		await this.page.keyboard.press('Escape');
		await this.page.waitForSelector(testId('editCredential-modal'), { hidden: true });
	}

	/** Clicks the "Execute workflow" button on the canvas (listens, for a webhook trigger). */
	async executeWorkflowFromCanvas(): Promise<void> {
		await this.page.click(testId('execute-workflow-button'));
	}

	/** Resolves once the element shows `text` (waits for it; fails after the step timeout). */
	async waitForText(selector: string, text: string): Promise<void> {
		await this.page.waitForFunction(
			(sel, wanted) => Array.from(document.querySelectorAll(sel)).some((element) => (element as HTMLElement).innerText?.includes(wanted)),
			{},
			selector,
			text,
		);
	}

	/**
	 * Clicks, then waits for what the click shows (which must give up after RECLICK_AFTER_MS);
	 * clicks again, at most three times in all, when it did not show: Vue replaces elements as
	 * data arrives, and a click on a replaced element is lost.
	 */
	private async clickUntil(click: () => Promise<void>, shown: () => Promise<unknown>): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			// Waiting starts before the click, so that what the click shows at once is not missed.
			const showing = shown();
			showing.catch(() => undefined);
			await click();
			try {
				await showing;
				return;
			} catch (error) {
				if (attempt === 3) throw error;
			}
		}
	}

	/**
	 * Clicks the innermost element matching `selector` whose text is exactly `text` (after
	 * trimming): the label itself rather than the panel that contains it.
	 */
	private async clickText(selector: string, text: string): Promise<void> {
		const handle = await this.page.waitForFunction(
			(sel, wanted) => {
				// Hidden copies, and a button that is disabled or still loading (its spinner in place
				// of the label), would swallow the click. (No named helpers in here: tsx would wrap
				// them in a __name() call that does not exist in the page.)
				const matches = Array.from(document.querySelectorAll(sel)).filter((element) => {
					const { width, height } = element.getBoundingClientRect();
					const button = element.closest('button');
					const busy = button !== null && (button.disabled || button.querySelector('[data-icon="loader"]') !== null);
					return element.textContent?.trim() === wanted && width > 0 && height > 0 && !busy;
				});
				return matches.find((element) => !matches.some((other) => other !== element && element.contains(other))) ?? false;
			},
			{},
			selector,
			text,
		);
		await (handle as ElementHandle<Element>).click();
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A credential test the editor sent, of data holding `field` (name and value) when given. */
function isCredentialTest(request: HTTPRequest, field?: [string, string]): boolean {
	if (!request.url().endsWith('/rest/credentials/test')) return false;
	return !field || (request.postData() ?? '').includes(`${JSON.stringify(field[0])}:${JSON.stringify(field[1])}`);
}
