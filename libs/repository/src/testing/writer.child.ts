// A backup writer in its own process, for crash, concurrency and gc-under-write tests.
// usage: ts-run writer.child.ts DIR TENANT ROUNDS SEED   (ROUNDS 0 = forever)
// Prints "manifest <id> <json-of-expected-digests>" after each committed recovery point.
import { createHash } from 'node:crypto';
import { LocalBackend } from '../backend/local.backend';
import { Repository } from '../engine/repository';
import { seededBytes, TEST_PASSWORD } from './test-repo';

async function main(): Promise<void> {
  const [dir, tenant, roundsArg, seed] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  const repo = await Repository.open(new LocalBackend(dir, { fsync: false }), { password: TEST_PASSWORD, heartbeatMs: 200 });
  for (let round = 0; rounds === 0 || round < rounds; round++) {
    const t = await repo.openTenant(tenant, { write: true });
    const items: Array<{ id: string; content: string; sha256: string }> = [];
    for (let i = 0; i < 12; i++) {
      // half shared between writers and rounds (dedup), half unique to this writer and round
      const shared = i % 2 === 0;
      const data = seededBytes(shared ? `shared-${i}` : `${seed}-${round}-${i}`, 20_000 + ((i * 7919) % 300_000));
      const { ref } = await t.putFile(data);
      items.push({ id: `${seed}/${round}/${i}`, content: ref, sha256: createHash('sha256').update(data).digest('hex') });
    }
    const m = await t.writeManifest(items, { labels: { writer: seed, round: String(round) } });
    await t.close();
    process.stdout.write(`manifest ${m.id}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
