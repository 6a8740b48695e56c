// The README's main command must keep working: `npm run demo -- --once` shows each of issue 17's
// six capabilities (three hosts, weft-cni, DNS by name, the proxy, confd, a killed host converging)
// by its `ok:` lines, prints the status page address, and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { leftovers } from '../harness/netns.ts';

const ip = String.raw`10\.5\.\d+\.\d+`;

it('npm run demo -- --once shows the six capabilities working and cleans up', async () => {
  const before = await leftovers('weft');
  const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));
  const run = spawnSync(process.execPath, [demo, '--once'], { encoding: 'utf8', timeout: 240_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const out = run.stdout;
  const oks = (capability: string): string[] => out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`ok: ${capability} `));
  // 1. three hosts, each with a subnet lease.
  expect(oks('hosts').join('\n')).toMatch(/3 hosts running weft, subnets (10\.5\.\d+\.0\/24 ?){3} leased in etcd/);
  expect(out).toMatch(/10\.5\.\d+\.0\/24 +10\.213\.0\.13 +vxlan\/1/);
  // 2. containers attached through weft-cni, reaching each other over the overlay.
  for (const name of ['app-h1', 'web-h2', 'web-h3']) expect(oks('cni').join('\n')).toMatch(new RegExp(`${name} attached on h\\d through weft-cni: ${ip}`));
  expect(oks('cni')).toContain('ok: cni every container pings every other across the VXLAN overlay (6/6)');
  // 3. every container resolves the other two by name through weft's DNS.
  const resolved = oks('dns').map((l) => /resolves (\S+)\.weft\.internal -> (\S+)$/.exec(l)?.[1]);
  expect(resolved.sort()).toEqual(['app-h1', 'app-h1', 'web-h2', 'web-h2', 'web-h3', 'web-h3']);
  const attached = oks('cni').map((l) => /ok: cni (\S+) attached on h\d through weft-cni: (\S+)/.exec(l)).filter((m) => m !== null);
  const addressOf = new Map(attached.map((m) => [m[1], m[2]]));
  for (const line of oks('dns')) {
    const [, name, address] = /resolves (\S+)\.weft\.internal -> (\S+)$/.exec(line) ?? [];
    expect(address, line).toBe(addressOf.get(name ?? ''));
  }
  // 4. web.example.test through host 1's proxy, answered by both servers.
  expect(oks('proxy')).toEqual(['ok: proxy web.example.test on h1\'s proxy answered by web-h2 and web-h3 (6 requests)']);
  expect(out).toContain('curl -s -H \'Host: web.example.test\' http://127.0.0.1:8080/');
  // 5. the confd resource's file, before and after each key change.
  expect(oks('confd').join('\n')).toContain('"greeting = (unset)" -> "greeting = hello from etcd"');
  expect(oks('confd').join('\n')).toContain('"greeting = hello from etcd" -> "greeting = bonjour"');
  // 6. host 3 killed: its name, its server, its lease and the routes to it gone; the rest still serves.
  const converged = oks('converge').join('\n');
  expect(converged).toMatch(/web-h3\.weft\.internal gone from DNS \(NXDOMAIN\)/);
  expect(converged).toMatch(new RegExp(`web-h3's server http://${ip}:8080 left h1's route file`));
  expect(converged).toMatch(/host 3's subnet lease 10\.5\.\d+\.0\/24 expired/);
  expect(converged).toMatch(/h1 and h2 dropped their routes to 10\.5\.\d+\.0\/24/);
  expect(converged).toContain('web.example.test still answered by web-h2 only (web-h2, web-h2, web-h2, web-h2); app-h1 still pings web-h2');
  // The status page's address, and a page served there.
  expect(oks('status')).toEqual([expect.stringMatching(/status page http:\/\/10\.213\.0\.11:9180\/ /)]);
  expect(out).toMatch(/200 text\/html/);
  // The demo's own namespaces and links are gone (other runs on the machine may come and go meanwhile).
  const prefix = /(weft[a-z0-9]{4}-)h1: underlay/.exec(out)?.[1];
  expect(prefix).toBeDefined();
  expect(out).toContain(`nothing left with prefix ${prefix}`);
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
  expect(before.namespaces.filter((ns) => ns.startsWith(prefix ?? ''))).toEqual([]);
});
