// V8 heap settings for the long-running daemon (docs/memory.md, "V8 settings"). V8 sizes its young
// generation for throughput: each semi-space grows from 1 to 16 MiB under allocation (32 MiB of new
// space), and the start-up burst (every area's first etcd snapshot, the first reconcile and render)
// leaves old space grown and full of garbage that an idle daemon never collects: V8 collects when
// allocation asks it to, and an idle daemon allocates little. So the daemon (1) keeps the young
// generation at its start size (`--semi-space-growth-factor=1`) and (2) runs one full collection a
// few seconds after its areas started. Both are set at run time from the daemon command, for every
// way the daemon is started (systemd, by hand, tests, benches), and nowhere else: no NODE_OPTIONS
// that reload_cmd children would inherit, no re-exec (systemd tracks the main PID).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const daemonHeapFlags: readonly string[] = ['--semi-space-growth-factor=1'];

/** Applies daemonHeapFlags unless the operator chose semi-space settings (node flags, NODE_OPTIONS); returns what was applied. */
export function tuneDaemonHeap(execArgv: readonly string[], nodeOptions: string | undefined): readonly string[] {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => /semi[-_]space/.test(arg));
  if (chosen) return [];
  for (const flag of daemonHeapFlags) setFlagsFromString(flag);
  return daemonHeapFlags;
}

/**
 * One full collection `delayMs` from now (a timer that never keeps the process alive). V8 offers no
 * collection to an embedder's script without --expose-gc; set at run time, the flag gives `gc` to a
 * new context only, so the daemon's own global scope stays as it was.
 */
export function collectOnce(delayMs: number): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc === 'function') setTimeout(() => (gc as () => void)(), delayMs).unref();
}
