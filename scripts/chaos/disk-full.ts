// The destination of a confd resource (host 1, a 256 KiB tmpfs) filled up, then remounted
// read-only, while its key changes: the old file stays whole, the error shows in the daemon's
// status, and the new content lands once space (or write access) returns, by the area's retries.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSafe, type ChaosWorld } from './world.ts';
import type { Scenario } from './scenario.ts';

function fill(dir: string): void {
  // dd stops at ENOSPC with a non-zero exit: that is the point.
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // full
  }
}

async function resourceError(world: ChaosWorld): Promise<string | undefined> {
  const status = JSON.stringify(await world.status(1));
  return /"lastError":"([^"]*disk\.conf[^"]*|[^"]*ENOSPC[^"]*|[^"]*EROFS[^"]*)"/.exec(status)?.[1];
}

async function breakAndRecover(world: ChaosWorld, value: string, breakIt: () => void, repair: () => void): Promise<{ intact: boolean; error: string; recoveredMs: number }> {
  const dest = join(world.fullDir, 'disk.conf');
  const old = readFileSafe(dest);
  breakIt();
  await world.etcdctl(['put', '/chaos/disk', value]);
  let error = '';
  await world.until('the render error in status', async () => ((error = (await resourceError(world)) ?? ''), error !== ''), 30_000);
  const intact = readFileSafe(dest) === old && old !== '';
  repair();
  const recoveredMs = await world.until('the new content once writable', async () => readFileSafe(dest) === `value ${value}\n`, 60_000);
  return { intact, error, recoveredMs };
}

export const diskFull: Scenario = {
  id: 'disk-full',
  name: 'disk full / read-only destination for a confd resource',
  goal: 'the old file intact, the error in status, recovery when space returns',
  async run({ world: getWorld }) {
    const world = await getWorld();
    await world.until('disk.conf rendered', async () => readFileSafe(join(world.fullDir, 'disk.conf')) !== '', 30_000);
    const full = await breakAndRecover(world, 'd1', () => fill(world.fullDir), () => rmSync(join(world.fullDir, 'filler')));
    const ro = await breakAndRecover(
      world, 'd2',
      () => execFileSync('mount', ['-o', 'remount,ro', world.fullDir]),
      () => execFileSync('mount', ['-o', 'remount,rw', world.fullDir]),
    );
    const said = (error: string): string => error.replaceAll(world.fullDir, '<dest dir>').slice(0, 160);
    const seen = [full, ro].map((r, i) => `${i === 0 ? 'disk full' : 'read-only'}: old file ${r.intact ? 'intact' : 'CHANGED'}; status "${said(r.error)}"; new content ${r.recoveredMs} ms after the fix`);
    return { seen, pass: full.intact && ro.intact && full.error !== '' && ro.error !== '' };
  },
};
