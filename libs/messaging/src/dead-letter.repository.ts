import type { Pool } from 'pg';

/** A message the bus gave up on. */
export interface DeadLetter {
  /** Durable consumer (or task consumer) name that gave up. */
  readonly consumer: string;
  readonly subject: string;
  readonly messageId: string;
  readonly tenantId?: string;
  /** Short machine-readable reason, e.g. 'max_deliveries', 'non_retryable', 'foreign_installation'. */
  readonly reason: string;
  /** Human-readable detail: the error code and message, never a secret. */
  readonly detail?: string;
  readonly deliveries: number;
  readonly headers: Record<string, string>;
  readonly payload: Uint8Array;
}

export interface StoredDeadLetter extends DeadLetter {
  readonly id: string;
  readonly recordedAt: string;
}

/** Where termed messages are recorded. Recording happens before the term, so it must not lose writes. */
export interface DeadLetterSink {
  record(letter: DeadLetter): Promise<void>;
}

/** Dead letters in the Postgres `dead_letters` table (see messagingMigrations). */
export class PostgresDeadLetterStore implements DeadLetterSink {
  constructor(private readonly pool: Pool) {}

  async record(letter: DeadLetter): Promise<void> {
    // A redelivery after a crash between record and term records the same message again:
    // keep one row, with the latest reason.
    await this.pool.query(
      `INSERT INTO dead_letters (consumer, subject, message_id, tenant_id, reason, detail, deliveries, headers, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (consumer, message_id) DO UPDATE
         SET reason = EXCLUDED.reason, detail = EXCLUDED.detail, deliveries = EXCLUDED.deliveries,
             headers = EXCLUDED.headers, payload = EXCLUDED.payload, recorded_at = now()`,
      [
        letter.consumer,
        letter.subject,
        letter.messageId,
        letter.tenantId ?? null,
        letter.reason,
        letter.detail ?? null,
        letter.deliveries,
        JSON.stringify(letter.headers),
        Buffer.from(letter.payload),
      ],
    );
  }

  async list(filter: { consumer?: string; tenantId?: string; limit?: number } = {}): Promise<StoredDeadLetter[]> {
    const { rows } = await this.pool.query(
      `SELECT id::text, consumer, subject, message_id, tenant_id, reason, detail, deliveries, headers, payload, recorded_at
         FROM dead_letters
        WHERE ($1::text IS NULL OR consumer = $1) AND ($2::text IS NULL OR tenant_id = $2)
        ORDER BY id
        LIMIT $3`,
      [filter.consumer ?? null, filter.tenantId ?? null, filter.limit ?? 1000],
    );
    return rows.map((r) => ({
      id: r.id,
      consumer: r.consumer,
      subject: r.subject,
      messageId: r.message_id,
      tenantId: r.tenant_id ?? undefined,
      reason: r.reason,
      detail: r.detail ?? undefined,
      deliveries: r.deliveries,
      headers: r.headers,
      payload: new Uint8Array(r.payload),
      recordedAt: new Date(r.recorded_at).toISOString(),
    }));
  }
}

/** Dead letters kept in memory: for tests and an all-in-one run without a database. */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];

  async record(letter: DeadLetter): Promise<void> {
    const i = this.letters.findIndex((l) => l.consumer === letter.consumer && l.messageId === letter.messageId);
    if (i >= 0) this.letters[i] = letter;
    else this.letters.push(letter);
  }
}
