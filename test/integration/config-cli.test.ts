// `weft config check` and `weft config show` as an operator runs them: problems with their lines
// for any key text (no stack trace), and secrets never printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWeft } from '../harness/weft-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-config-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weft config check', () => {
  it.each([
    ['a(b', '[dns]\n"a(b" = 1\n', 2],
    ['(((…x', `[dns]\nenabled = false\n"${'('.repeat(27)}x" = 1\n`, 3],
    ['10k characters', `[etcd]\n"${'a?'.repeat(5000)}" = 1\n`, 2],
  ])('reports an unknown key with regex characters (%s) with its line, exit 1', async (_name, text, line) => {
    const file = join(dir, `check-${line}-${text.length}.toml`);
    writeFileSync(file, text);
    const run = await runWeft(['config', 'check', file]);
    expect(run.stderr).toMatch(new RegExp(`^1 problem in the configuration:\\n  ${file.replaceAll('.', '\\.')}:${line}: `));
    expect(run.stderr).not.toContain('    at ');
    expect(run.code).toBe(1);
  });
});

describe('weft config show', () => {
  it('prints neither the password nor the content of password_file', async () => {
    const secretFile = join(dir, 'etcd-password');
    writeFileSync(secretFile, 'file-secret-4711\n', { mode: 0o600 });
    const file = join(dir, 'show.toml');
    writeFileSync(file, `[etcd]\nusername = "weft"\npassword_file = "${secretFile}"\n`);
    const show = await runWeft(['config', 'show', '--config', file]);
    expect(show.code).toBe(0);
    expect(show.stdout).not.toContain('file-secret-4711');
    expect((JSON.parse(show.stdout) as { config: { etcd: { password_file: string } } }).config.etcd.password_file).toBe(secretFile);
    const flagged = await runWeft(['config', 'show', '--config', file, '--etcd-password', 'flag-secret-0815']);
    expect(flagged.stdout).not.toContain('flag-secret-0815');
    expect(flagged.stdout).toContain('<redacted>');
  });
});
