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
