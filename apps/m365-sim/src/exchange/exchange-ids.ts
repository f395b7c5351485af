/**
 * Outlook-style opaque ids. Default ids of items carry the folder, so they change when an item
 * moves (as in Exchange); immutable ids (Prefer: IdType="ImmutableId") carry only the item.
 * Both decode back to (kind, mailbox user id, item key).
 */
export type ExchangeIdKind = 'message' | 'folder' | 'attachment' | 'contact' | 'contactFolder' | 'calendar' | 'event' | 'occurrence';

const LETTER: Record<ExchangeIdKind, string> = {
  message: 'm',
  folder: 'f',
  attachment: 'a',
  contact: 'c',
  contactFolder: 'g',
  calendar: 'k',
  event: 'e',
  occurrence: 'o',
};
const KIND_OF = new Map(Object.entries(LETTER).map(([k, v]) => [v, k as ExchangeIdKind]));

const DEFAULT_PREFIX = 'AAMkA';
const IMMUTABLE_PREFIX = 'AAkALg';

export interface DecodedExchangeId {
  kind: ExchangeIdKind;
  userId: string;
  /** Folder the id was minted for (default ids of items only). */
  folderKey?: string;
  key: string;
  immutable: boolean;
}

export function encodeExchangeId(kind: ExchangeIdKind, userId: string, key: string, folderKey?: string, immutable = false): string {
  const payload = [LETTER[kind], userId, immutable ? '' : (folderKey ?? ''), key].join('|');
  return (immutable ? IMMUTABLE_PREFIX : DEFAULT_PREFIX) + Buffer.from(payload, 'utf8').toString('base64url');
}

export function decodeExchangeId(id: string): DecodedExchangeId | undefined {
  let immutable: boolean;
  let rest: string;
  if (id.startsWith(IMMUTABLE_PREFIX)) {
    immutable = true;
    rest = id.slice(IMMUTABLE_PREFIX.length);
  } else if (id.startsWith(DEFAULT_PREFIX)) {
    immutable = false;
    rest = id.slice(DEFAULT_PREFIX.length);
  } else return undefined;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(rest)) return undefined;
  const parts = Buffer.from(rest, 'base64url').toString('utf8').split('|');
  if (parts.length < 4) return undefined;
  const kind = KIND_OF.get(parts[0]);
  if (!kind) return undefined;
  const key = parts.slice(3).join('|');
  return { kind, userId: parts[1], folderKey: parts[2] || undefined, key, immutable };
}
