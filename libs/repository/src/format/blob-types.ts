/** Blob kinds; the kind is part of the keyed hash and of the encryption's additional data. */
export type BlobKind = 'data' | 'tree' | 'manifest';

export const BLOB_KIND_CODE: Record<BlobKind, number> = { data: 0, tree: 1, manifest: 2 };
export const BLOB_KIND_OF_CODE: BlobKind[] = ['data', 'tree', 'manifest'];

export interface PackEntry {
  readonly kind: BlobKind;
  /** 32-byte keyed hash of the plaintext, hex. */
  readonly id: string;
  readonly offset: number;
  /** Stored (encrypted) length. */
  readonly length: number;
  /** Plaintext length. */
  readonly rawLength: number;
}

/** Where a blob lives. */
export interface IndexEntry extends PackEntry {
  readonly pack: string;
}

export const FORMAT_VERSION = 1;
