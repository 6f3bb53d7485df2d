import type { RejectionReason } from '../contract/answers';

/** The README section with the table of answers and reason codes (its GitHub anchor). */
export const ANSWERS_DOC_URL = 'https://github.com/voisnap/n8n-nodes-voisnap#answers-and-error-codes';

/**
 * What to do about each refusal, for the person looking at the failed test run in n8n's editor.
 * Only the editor sees this: the HTTP answer to the sender stays short and stable (answers.ts).
 */
export const REJECTION_ADVICE: Record<RejectionReason, string> = {
	no_signing_secret:
		'Select a Voisnap credential in the node and paste the signing secret of your Voisnap webhook into it, whsec_ prefix included.',
	timestamp_missing:
		'The request has no X-Webhook-Timestamp header, so it was not sent the way Voisnap signs deliveries. Send the test event from Voisnap (a webhook pointed at the Test URL) or with npm run send-event.',
	timestamp_malformed:
		'X-Webhook-Timestamp must be whole seconds since the Unix epoch. Send the test event from Voisnap (a webhook pointed at the Test URL) or with npm run send-event.',
	timestamp_too_old:
		"The delivery was signed longer ago than the node's Timestamp Tolerance: check that the n8n server's clock is right (NTP), and send a fresh test event rather than an old one replayed.",
	timestamp_in_future:
		"The delivery was signed in the future by n8n's clock: check that the n8n server's clock is right (NTP). A timestamp in milliseconds is also refused this way; Voisnap's guide uses seconds.",
	signature_missing:
		'The request has no X-Webhook-Signature header. Send the test event from Voisnap (a webhook pointed at the Test URL) or with npm run send-event, not from a plain HTTP client.',
	signature_mismatch:
		"Check the credential's Signing Secret: paste the secret of the Voisnap webhook (endpoint) that sends to this URL, whole, whsec_ prefix included, without spaces. During a rotation put the old secret into Previous Signing Secret. A proxy that re-encodes the JSON body also breaks the signature.",
	body_not_json:
		'The body is not UTF-8 JSON. Voisnap sends Content-Type: application/json; check what sent this request.',
	body_not_object:
		'The body is JSON but not an object. A Voisnap event is an object with a "type" and a "data" field.',
	event_type_missing:
		'The body has no string "type" field. A Voisnap event is an object with a "type" (e.g. SessionEnded) and a "data" field.',
	delivery_id_missing:
		"Voisnap's guide has every delivery carry X-Webhook-Delivery-Id. For a hand-made test request add one, or turn off Deduplicate in the node's options.",
};
