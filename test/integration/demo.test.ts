// The README's main command must keep working: run the demo once, end to end.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npm run demo -- --once starts etcd and a daemon, shows a ready status, and cleans up', () => {
  const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));
  const run = spawnSync(process.execPath, [demo, '--once'], { encoding: 'utf8', timeout: 90_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/weft \d+\.\d+\.\d+, pid \d+, up \d+s: ready/);
  expect(run.stdout).toContain('weft daemon exited with 0');
  expect(run.stdout).toContain('temp files removed');
});
