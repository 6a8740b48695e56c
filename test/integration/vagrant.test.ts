// Issue 17 item 5: vagrant/Vagrantfile is valid for Debian's vagrant (2.3) without a hypervisor,
// and the provisioning script passes shellcheck. Booting the VMs is not done here (no hypervisor).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = new URL('../../vagrant/', import.meta.url).pathname;

describe('vagrant/', () => {
  it('vagrant validate --ignore-provider accepts the Vagrantfile', async () => {
    // A throwaway VAGRANT_HOME: validate must not depend on, nor write to, the runner's.
    const home = mkdtempSync(join(tmpdir(), 'weft-vagrant-'));
    try {
      const { stdout } = await run('vagrant', ['validate', '--ignore-provider', '--no-color'], { cwd: dir, env: { ...process.env, VAGRANT_HOME: home, VAGRANT_CHECKPOINT_DISABLE: '1' }, timeout: 90_000 });
      expect(stdout).toContain('Vagrantfile validated successfully.');
    } catch (error) {
      throw new Error(`vagrant validate failed (apt-get install vagrant): ${String((error as { stdout?: string }).stdout ?? '')}${String((error as { stderr?: string }).stderr ?? (error as Error).message)}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('shellcheck passes provision.sh and scripts/install.sh', async () => {
    const scripts = [join(dir, 'provision.sh'), new URL('../../scripts/install.sh', import.meta.url).pathname];
    const result = await run('shellcheck', ['--severity=info', ...scripts]).then(
      () => ({ code: 0, out: '' }),
      (error: { code?: number; stdout?: string; message: string }) => ({ code: error.code ?? 1, out: error.stdout ?? error.message }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});
