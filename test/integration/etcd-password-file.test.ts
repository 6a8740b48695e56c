// etcd.password_file against a real etcd with authentication on: the file's password (written with
// a trailing newline, as `echo` does) logs in; a wrong one is refused by etcd.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaults } from '../../src/config/schema.ts';
import { createEtcdClient } from '../../src/etcd/client.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';

const run = promisify(execFile);
const password = 'correct horse';
let etcd: EtcdCluster;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'weft-etcd-auth-'));
  const etcdctl = (args: string[]) => run('etcdctl', ['--endpoints', etcd.endpoint, ...args], { timeout: 30_000 });
  await etcdctl(['user', 'add', 'root', `--new-user-password=${password}`]);
  await etcdctl(['auth', 'enable']);
});

afterAll(async () => {
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function clientWith(content: string) {
  const file = join(dir, `pw-${content.length}`);
  writeFileSync(file, content, { mode: 0o600 });
  return createEtcdClient({ ...defaults().etcd, endpoints: etcd.endpoints, dial_timeout: 5000, username: 'root', password_file: file });
}

it('logs in with the password from the file, trailing newline stripped', async () => {
  const client = clientWith(`${password}\n`);
  try {
    await client.put('/weft/auth/probe').value('ok').exec();
    expect(await client.get('/weft/auth/probe').string()).toBe('ok');
  } finally {
    client.close();
  }
});

it('is refused by etcd with a wrong password in the file', async () => {
  const client = clientWith('wrong\n');
  try {
    await expect(client.get('/weft/auth/probe').string()).rejects.toThrow(/authentication failed|invalid/i);
  } finally {
    client.close();
  }
});
