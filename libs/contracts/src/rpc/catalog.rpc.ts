/**
 * Request/reply contract of the catalog service (`<ns>.rpc.catalog.<method>`). The tenant
 * comes from the request's tenant id (RequestOptions.tenantId), never from the payload.
 */
export const CATALOG_SERVICE = 'catalog';

export const CATALOG_RPC = {
  /** { organizationId? } -> { mailboxes: CatalogMailbox[] } */
  mailboxes: 'mailboxes',
  /** { objectId } -> { points: CatalogPoint[] } */
  points: 'points',
  /** { objectId, pointId?, asOf? } -> { point, folders: CatalogFolder[] } */
  folders: 'folders',
  /** ListItemsQuery -> Page<CatalogItemSummary> & { point } */
  items: 'items',
  /** SearchQuery -> Page<CatalogItemSummary> */
  search: 'search',
  /** { id } -> CatalogItemDetail */
  item: 'item',
  /** { id } -> MessagePreview (sanitized HTML, headers, attachments) */
  preview: 'preview',
  /** { id, index } -> { name, contentType, contentBase64 } */
  attachment: 'attachment',
} as const;
