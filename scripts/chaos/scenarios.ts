// Runs scenarios one after another, sharing one traffic-carrying cluster among those that ask for
// it; a scenario that throws is a failed row, not a stopped run. Used by run.ts and by
// test/e2e/chaos.test.ts.
import { daemonKill } from './daemon-kill.ts';
import { diskFull } from './disk-full.ts';
import { etcdMembers } from './etcd-members.ts';
import { etcdOutage } from './etcd-outage.ts';
import type { Row } from './report.ts';
import type { Scenario } from './scenario.ts';
import { suites } from './suites.ts';
import { ChaosWorld } from './world.ts';

/** Every scenario, in the order of issue 18 and of docs/reliability.md. */
export const allScenarios: readonly Scenario[] = [etcdOutage, daemonKill, etcdMembers, diskFull, ...suites];

export async function runScenarios(scenarios: readonly Scenario[], short: boolean, onRow: (row: Row) => void = () => undefined): Promise<Row[]> {
  let world: Promise<ChaosWorld> | undefined;
  const rows: Row[] = [];
  try {
    for (const scenario of scenarios) {
      const begun = Date.now();
      let row: Row;
      try {
        const outcome = await scenario.run({ short, world: () => (world ??= ChaosWorld.start()) });
        row = { scenario: scenario.name, goal: scenario.goal, ...outcome, seconds: (Date.now() - begun) / 1000 };
      } catch (error) {
        row = { scenario: scenario.name, goal: scenario.goal, seen: [`did not finish: ${(error as Error).message.split('\n')[0] ?? ''}`], pass: false, seconds: (Date.now() - begun) / 1000 };
      }
      rows.push(row);
      onRow(row);
    }
  } finally {
    if (world !== undefined) await (await world.catch(() => undefined))?.teardown();
  }
  return rows;
}
