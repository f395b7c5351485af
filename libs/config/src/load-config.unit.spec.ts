import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  const schema = z.object({
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    DATABASE_URL: z.string().url(),
  });

  it('reads and coerces values', () => {
    expect(loadConfig(schema, { PORT: '8080', DATABASE_URL: 'postgres://h/db' })).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgres://h/db',
    });
  });

  it('names every bad variable', () => {
    try {
      loadConfig(schema, { PORT: 'abc' });
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('DATABASE_URL');
    }
  });
});
