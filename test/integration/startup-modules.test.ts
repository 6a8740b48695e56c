// Fast starts (issue 19), checked through the module graph rather than a clock: `weft --help`,
// `weft version`, usage errors and `weft status` load no etcd client, gRPC, prom-client or pino,
// and a daemon with only subnet + overlay enabled loads no DNS, templates or proxy code.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { freePort } from '../harness/etcd.ts';
import { weftMain } from '../harness/weft-process.ts';

const tracer = fileURLToPath(new URL('../harness/module-trace.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'weft-startup-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let traces = 0;

/** Runs `weft ARGS` with the tracer; `whileRunning` may act on it (then it is sent SIGTERM). Resolves to the module URLs. */
async function modulesOf(args: readonly string[], whileRunning?: (exited: () => boolean) => Promise<void>): Promise<{ urls: string[]; code: number | null }> {
  const trace = join(dir, `trace-${++traces}.txt`);
  const child = spawn(process.execPath, ['--import', tracer, weftMain, ...args], { env: { ...process.env, WEFT_MODULE_TRACE: trace }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((done = true), resolve(code))));
  if (whileRunning !== undefined) {
    await whileRunning(() => done);
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (!existsSync(trace)) throw new Error(`no module trace from weft ${args.join(' ')} (exit ${code}): ${stderr}`);
  return { urls: readFileSync(trace, 'utf8').split('\n'), code };
}

const heavy = ['node_modules/etcd3/', 'node_modules/@grpc/', 'node_modules/prom-client/', 'node_modules/pino/'];
const heavyIn = (urls: readonly string[]): string[] => heavy.filter((h) => urls.some((url) => url.includes(h)));

describe('CLI commands load only what they use', () => {
  it.each([[['--help']], [['version']], [['--version']], [['completion', 'bash']], [['no-such-command']], [['network', 'init', '--help']], [['status', '--socket', join(dir, 'no-daemon.sock')]]])(
    'weft %j loads no etcd client, gRPC, prom-client or pino',
    async (args) => {
      const { urls } = await modulesOf(args);
      expect(urls.some((url) => url.endsWith('/src/cli/main.ts'))).toBe(true);
      expect(heavyIn(urls)).toEqual([]);
    },
  );

  it('sees them where a command does load them (the check can fail)', async () => {
    const { urls, code } = await modulesOf(['confd', '-version']);
    expect(code).toBe(0);
    expect(heavyIn(urls)).toEqual(expect.arrayContaining(['node_modules/etcd3/', 'node_modules/@grpc/', 'node_modules/pino/']));
  });
});

describe('the daemon loads only the enabled areas', () => {
  it('with subnet + overlay (the defaults), loads no DNS, templates or proxy module', async () => {
    // etcd is a closed port: the areas are built (their modules loaded) before anything starts,
    // and without a lease the overlay never touches the host's network.
    const socket = join(dir, 'daemon.sock');
    const flags = ['--admin-socket', socket, '--daemon-state-dir', dir, '--subnet-file', join(dir, 'subnet.env'), '--etcd-endpoints', `http://127.0.0.1:${await freePort()}`, '--etcd-dial-timeout', '200ms'];
    const { urls } = await modulesOf(['daemon', ...flags], async (exited) => {
      const deadline = Date.now() + 60_000;
      while (!exited() && Date.now() < deadline) {
        const up = await adminRequest(socket, 'GET', '/healthz', undefined, 1000).then((r) => r.status === 200, () => false);
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const loaded = (area: string): boolean => urls.some((url) => url.includes(`/src/${area}/`));
    expect(['subnet', 'overlay', 'etcd'].filter(loaded)).toEqual(['subnet', 'overlay', 'etcd']);
    expect(['dns', 'templates', 'proxy', 'gotemplate'].filter(loaded)).toEqual([]);
  });
});
