// A watch stream opened (or re-opened after a loss) towards a member that is silently gone never
// comes up, and nothing ends it: gRPC has no connect timeout (the unanswered TCP SYN is retried by
// the kernel for about two minutes), streams have no deadline, and the keep-alive only watches a
// connection that was established. The library re-opens a lost stream on a shuffled member, so
// after a partition one reconnect in three can wait there until the partition heals. This guard
// cancels the library's stream when a watcher has not been confirmed by etcd within `timeoutMs`;
// the library then reports the member failed (its circuit breaker counts it) and re-opens the
// stream on a member picked again.
import type { Watcher } from 'etcd3';

/** How long a watcher may wait for etcd's confirmation before its stream is re-opened elsewhere. */
export const streamDialTimeoutMs = 3000;

// The parts of etcd3 1.1.2's WatchManager used here (not public API): `state` 2 is Connected, which
// is set as soon as the stream object exists, answered or not.
interface WatchManagerInternals {
  readonly state?: number;
  readonly stream?: { cancel(): void };
}

function cancelUnansweredStream(watcher: Watcher): boolean {
  const manager = (watcher as unknown as { manager?: WatchManagerInternals }).manager;
  if (manager?.state !== 2 || manager.stream === undefined) return false;
  manager.stream.cancel();
  return true;
}

/** Guards `watcher` until the returned function is called; `onRedial` hears of each cancel. */
export function guardStreamDial(watcher: Watcher, onRedial: () => void, timeoutMs = streamDialTimeoutMs): () => void {
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  const arm = (): void => {
    disarm();
    timer = setTimeout(() => {
      if (cancelUnansweredStream(watcher)) onRedial();
      arm();
    }, timeoutMs);
    timer.unref();
  };
  watcher.on('connected', disarm);
  watcher.on('disconnected', arm);
  arm();
  return disarm;
}
