import { DeleteObjectCommand, PutObjectCommand, PutObjectRetentionCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { S3Backend } from './s3.backend';
import { RetentionGuard } from './retention-guard';

/**
 * Contract test for S3 Object Lock. s3rver has no object lock, so this fake states what real
 * Amazon S3 answers (per the S3 API reference, "Using S3 Object Lock"):
 * - PutObject with x-amz-object-lock-mode / retain-until-date on a bucket created without Object
 *   Lock: 400 InvalidRequest "Bucket is missing Object Lock Configuration".
 * - PutObject with object lock headers but neither Content-MD5 nor an x-amz-checksum-* header:
 *   400 InvalidRequest ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object
 *   requests with Object Lock parameters").
 * - Object lock buckets are versioned. DeleteObject without a version id only adds a delete
 *   marker (204) and the locked version stays; deleting the locked version (with its id) before
 *   retain-until in COMPLIANCE mode: 403 AccessDenied (GOVERNANCE: unless
 *   x-amz-bypass-governance-retention with s3:BypassGovernanceRetention).
 * - PutObjectRetention may extend a COMPLIANCE retention; shortening it: 403 AccessDenied.
 */
class FakeS3 {
  readonly sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  readonly objects = new Map<string, { body: Buffer; mode?: string; until?: Date; versions: number }>();
  constructor(private readonly lockEnabled: boolean) {}

  async send(cmd: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = cmd.constructor.name;
    const input = cmd.input;
    this.sent.push({ name, input });
    const key = input.Key as string;
    const fail = (code: string, status: number, message: string): never => {
      throw Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status } });
    };
    if (cmd instanceof PutObjectCommand) {
      if (input.ObjectLockMode) {
        if (!this.lockEnabled) fail('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration');
        if (!input.ContentMD5 && !Object.keys(input).some((k) => k.startsWith('Checksum'))) {
          fail('InvalidRequest', 400, 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
        }
        const body = input.Body as Buffer;
        if (input.ContentMD5 !== createHash('md5').update(body).digest('base64')) fail('BadDigest', 400, 'The Content-MD5 you specified did not match');
      }
      const prev = this.objects.get(key);
      this.objects.set(key, { body: input.Body as Buffer, mode: input.ObjectLockMode as string, until: input.ObjectLockRetainUntilDate as Date, versions: (prev?.versions ?? 0) + 1 });
      return {};
    }
    if (cmd instanceof PutObjectRetentionCommand) {
      const o = this.objects.get(key) ?? fail('NoSuchKey', 404, 'The specified key does not exist.');
      const r = input.Retention as { Mode: string; RetainUntilDate: Date };
      if (o.mode === 'COMPLIANCE' && o.until && r.RetainUntilDate < o.until) fail('AccessDenied', 403, 'Access Denied');
      o.mode = r.Mode;
      o.until = r.RetainUntilDate;
      return {};
    }
    if (cmd instanceof DeleteObjectCommand) {
      const o = this.objects.get(key);
      if (o?.mode === 'COMPLIANCE' && o.until && o.until > new Date() && input.VersionId) fail('AccessDenied', 403, 'Access Denied');
      return { DeleteMarker: this.lockEnabled };
    }
    if (name === 'GetObjectCommand') {
      const o = this.objects.get(key) ?? fail('NoSuchKey', 404, 'The specified key does not exist.');
      return { Body: { transformToByteArray: async () => new Uint8Array(o.body) } };
    }
    if (name === 'ListObjectsV2Command') return { Contents: [], IsTruncated: false };
    return fail('NotImplemented', 501, name);
  }
}

describe('S3 Object Lock contract', () => {
  const until = new Date(Date.now() + 86_400_000);

  it('sends lock mode, retain-until and Content-MD5 on locked writes, and lock-extends with PutObjectRetention', async () => {
    const fake = new FakeS3(true);
    const guard = new RetentionGuard(new S3Backend({ bucket: 'b', prefix: 'p', region: 'us-east-1', objectLock: 'COMPLIANCE', client: fake as never }));
    await guard.put('tenants/a/manifests/m1', Buffer.from('root'), { retainUntil: until });
    const puts = fake.sent.filter((s) => s.name === 'PutObjectCommand');
    // the engine's retention record is written (and locked) before the object itself
    expect(puts.map((p) => p.input.Key)).toEqual(['p/retention/tenants/a/manifests/m1', 'p/tenants/a/manifests/m1']);
    for (const p of puts) expect(p.input).toMatchObject({ ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until, ContentMD5: expect.any(String) });

    const later = new Date(until.getTime() + 86_400_000);
    await guard.extendRetention('tenants/a/manifests/m1', later);
    expect(fake.sent.filter((s) => s.name === 'PutObjectRetentionCommand').map((s) => s.input)).toEqual([
      { Bucket: 'b', Key: 'p/tenants/a/manifests/m1', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later } },
    ]);
    // never shortens: an earlier date sends nothing
    const before = fake.sent.length;
    await guard.extendRetention('tenants/a/manifests/m1', until);
    expect(fake.sent.slice(before).filter((s) => s.name !== 'GetObjectCommand')).toEqual([]);
  });

  it('refuses to delete a locked object before retain-until without asking S3', async () => {
    const fake = new FakeS3(true);
    const guard = new RetentionGuard(new S3Backend({ bucket: 'b', prefix: '', region: 'us-east-1', objectLock: 'COMPLIANCE', client: fake as never }));
    await guard.put('tenants/a/packs/00/x', Buffer.from('pack'), { retainUntil: until });
    await expect(guard.delete('tenants/a/packs/00/x')).rejects.toMatchObject({ code: 'forbidden' });
    expect(fake.sent.some((s) => s.name === 'DeleteObjectCommand')).toBe(false);
  });

  it('maps real S3 answers to errors: missing lock configuration, AccessDenied', async () => {
    const unlocked = new S3Backend({ bucket: 'b', prefix: '', region: 'us-east-1', objectLock: 'COMPLIANCE', client: new FakeS3(false) as never });
    await expect(unlocked.put('k', Buffer.from('x'), { retainUntil: until })).rejects.toMatchObject({
      code: 'unavailable',
      details: { s3Error: 'InvalidRequest' },
    });
    const fake = new FakeS3(true);
    const locked = new S3Backend({ bucket: 'b', prefix: '', region: 'us-east-1', objectLock: 'COMPLIANCE', client: fake as never });
    await locked.put('k', Buffer.from('x'), { retainUntil: until });
    await expect(locked.extendNativeRetention('k', new Date(Date.now() + 1000))).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('pages through ListObjectsV2 with continuation tokens', async () => {
    const pages = [
      { Contents: [{ Key: 'p/a/1', Size: 1 }, { Key: 'p/a/2', Size: 2 }], IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: [{ Key: 'p/a/3', Size: 3 }], IsTruncated: false },
    ];
    const tokens: unknown[] = [];
    const client = {
      send: async (cmd: { input: { ContinuationToken?: string; Prefix?: string } }) => {
        tokens.push(cmd.input.ContinuationToken);
        expect(cmd.input.Prefix).toBe('p/a/');
        return pages[tokens.length - 1];
      },
    };
    const b = new S3Backend({ bucket: 'b', prefix: 'p', region: 'us-east-1', client: client as never });
    const keys: string[] = [];
    for await (const o of b.list('a/')) keys.push(o.key);
    expect(keys).toEqual(['a/1', 'a/2', 'a/3']);
    expect(tokens).toEqual([undefined, 't1']);
  });

  it('without objectLock configured, writes carry no lock headers (engine records still apply)', async () => {
    const fake = new FakeS3(false);
    const guard = new RetentionGuard(new S3Backend({ bucket: 'b', prefix: '', region: 'us-east-1', client: fake as never }));
    await guard.put('m', Buffer.from('x'), { retainUntil: until });
    expect(fake.sent.filter((s) => s.name === 'PutObjectCommand').every((s) => !s.input.ObjectLockMode)).toBe(true);
    await expect(guard.delete('m')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
