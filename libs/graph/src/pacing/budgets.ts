/**
 * Microsoft's published service limits (graph-facts.md) and how a request is charged.
 */

/** What a SharePoint/OneDrive call is, for its resource-unit cost. */
export type SharePointRequestKind =
  | 'single' // one item by id
  | 'delta' // delta with a token
  | 'download' // file content
  | 'multi' // a multi-item query (list children, list items)
  | 'delta-initial' // delta without a token
  | 'write' // create / update / delete
  | 'upload' // upload session chunk or simple upload
  | 'permissions'; // permission calls, $expand=permissions

const RU_COST: Readonly<Record<SharePointRequestKind, number>> = {
  single: 1,
  delta: 1,
  download: 1,
  multi: 2,
  'delta-initial': 2,
  write: 2,
  upload: 2,
  permissions: 5,
};

/** Resource units one SharePoint/OneDrive request costs. */
export function resourceUnitCost(kind: SharePointRequestKind): number {
  return RU_COST[kind];
}

/**
 * SharePoint resource units per minute per application per tenant, by licence count. A tier
 * boundary (exactly 1,000 licences) takes the lower budget: pacing errs on the safe side.
 */
export function sharePointRuPerMinute(licences: number): number {
  if (licences <= 1_000) return 1_250;
  if (licences <= 5_000) return 2_500;
  if (licences <= 15_000) return 3_750;
  if (licences <= 50_000) return 5_000;
  return 6_250;
}

/** Teams call kinds with their own per-second limit per application per tenant. */
export type TeamsRequestKind = 'message' | 'all-messages' | 'other';

export const TEAMS_PER_SECOND: Readonly<Record<TeamsRequestKind, number>> = { message: 20, 'all-messages': 200, other: 30 };

/** Microsoft's per-application limits, before our safety margin. */
export const GRAPH_LIMITS = {
  mailboxConcurrent: 4,
  mailboxRequestsPer10Min: 10_000,
  mailboxUploadBytesPer5Min: 150 * 1024 * 1024,
  appRequestsPer10s: 130_000,
  sharePointUserRequestsPer5Min: 3_000,
  teamsChannelPerSecond: 4,
} as const;
