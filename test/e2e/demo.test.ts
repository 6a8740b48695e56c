// The README's main command must keep working: the 3-host demo, end to end, then a clean teardown.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { leftovers } from '../harness/netns.ts';

it('npm run demo -- --once builds 3 hosts, pings across the overlay, shows a ready status and cleans up', async () => {
  const before = await leftovers('weft');
  const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));
  const run = spawnSync(process.execPath, [demo, '--once'], { encoding: 'utf8', timeout: 240_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/10\.5\.\d+\.0\/24 +10\.213\.0\.11 +vxlan\/1/);
  expect(run.stdout).toContain('3 received, 0% packet loss');
  expect(run.stdout).toContain('24/24 reachable');
  expect(run.stdout).toMatch(/weft \d+\.\d+\.\d+, pid \d+, up \d+s: ready/);
  expect(run.stdout).toContain('+ overlay');
  // The demo's own namespaces and links are gone (other runs on the machine may come and go meanwhile).
  const prefix = /(weft[a-z0-9]{4}-)h1: underlay/.exec(run.stdout)?.[1];
  expect(prefix).toBeDefined();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
  expect(before.namespaces.filter((ns) => ns.startsWith(prefix ?? ''))).toEqual([]);
});
