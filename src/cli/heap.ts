// The daemon's heap after start-up (docs/memory.md, "What changed"). The start-up burst (every
// area's first etcd snapshot, the first reconcile and renders) grows V8's young generation and old
// space and leaves them full of garbage that an idle daemon never collects: V8 collects when
// allocation asks it to, and an idle daemon allocates little (measured: 193 MiB of heap for 50 MiB
// live, unchanged after 60 s idle). So the daemon runs a full collection shortly after its areas
// started, and V8 gives the pages back. Scheduled from the daemon command, for every way the daemon
// is started (systemd, by hand, tests, benches).
//
// The last collection is V8's memory-reducing one (it compacts), so the pages freed by the first
// ones are given back. Not done: flushing start-up bytecode. V8 ages bytecode only in collections it
// starts itself; only --stress-flush-code (a V8 testing flag) flushes in a forced one. Set for one
// collection it saved ~1.5 MiB (docs/memory.md); a testing flag in a production daemon is not
// worth that.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full collection at each of `delaysMs` from now (timers that never keep the process alive);
 * the last one compacts (above).
 * V8 offers no collection to an embedder's script without --expose-gc; set at run time, the flag
 * gives `gc` to a new context only, so the daemon's own global scope stays as it was.
 */
export function collectAfter(delaysMs: readonly number[]): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') return;
  const collect = gc as (options?: object) => void;
  const last = Math.max(...delaysMs);
  for (const delay of delaysMs) setTimeout(() => (delay === last ? compact(collect) : collect()), delay).unref();
}

function compact(collect: (options?: object) => void): void {
  collect();
  // A last-resort collection (V8's memory-reducing one) compacts what the one above left sparse.
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
