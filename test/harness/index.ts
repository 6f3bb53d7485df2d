/**
 * Drives a real n8n with this package installed the way users install it. Used by the
 * end-to-end tests (jest, ts-jest) and by scripts run with `npx tsx` (npm start, benchmarks).
 * See README.md in this folder.
 */
export type { ExecutionCounts, NodeRun, StoredExecution, StoredWorkflow } from './database';
export { N8nDatabase } from './database';
export type { PushMessage } from './editor';
export { EditorChannel } from './editor';
export type { ExpressionEngine } from './environment';
export { n8nEnvironment } from './environment';
export type { N8nInstall } from './install';
export { DEFAULT_N8N_VERSION, REPO_DIR, installN8n, n8nVersionFromEnv } from './install';
export type { Execution, N8nSetup } from './deployment';
export { N8nDeployment, isRegistered } from './deployment';
export type { StartOptions, WaitForIdleOptions } from './instance';
export { N8nInstance } from './instance';
export type { N8nProcessOptions, QueueRole } from './n8nProcess';
export { N8nProcess } from './n8nProcess';
export type { FrontLogLine } from './nginx';
export { NginxFront, WEBHOOK_LOCATION_BLOCK, webhookUpstreamBlock } from './nginx';
export type { PostgresConnection } from './postgres';
export { PostgresServer } from './postgres';
export type { QueueClusterOptions } from './queueCluster';
export { QueueCluster } from './queueCluster';
export { RedisServer } from './redis';
export type { Activation, N8nCli } from './userFolder';
export { packPackage } from './pack';
export { freePort } from './ports';
export { OWNER, RestSession } from './rest';
export type { CredentialJson, VoisnapSecrets, VoisnapWorkflowOptions, WorkflowJson, WorkflowNodeJson } from './workflows';
export {
	CURRENT_TYPE_VERSION,
	DEFAULT_TRIGGER_NAME,
	ROUTE_OUTPUTS,
	VOISNAP_CREDENTIAL_ID,
	VOISNAP_CREDENTIAL_NAME,
	VOISNAP_CREDENTIAL_TYPE,
	VOISNAP_TRIGGER_TYPE,
	newWorkflowId,
	voisnapCredential,
	voisnapWorkflow,
	webhookIdsOf,
} from './workflows';
