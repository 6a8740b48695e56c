// Issue 18's chaos suite at CI sizes (scripts/chaos, `npm run chaos -- --short`): a 10 s etcd
// outage, kill -9 of a daemon, a full and a read-only confd destination, each under traffic (pings
// across hosts, DNS, proxy requests, a confd watch) and held to the goals. The scenarios
// that are vitest files of their own (blackhole, fuzz, corpus, random templates, CNI cycles) run in
// `npm test` directly. The 3-member etcd scenario (leader killed, a member partitioned) runs in
// `npm run chaos` only: on a loaded CI machine one admin-API write in ~60 waited past its 10 s
// client timeout for the etcd client to leave the partitioned member (keep-alive 10 s + 5 s), a
// known weakness (1 of 59 writes in one CI run; 0 of 186 in the full run behind
// docs/reliability.md), not yet a goal CI can hold.
import { afterAll, describe, expect, it } from 'vitest';
import { daemonKill } from '../../scripts/chaos/daemon-kill.ts';
import { diskFull } from '../../scripts/chaos/disk-full.ts';
import { etcdOutage } from '../../scripts/chaos/etcd-outage.ts';
import type { ScenarioContext } from '../../scripts/chaos/scenario.ts';
import { ChaosWorld } from '../../scripts/chaos/world.ts';
import { leftovers } from '../harness/netns.ts';

let world: Promise<ChaosWorld> | undefined;
const context: ScenarioContext = { short: true, world: () => (world ??= ChaosWorld.start()) };

afterAll(async () => {
  const started = await world?.catch(() => undefined);
  await started?.teardown();
  if (started !== undefined) expect(await leftovers(started.cluster.bed.prefix)).toEqual({ namespaces: [], links: [] });
});

describe('chaos (short)', () => {
  for (const scenario of [etcdOutage, daemonKill, diskFull]) {
    it(`${scenario.name}: ${scenario.goal}`, async () => {
      const outcome = await scenario.run(context);
      console.info(`chaos ${scenario.id}: ${outcome.seen.join('; ')}`);
      expect(outcome.pass, outcome.seen.join('\n')).toBe(true);
    });
  }
});
