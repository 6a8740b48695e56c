// For tests that run a driver process printing one JSON object a line (the etcd blackhole and
// partition drivers): collects its lines as they come, and waits for one of them.
import type { ChildProcess } from 'node:child_process';

export type JsonLine = Record<string, unknown>;

/** Every line `child` prints on stdout, parsed, in order (stderr chunks as `{ type: 'stderr' }`). */
export function collectJsonLines(child: ChildProcess): JsonLine[] {
  const lines: JsonLine[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) lines.push(JSON.parse(part) as JsonLine);
  });
  child.stderr?.on('data', (chunk: Buffer) => lines.push({ type: 'stderr', text: chunk.toString() }));
  return lines;
}

/** Polls `find` every 100 ms; throws after `timeoutMs` with everything the driver said. */
export async function untilLine<T>(lines: readonly JsonLine[], what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms; driver said:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Driver side: prints `{type: 'status', connected, lastError}` each time the watch's connection state changes (polled every 50 ms). */
export function printStatusChanges(watch: { status(): { connected: boolean; lastError?: string | undefined } }, print: (line: object) => void): NodeJS.Timeout {
  let connected: boolean | undefined;
  return setInterval(() => {
    const status = watch.status();
    if (status.connected === connected) return;
    connected = status.connected;
    print({ type: 'status', connected, lastError: status.lastError ?? null });
  }, 50);
}
