// The daemon's heap after start-up (docs/memory.md, "What changed"). The start-up burst (every
// area's first etcd snapshot, the first reconcile and renders) grows V8's young generation and old
// space and leaves them full of garbage that an idle daemon never collects: V8 collects when
// allocation asks it to, and an idle daemon allocates little (measured: 193 MiB of heap for 50 MiB
// live, unchanged after 60 s idle). So the daemon runs a full collection shortly after its areas
// started, and V8 gives the pages back. Scheduled from the daemon command, for every way the daemon
// is started (systemd, by hand, tests, benches).
//
// The last collection also drops the bytecode of functions not running at that moment (module
// top-levels, config parsing, first snapshots: code that start-up ran once). V8 flushes bytecode
// by age only in the collections it starts itself, never in a forced one (measured: ten forced
// collections, even with --bytecode-old-age=1 set at run time, flushed nothing), and an idle daemon
// runs few of its own. --stress-flush-code, set for one collection only, flushes regardless of
// age; a flushed function that runs again is compiled again on its next call, once.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full collection at each of `delaysMs` from now (timers that never keep the process alive);
 * the last one also flushes idle bytecode (above).
 * V8 offers no collection to an embedder's script without --expose-gc; set at run time, the flag
 * gives `gc` to a new context only, so the daemon's own global scope stays as it was.
 */
export function collectAfter(delaysMs: readonly number[]): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') return;
  const collect = gc as (options?: object) => void;
  const last = Math.max(...delaysMs);
  for (const delay of delaysMs) setTimeout(() => (delay === last ? flushAndCollect(collect) : collect()), delay).unref();
}

function flushAndCollect(collect: (options?: object) => void): void {
  setFlagsFromString('--stress-flush-code');
  try {
    collect();
  } finally {
    setFlagsFromString('--no-stress-flush-code');
  }
  // The flushed functions' bytecode and feedback became garbage in the collection above; a
  // last-resort collection (V8's memory-reducing one: it compacts) gives their pages back.
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
