import { EnvelopeCipher, MemoryDataKeyStore } from './envelope-cipher';

describe('EnvelopeCipher', () => {
  const master = Buffer.alloc(32, 7);

  it('round-trips a secret, with one wrapped data key per tenant and no plaintext stored', async () => {
    const keys = new MemoryDataKeyStore();
    const cipher = new EnvelopeCipher(master, keys);
    const sealed = await cipher.encrypt('msp-a', 'app:o1:c1', 'hfs~super-secret');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('super-secret');
    expect(await cipher.decryptText('msp-a', 'app:o1:c1', sealed)).toBe('hfs~super-secret');
    await cipher.encrypt('msp-b', 'app:o2:c2', 'x');
    expect([...keys.keys.keys()].sort()).toEqual(['msp-a', 'msp-b']);
    expect(keys.keys.get('msp-a')).not.toEqual(keys.keys.get('msp-b'));
    // a fresh cipher (another process) reads it with the same master key
    expect(await new EnvelopeCipher(master.toString('base64'), keys).decryptText('msp-a', 'app:o1:c1', sealed)).toBe('hfs~super-secret');
  });

  it('refuses a ciphertext moved to another row or tenant, a wrong master key, and tampering', async () => {
    const keys = new MemoryDataKeyStore();
    const cipher = new EnvelopeCipher(master, keys);
    const sealed = await cipher.encrypt('msp-a', 'app:o1:c1', 'secret');
    await cipher.encrypt('msp-b', 'app:o1:c1', 'other');
    await expect(cipher.decrypt('msp-a', 'app:o1:c2', sealed)).rejects.toThrow(/decryption failed/);
    await expect(cipher.decrypt('msp-b', 'app:o1:c1', sealed)).rejects.toThrow(/decryption failed/);
    await expect(new EnvelopeCipher(Buffer.alloc(32, 8), keys).decrypt('msp-a', 'app:o1:c1', sealed)).rejects.toThrow(/data key of tenant msp-a: decryption failed/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered!').toString('base64url');
    await expect(cipher.decrypt('msp-a', 'app:o1:c1', parts.join('.'))).rejects.toThrow(/decryption failed/);
  });

  it('crypto-shreds a tenant: after forgetting its data key nothing decrypts', async () => {
    const keys = new MemoryDataKeyStore();
    const cipher = new EnvelopeCipher(master, keys);
    const sealed = await cipher.encrypt('msp-a', 'ctx', 'secret');
    await cipher.forgetTenant('msp-a');
    await expect(cipher.decrypt('msp-a', 'ctx', sealed)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a master key that is not 32 bytes, naming HOLDFAST_MASTER_KEY', () => {
    expect(() => new EnvelopeCipher(Buffer.alloc(16), new MemoryDataKeyStore())).toThrow(/HOLDFAST_MASTER_KEY/);
  });
});
