import { describe, expect, it } from 'vitest';
import { matchBuiltin, type BuiltinCommands } from './builtin.ts';

const ok = async (): Promise<{ code: number; output: string; timedOut: boolean; stopped: boolean }> => ({ code: 0, output: '', timedOut: false, stopped: false });
const builtins: BuiltinCommands = new Map([['weft proxy check', ok]]);

describe('matchBuiltin', () => {
  it.each([
    ['weft proxy check /run/weft/.routes.toml123', ['/run/weft/.routes.toml123']],
    ['  weft   proxy check\t/a/b  ', ['/a/b']],
    ['weft proxy check', []],
  ])('runs %j in-process with %j', (command, args) => {
    expect(matchBuiltin(command, builtins)?.args).toEqual(args);
  });

  it.each([
    'weft proxy check /a; rm -rf /',
    'weft proxy check "/a b"',
    'weft proxy check $FILE',
    'weft proxy check /a && reload',
    'weft proxy check /a > /tmp/out',
    'weft proxy /a',
    'weftx proxy check /a',
    '/usr/bin/weft proxy check /a',
    'nginx -t -c /a',
    'weft proxy check /a\nother',
  ])('leaves %j to the shell', (command) => {
    expect(matchBuiltin(command, builtins)).toBeUndefined();
  });

  it('takes nothing when no builtins are registered', () => {
    expect(matchBuiltin('weft proxy check /a', undefined)).toBeUndefined();
    expect(matchBuiltin('weft proxy check /a', new Map())).toBeUndefined();
  });
});
