/**
 * The Voisnap Trigger in n8n's editor, as a user meets it: a real Chromium (Debian's, driven by
 * puppeteer-core) signs in to a real n8n with the package installed from its tarball.
 *
 * n8n 2.x only: 1.x's editor is another generation of the same screens (other buttons, panels
 * and test ids), and the contract tests already cover 1.123.81 over HTTP. On 1.x this file is
 * skipped.
 *
 * Screenshots of every step land in .tmp/browser/n8n-<version>/ (a failed step as
 * `<step>-failed.png`).
 */
import { join } from 'node:path';

import { N8nInstance, REPO_DIR, ROUTE_OUTPUTS, voisnapWorkflow } from '../harness';
import { OWNER } from '../harness/rest';
import type { LaunchedBrowser } from '../browser/chromium';
import { launchChromium } from '../browser/chromium';
import { EditorPage } from '../browser/editorPage';
import { eventFixture, postDelivery, signedDelivery } from '../support/signedDelivery';
import { N8N_VERSION, START_TIMEOUT_MS, TEST_TIMEOUT_MS } from './support';

jest.setTimeout(TEST_TIMEOUT_MS);

const SECRET = 'whsec_e2eEditorSecret7c1d94a0b2e6';
const IS_N8N_2 = Number(N8N_VERSION.split('.')[0]) >= 2;
const SCREENSHOTS = join(REPO_DIR, '.tmp', 'browser', `n8n-${N8N_VERSION}`);

const workflow = voisnapWorkflow({ name: 'Voisnap in the editor', active: false });
const alerting = voisnapWorkflow({
	name: 'Voisnap with Alert on Rejections',
	active: false,
	parameters: { options: { alertOnRejections: true } },
});
const toggled = voisnapWorkflow({ name: 'Voisnap, Alert on Rejections turned on in the editor', active: false });

let n8n: N8nInstance;
let chromium: LaunchedBrowser;
let editor: EditorPage;
const started = Date.now();

/** Runs a step; on failure leaves a screenshot of what the page showed. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
	try {
		const result = await run();
		await editor.screenshot(name);
		return result;
	} catch (error) {
		await editor.screenshot(`${name}-failed`).catch(() => undefined);
		throw error;
	}
}

(IS_N8N_2 ? describe : describe.skip)(`n8n ${N8N_VERSION}: the Voisnap Trigger in the editor (Chromium)`, () => {
	beforeAll(async () => {
		n8n = await N8nInstance.start({
			version: N8N_VERSION,
			credential: { signingSecret: SECRET },
			workflows: [workflow, alerting, toggled],
			setUpOwner: true,
		});
		chromium = await launchChromium();
		editor = await EditorPage.open(chromium.browser, n8n.baseUrl, SCREENSHOTS);
		await step('signed-in', () => editor.signIn(OWNER.email, OWNER.password));
	}, START_TIMEOUT_MS);

	afterAll(async () => {
		await chromium?.close();
		await n8n?.stop();
		process.stderr.write(`[editor] browser suite on n8n ${N8N_VERSION}: ${Math.round((Date.now() - started) / 1000)} s including n8n's start\n`);
	});

	it('finds the node in the node creator under "Voisnap" and offers its events as trigger actions', async () => {
		await step('node-creator', async () => {
			await editor.newWorkflowWithNodeCreator();
			const items = await editor.searchNodeCreator('Voisnap');
			expect(items).toContainEqual({
				name: 'Voisnap',
				description: 'Starts the workflow when Voisnap sends a verified webhook event',
			});
		});
		const actions = await step('node-creator-actions', () => editor.addTrigger('Voisnap', 'On all events'));
		expect(actions).toEqual(expect.arrayContaining(['On all events', 'On session ended', 'On error']));
	});

	it('shows six outputs on the canvas, named after the event types, Other last', async () => {
		const names = await step('canvas-outputs', async () => {
			await editor.closeNode();
			return editor.canvasOutputNames();
		});
		expect(names).toEqual([...ROUTE_OUTPUTS]);
	});

	it('with Alert on Rejections on, shows a seventh output, Rejected, after the six', async () => {
		const names = await step('canvas-outputs-rejected', async () => {
			await editor.openWorkflow(alerting.id);
			return editor.canvasOutputNames();
		});
		expect(names).toEqual([...ROUTE_OUTPUTS, 'Rejected']);
	});

	it('shows the Test URL, listens, and puts a genuine signed delivery to it on the SessionEnded branch', async () => {
		await editor.openWorkflow(workflow.id);
		await editor.openNode();
		expect(await step('test-url', () => editor.shownTestUrl())).toBe(n8n.testWebhookUrl(workflow.id));

		const help = await step('trigger-help', () => editor.triggerPanelHelp());
		expect(help).toContain('Pull in a test event from Voisnap');
		expect(help).toContain('point a webhook in the Voisnap Console at it while you test');
		expect(help).toContain('npm run send-event -- --url <Test URL> --secret <signing secret>');

		const listening = await step('listening', () => editor.listenForTestEvent());
		expect(listening).toContain('Listening for test event');
		// While listening, the node's notice still says where the test event must go.
		const parameters = await editor.nodeParametersText();
		expect(parameters).toContain('send a delivery to the Test URL above: point a webhook in the Voisnap Console at it while you test');
		expect(parameters).toContain('npm run send-event -- --url <Test URL>');

		const delivery = signedDelivery({ secret: SECRET, body: eventFixture('SessionEnded'), deliveryId: 'dlv_editor_genuine' });
		const answer = await postDelivery(n8n.testWebhookUrl(workflow.id), delivery);
		expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { received: true } });

		const branches = await step('branches', () => editor.outputBranches());
		expect(branches).toEqual([
			'SessionStarted Branch',
			'SessionEnded Branch (1 item)',
			'AnalysisCompleted Branch',
			'TransferInitiated Branch',
			'Error Branch',
			'Other Branch',
		]);
		const shown = await step('session-ended-item', () => editor.outputBranchJson('SessionEnded Branch (1 item)'));
		expect(shown).toContain('"conv_01JD8Z4W6K3N5P7R9T2V4X6Z8B"');
		expect(shown).toContain('"dlv_editor_genuine"');
	});

	it('shows a tampered delivery as rejected, with the reason and what to do about it', async () => {
		await step('listening-again', () => editor.listenForTestEvent());
		const genuine = signedDelivery({ secret: SECRET, body: eventFixture('SessionEnded'), deliveryId: 'dlv_editor_tampered' });
		const tampered = { ...genuine, body: Buffer.from(genuine.body.toString('utf8').replace('184', '999')) };
		const answer = await postDelivery(n8n.testWebhookUrl(workflow.id), tampered);
		expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: { error: 'Invalid signature' } });

		const error = await step('rejected', () => editor.nodeError());
		expect(error.message).toBe('Delivery rejected with 401: Invalid signature');
		expect(error.description).toContain('signature_mismatch');
		expect(error.description).toContain('dlv_editor_tampered');
		expect(error.description).toContain('Signing Secret');
		expect(error.description).toContain('whsec_');
		expect(error.description).toContain('#answers-and-error-codes');
	});

	it("answers the credential's Test: usable as imported, refused with the reason for a secret pasted with a space", async () => {
		const usable = { status: 'OK', message: expect.stringContaining('Secret looks usable') };
		expect(await step('credential-opened', () => editor.openSelectedCredential())).toEqual(usable);
		await step('credential-tested', () => editor.credentialTestBanner('Connection tested successfully'));
		expect(await editor.retryCredentialTest()).toEqual(usable);

		const pastedWithSpace: [string, string] = ['previousSigningSecret', ' whsec_pasted_with_a_space '];
		await editor.setCredentialField(...pastedWithSpace);
		const refused = { status: 'Error', message: expect.stringContaining('Previous Signing Secret starts or ends with white space') };
		expect(await editor.saveCredential(pastedWithSpace)).toEqual(refused);
		await step('credential-refused', () => editor.credentialTestBanner(/Couldn.t connect with these settings/));
		expect(await editor.retryCredentialTest(pastedWithSpace)).toEqual(refused);

		// Put it back as the other tests found it.
		const cleared: [string, string] = ['previousSigningSecret', ''];
		await editor.setCredentialField(...cleared);
		expect(await editor.saveCredential(cleared)).toEqual(usable);
		await step('credential-usable-again', () => editor.credentialTestBanner('Connection tested successfully'));
		await editor.closeCredential();
	});

	it('says on the canvas, while listening, where the test event must go', async () => {
		await editor.openWorkflow(workflow.id);
		const canvas = await step('canvas-listening', async () => {
			await editor.executeWorkflowFromCanvas();
			await editor.waitForText('[data-test-id="canvas-wrapper"]', 'Waiting for a signed Voisnap delivery');
			return editor.canvasText();
		});
		expect(canvas).toContain('Waiting for a signed Voisnap delivery to the Test URL');
	});

	// Last: it leaves the workflow with unsaved changes, which would stop a later navigation.
	it('turning Alert on Rejections on in the Options adds the seventh output, Rejected', async () => {
		await editor.openWorkflow(toggled.id);
		expect(await editor.canvasOutputNames()).toEqual([...ROUTE_OUTPUTS]);
		const names = await step('option-turned-on', async () => {
			await editor.openNode();
			await editor.turnOnOption('Alert on Rejections', 'alertOnRejections');
			await editor.closeNode();
			return editor.canvasOutputNames(ROUTE_OUTPUTS.length + 1);
		});
		expect(names).toEqual([...ROUTE_OUTPUTS, 'Rejected']);
	});
});
