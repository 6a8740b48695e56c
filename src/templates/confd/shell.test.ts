import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeShellRunner, runShell } from './shell.ts';

afterAll(() => closeShellRunner());

describe('runShell (through the helper shell, or directly when it is busy)', () => {
  it('returns exit codes and output, quoting the command exactly', async () => {
    expect(await runShell("echo 'it''s' \"$((6*7))\"; echo err >&2", 5000)).toEqual({ code: 0, output: "its 42\nerr", timedOut: false, stopped: false });
    expect((await runShell('exit 3', 5000)).code).toBe(3);
    expect((await runShell("printf '%s' \"a'b\"", 5000)).output).toBe("a'b");
  });

  it('kills a command past its timeout', async () => {
    const begun = Date.now();
    const result = await runShell('sleep 20', 200);
    expect(result.timedOut).toBe(true);
    expect(result.code).toBeNull();
    expect(Date.now() - begun).toBeLessThan(5000);
  });

  it('runs commands side by side when they overlap', async () => {
    const results = await Promise.all([runShell('sleep 0.2; echo a', 5000), runShell('echo b', 5000), runShell('exit 1', 5000)]);
    expect(results.map((r) => [r.code, r.output])).toEqual([[0, 'a'], [0, 'b'], [1, '']]);
  });

  it('passes extra environment to the command', async () => {
    expect((await runShell('echo "$WEFT_SHELL_TEST"', 5000, { WEFT_SHELL_TEST: 'yes' })).output).toBe('yes');
  });
});

describe('runShell process groups', () => {
  // A killed orphan may linger as a zombie until init reaps it: that is not alive.
  const alive = (pid: number): boolean => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  async function gone(pids: number[]): Promise<boolean> {
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return !pids.some(alive);
  }

  it.each([['through the helper shell', undefined], ['started directly', { WEFT_SHELL_TEST: 'x' }]] as const)('kills what a timed-out command started, not just the command (%s)', async (_how, env) => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-shell-test-'));
    try {
      const result = await runShell(`sleep 30 & echo $! > ${dir}/child; sleep 30`, 300, env);
      expect(result.timedOut).toBe(true);
      expect(await gone([Number(readFileSync(join(dir, 'child'), 'utf8'))])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stop (abort) kills the running command and reports it as stopped', async () => {
    const stop = new AbortController();
    const running = runShell('sleep 30', 60_000, undefined, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop.abort();
    expect(await running).toMatchObject({ code: null, stopped: true, timedOut: false });
  });
});
