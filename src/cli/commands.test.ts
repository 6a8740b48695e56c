import { describe, expect, it } from 'vitest';
import { commands } from './commands.ts';

describe('the command table', () => {
  it('names each command once', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  // The table's text is what `weft help` shows without loading anything; a module that wrote its
  // own usage (instead of spreading spec(name)) would drift from it.
  it.each(commands.map((c) => [c.name, c] as const))('%s loads a command that matches its row', async (_name, entry) => {
    const command = await entry.load();
    expect({ name: command.name, usage: command.usage, summary: command.summary }).toEqual({ name: entry.name, usage: entry.usage, summary: entry.summary });
    expect(typeof command.run).toBe('function');
  });
});

async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const { main } = await import('./main.ts');
  let out = '';
  let err = '';
  const status = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), env: {} });
  return { status, out, err };
}

describe('what operators type', () => {
  it.each([['--version'], ['-v'], ['version']])('weft %s prints the version', async (flag) => {
    const { status, out } = await run([flag]);
    expect(status).toBe(0);
    expect(out).toMatch(/^weft \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('weft help CMD prints that command, weft help GROUP every command of the group', async () => {
    const one = await run(['help', 'dns', 'add']);
    expect(one.status).toBe(0);
    expect(one.out).toBe(`usage: ${commands.find((c) => c.name === 'dns add')!.usage}\n${commands.find((c) => c.name === 'dns add')!.summary}\n`);
    const group = await run(['help', 'lease']);
    expect(group.out).toContain('weft lease ls');
    const none = await run(['help', 'nothing']);
    expect(none.status).toBe(2);
    expect(none.err).toContain('WEFT_E_USAGE');
  });

  it('weft completion bash completes commands, subcommands and flags', async () => {
    const { status, out } = await run(['completion', 'bash']);
    expect(status).toBe(0);
    const { execFileSync } = await import('node:child_process');
    const complete = (words: string[]): string =>
      execFileSync('bash', ['-c', `${out}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _weft; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim();
    expect(complete(['weft', 'conf'])).toBe('confd config');
    expect(complete(['weft', 'cni', ''])).toBe('install uninstall');
    expect(complete(['weft', 'cni', 'install', '--b'])).toBe('--bin-dir');
    expect(complete(['weft', 'confd', '-one'])).toBe('-onetime');
    expect(complete(['weft', 'help', 'ver'])).toBe('version');
  });
});
