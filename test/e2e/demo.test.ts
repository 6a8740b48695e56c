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
  // Only what other runs left (if anything) may remain; the demo's own namespaces are gone.
  expect(await leftovers('weft')).toEqual(before);
});
