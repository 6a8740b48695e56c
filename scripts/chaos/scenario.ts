// What a chaos scenario is: a name, the goal it is held to, and a run that reports what users saw.
import type { ChaosWorld } from './world.ts';

export interface Outcome {
  readonly seen: readonly string[];
  readonly pass: boolean;
  readonly note?: string;
}

export interface ScenarioContext {
  /** CI sizes (10 s outage, 100k packets, 100 cycles) instead of the issue's. */
  readonly short: boolean;
  /** The shared traffic-carrying cluster, started on first use. */
  readonly world: () => Promise<ChaosWorld>;
}

export interface Scenario {
  /** Short name for the command line (`npm run chaos -- etcd-outage`). */
  readonly id: string;
  readonly name: string;
  readonly goal: string;
  run(context: ScenarioContext): Promise<Outcome>;
}

/**
 * The limit a time goal is held to: the goal itself in `npm run chaos` (the table), 5x it in the CI
 * short suite, where a loaded machine's scheduling is not what is under test (timings are measured
 * by the full run and benchmarks, not asserted by timed tests); what users lose is held exactly.
 */
export function timeLimit(context: Pick<ScenarioContext, 'short'>, goalMs: number): number {
  return context.short ? goalMs * 5 : goalMs;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
