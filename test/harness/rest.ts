/**
 * The editor's side of n8n's internal REST API, as far as the tests need it: an owner, a
 * session cookie, and "Execute workflow" (which arms the test URL, /webhook-test/...).
 */

export const OWNER = {
	email: 'owner@voisnap-e2e.invalid',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'Voisnap-E2e-Passw0rd',
};

/** n8n binds the session cookie to the browser id the editor sends in this header. */
const BROWSER_ID = 'voisnap-e2e-browser';

export interface RestAnswer {
	status: number;
	body: unknown;
	text: string;
}

export class RestSession {
	private cookie: string | undefined;

	constructor(
		private readonly baseUrl: string,
		private readonly major: number,
	) {}

	/** The headers that authenticate a request as this session (cookie and browser id). */
	authHeaders(): Record<string, string> {
		const headers: Record<string, string> = { 'browser-id': BROWSER_ID };
		if (this.cookie) headers.cookie = this.cookie;
		return headers;
	}

	async request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<RestAnswer> {
		const headers = { ...this.authHeaders(), ...extraHeaders };
		if (body !== undefined) headers['content-type'] = 'application/json';
		const response = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const auth = response.headers
			.getSetCookie()
			.find((cookie) => cookie.startsWith('n8n-auth='));
		if (auth) this.cookie = auth.split(';')[0];
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// Keep the text.
		}
		return { status: response.status, body: parsed, text };
	}

	private async expectOk(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown> {
		const answer = await this.request(method, path, body, headers);
		if (answer.status !== 200) {
			throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
		}
		return (answer.body as { data?: unknown }).data;
	}

	/** Sets up the instance owner on first use, else logs in as that owner. */
	async signIn(): Promise<void> {
		const setup = await this.request('POST', '/rest/owner/setup', OWNER);
		if (setup.status === 200) return;
		await this.expectOk('POST', '/rest/login', {
			// 2.x and 1.123 take emailOrLdapLoginId; older 1.x took email.
			emailOrLdapLoginId: OWNER.email,
			email: OWNER.email,
			password: OWNER.password,
		});
	}

	/**
	 * What the editor's "Execute workflow" / "Listen for test event" sends for a workflow
	 * whose trigger is a webhook: n8n registers the test webhook and answers
	 * `{ waitingForWebhook: true }`. 2.x loads the workflow itself from the database; 1.x
	 * takes it in the body (`workflowData`), as the editor holds it. With `pushRef` (an open
	 * EditorChannel's), n8n reports the run to that channel as it would to the editor tab.
	 */
	async runManually(workflowId: string, triggerName: string, pushRef?: string): Promise<{ waitingForWebhook?: boolean }> {
		if (!this.cookie) await this.signIn();
		const triggerToStartFrom = { name: triggerName };
		const payload =
			this.major >= 2
				? { triggerToStartFrom }
				: { workflowData: await this.expectOk('GET', `/rest/workflows/${workflowId}`), triggerToStartFrom };
		const headers: Record<string, string> = pushRef ? { 'push-ref': pushRef } : {};
		return (await this.expectOk('POST', `/rest/workflows/${workflowId}/run`, payload, headers)) as { waitingForWebhook?: boolean };
	}
}
