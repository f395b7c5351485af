import { HoldfastError } from '@holdfast/contracts';
import { LocalBackend } from '../backend/local.backend';
import { S3Backend, type ObjectLockMode } from '../backend/s3.backend';
import type { StorageBackend } from '../backend/storage-backend.port';

/**
 * A storage driver from a location:
 *   /path/to/folder  or  file:///path
 *   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&objectLock=COMPLIANCE
 * S3 credentials come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the
 * AWS SDK's usual chain), never from the URL.
 */
export function backendFromLocation(location: string): StorageBackend {
  if (!location) throw new HoldfastError('validation_failed', 'a repository location is required (--repo PATH or s3://bucket/prefix)');
  if (location.startsWith('s3://')) {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new HoldfastError('validation_failed', `invalid S3 repository URL "${location}"`);
    }
    if (url.username || url.password) throw new HoldfastError('validation_failed', 'put S3 credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, not in the URL');
    const bucket = url.hostname;
    if (!bucket) throw new HoldfastError('validation_failed', `S3 repository URL "${location}" has no bucket`);
    const lock = url.searchParams.get('objectLock')?.toUpperCase();
    if (lock && lock !== 'COMPLIANCE' && lock !== 'GOVERNANCE') {
      throw new HoldfastError('validation_failed', `objectLock must be COMPLIANCE or GOVERNANCE, not "${lock}"`);
    }
    return new S3Backend({
      bucket,
      prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
      region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: url.searchParams.get('endpoint') ?? undefined,
      objectLock: lock as ObjectLockMode | undefined,
      forcePathStyle: url.searchParams.has('endpoint') || url.searchParams.get('pathStyle') === 'true',
    });
  }
  if (location.startsWith('file://')) return new LocalBackend(new URL(location).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new HoldfastError('validation_failed', `unsupported repository location "${location}"`);
  return new LocalBackend(location);
}
