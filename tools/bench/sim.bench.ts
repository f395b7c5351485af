/**
 * Simulator throughput: small Graph requests over keep-alive HTTPS, reporting wall requests per
 * second and the simulator's own CPU per request (from /proc), so the number means something on
 * a busy machine. Run: node bin/ts-run.js tools/bench/sim.bench.ts [seconds]
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { simulatorCredential, startSimulator } from '@holdfast/testing';

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const sim = await startSimulator({ users: 200, probe: true, throttle: 'off' });
  try {
    const pid = JSON.parse(readFileSync(`${sim.stateDir}/server.json`, 'utf8')).pid as number;
    const token = (await simulatorCredential(sim).getToken('https://graph.microsoft.com/.default'))!.token;
    const agent = new https.Agent({ keepAlive: true, ca: sim.caPem, maxSockets: 32 });
    const get = (p: string) =>
      new Promise<number>((resolve) => {
        https
          .get(`${sim.graphBaseUrl}${p}`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', () => resolve(0));
      });
    const results: Record<string, unknown>[] = [];
    // warm-up (JIT, lazy state) before measuring
    for (let i = 0; i < 300; i++) await get(i % 2 ? '/organization' : '/users?$top=10');
    for (const path of ['/organization', '/users?$top=10&$select=id,displayName', '/simProbe/items/delta', '/users/delta?$top=50']) {
      let n = 0;
      let bad = 0;
      const c0 = cpuMs(pid);
      const t0 = Date.now();
      const end = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < end) {
            const s = await get(path);
            n++;
            if (s !== 200) bad++;
          }
        }),
      );
      const wall = (Date.now() - t0) / 1000;
      const cpu = cpuMs(pid) - c0;
      results.push({ path, requests: n, errors: bad, wallRps: Math.round(n / wall), serverCpuMsPerRequest: +(cpu / n).toFixed(3), rpsPerServerCore: Math.round(n / (cpu / 1000)) });
    }
    process.stdout.write(JSON.stringify({ bench: 'm365-sim', results }, null, 2) + '\n');
  } finally {
    await sim.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
