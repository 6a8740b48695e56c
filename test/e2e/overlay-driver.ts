// Runs one overlay area inside the current network namespace for the e2e tests and the benchmark,
// fed from stdin instead of etcd. argv[2]: OverlayOptions as JSON. stdin: one JSON command per
// line, {"self": Lease, "peers": Lease[], "seq": n} or {"stop": true}. stdout: JSON events,
// {"event":"started","vtepMAC"}, {"event":"settled","seq","status"}, {"event":"stopped"}.
import { createInterface } from 'node:readline';
import { createLogger } from '../../src/log.ts';
import { createOverlayReconciler, type OverlayOptions } from '../../src/overlay/index.ts';
import type { Lease } from '../../src/overlay/lease.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as OverlayOptions;
const area = createOverlayReconciler({ ...options, logger: createLogger('info', process.stderr) });
const emit = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const abort = new AbortController();
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => {
  stopping ??= area.stop(new Date(Date.now() + 5_000)).then(() => {
    emit({ event: 'stopped' });
    process.exit(0);
  });
  return stopping;
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await area.start(abort.signal);
emit({ event: 'started', vtepMAC: await area.vtepMAC() });

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const command = JSON.parse(line) as { self?: Lease; peers?: Lease[]; seq?: number; stop?: boolean; settle?: boolean };
  if (command.stop === true) {
    await stop();
    break;
  }
  if (command.self !== undefined) area.setLeases(command.self, command.peers ?? []);
  await area.settled();
  emit({ event: 'settled', seq: command.seq ?? 0, ready: area.ready(), status: area.status() });
}
