// Microsoft Graph client side shared by every Holdfast service that calls Graph.

// Clouds and credentials
/** Authority host and Graph endpoint of each national cloud. */
export { CLOUDS, GRAPH_API_VERSION, resolveCloud, isCloudName } from './auth/clouds';
export type { CloudName, CloudEndpoints, CloudOverrides, ResolvedCloud } from './auth/clouds';
/** @azure/identity credential (secret, certificate PEM/PFX, device code) for a cloud, with overrides. */
export { createCredential, createTokenProvider, httpsAgentWithCa } from './auth/credential.factory';
export type { CredentialConfig, CredentialEnvironment, DeviceCodePrompt } from './auth/credential.factory';
/** PFX to PEM conversion and certificate checks (expiry) before use. */
export { pfxToPem, inspectCertificatePem } from './auth/certificate';
/** Where tokens come from: held credentials, the auth service's broker, or a fixed token. */
export { CachingTokenProvider, credentialTokenProvider, brokerTokenProvider, staticTokenProvider } from './auth/token-provider';
export type { TokenProvider, GraphAccessToken, TokenRequestOptions, TokenBrokerRequest, TokenBrokerReply } from './auth/token-provider';

// HTTP
/** The paced, retrying, typed-error Graph HTTP client (JSON and streamed content). */
export { GraphClient, readAll } from './http/graph-client';
export type { GraphApp, GraphClientOptions, GraphRequestOptions, GraphResponse, GraphStreamResponse, QueryValue } from './http/graph-client';
/** node:https transport (extra CA per connection, streamed bodies); the seam tests replace. */
export { NodeHttpTransport } from './http/transport';
export type { HttpTransport, TransportRequest, TransportResponse } from './http/transport';
/** Backoff with full jitter and the retry decision for a typed error. */
export { DEFAULT_RETRY, backoffDelay, retryDecision } from './http/retry-policy';
export type { RetryOptions, RetryDecision } from './http/retry-policy';

// Errors
/** Typed Graph failures (all HoldfastErrors with a code). */
export {
  GraphError,
  GraphThrottledError,
  GraphTransientError,
  GraphNotFoundError,
  GraphDeltaExpiredError,
  GraphPermissionError,
  GraphAuthError,
  GraphBadRequestError,
  GraphConflictError,
  isGraphError,
} from './errors/graph-errors';
export type { GraphErrorKind, AuthFailureReason, GraphErrorDetails } from './errors/graph-errors';
/** Classify HTTP answers, network failures and identity errors into the typed errors. */
export { classifyResponse, classifyNetworkError, classifyAuthError, readErrorBody } from './errors/classify';
/** Retry-After in seconds (fractional) or HTTP date, to milliseconds. */
export { parseRetryAfter, retryAfterFromHeaders } from './errors/retry-after';
/** AADSTS codes mapped to reasons and clear messages. */
export { AADSTS_CODES, extractAadsts, describeAadsts } from './errors/aadsts';
/** Scrub tokens/secrets from text and pre-authenticated URLs. */
export { redact, safeUrl } from './errors/redact';
/** The permission a Graph path needs, to name it in a 403. */
export { guessPermission } from './errors/permissions';

// Pacing
/** The pacing layer: per-mailbox concurrency + window, Retry-After pauses, app rotation, tenant budgets. */
export { Pacer } from './pacing/pacer';
export type { MailboxPacer, PacerOptions, PaceRequest, PacingLease, PacingTarget } from './pacing/pacer';
/** Tenant-wide budgets shared across workers (in-process implementation; Postgres/KV plug in here). */
export { InMemorySharedLimiter } from './pacing/shared-limiter';
export type { SharedLimiter, BudgetCharge, BudgetSpec, LimiterDecision } from './pacing/shared-limiter';
/** Bucketed sliding-window counter with bounded memory. */
export { SlidingWindow } from './pacing/sliding-window';
/** Microsoft's limits and SharePoint resource-unit costs. */
export { GRAPH_LIMITS, TEAMS_PER_SECOND, resourceUnitCost, sharePointRuPerMinute } from './pacing/budgets';
export type { SharePointRequestKind, TeamsRequestKind } from './pacing/budgets';

// Operations
/** Follow @odata.nextLink: pages, items streamed, or all items. */
export { pages, iterateAll, pageAll } from './operations/paging';
export type { GraphPage, PageOptions } from './operations/paging';
/** Delta rounds: merged changes + new deltaLink, or streamed pages; expired state restarts or signals. */
export { deltaQuery, deltaPages, removalOf } from './operations/delta';
export type { DeltaChanges, DeltaRemoval, DeltaOptions, DeltaResyncRequired, DeltaPage, DeltaChange, DeltaItem } from './operations/delta';
/** $batch: chunks of 20, dependsOn, per-sub-request pacing and Retry-After, 424 re-issue. */
export { batch, planBatches, inferPacing, BATCH_LIMIT } from './operations/batch';
export type { BatchRequest, BatchResponse, BatchOptions } from './operations/batch';
/** Upload sessions: Outlook attachments (<4 MB chunks) and drive files (320 KiB multiples, resume). */
export {
  uploadAttachment,
  uploadDriveFile,
  uploadToSession,
  cancelUploadSession,
  planChunks,
  driveChunkSize,
  attachmentChunkSize,
  contentRange,
  nextExpectedOffset,
  DRIVE_CHUNK_UNIT,
  DRIVE_CHUNK_MAX,
  ATTACHMENT_CHUNK_MAX,
  ATTACHMENT_MAX_SIZE,
} from './operations/upload-session';
export type { ByteRange, UploadResult, AttachmentUpload, DriveUpload, ConflictBehavior } from './operations/upload-session';
/** Upload sources read chunk by chunk (buffer, file, one-pass stream). */
export { bufferSource, fileSource, streamSource } from './operations/chunk-source';
export type { ChunkSource } from './operations/chunk-source';
/** Streamed download with Range resume. */
export { download, parseContentRange } from './operations/download';
export type { DownloadOptions } from './operations/download';

// Time, metrics, logs, test helpers
/** Injectable clock (ManualClock for tests). */
export { systemClock, ManualClock, sleepWith } from './clock';
export type { Clock } from './clock';
/** Injectable metrics sink and logger. */
export { noopMetrics, InMemoryGraphMetrics, noopLogger } from './metrics';
export type { GraphMetricsSink, GraphMetricName, MetricAttributes, GraphLogger } from './metrics';
/** In-memory transport for unit tests of code built on GraphClient. */
export { FakeGraphTransport } from './testing/fake-transport';
export type { FakeAnswer, RecordedRequest } from './testing/fake-transport';
