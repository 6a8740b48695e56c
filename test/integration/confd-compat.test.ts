// `weft confd` as a drop-in for confd 0.16 on etcdv3 (issue 16): the global prefix, the flags and
// confd.toml keys confd has, CONFD_* variables, SRV discovery, resources as BurntSushi/toml reads
// them, and cget & co. over values GnuPG encrypted as the crypt project does. Real etcd, real CLI.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../src/etcd/index.ts';
import { discoverSrv, withSrvNodes, parseConfdArgs, resolveConfdSettings } from '../../src/templates/index.ts';
import { Dnsmasq } from '../dns/harness.ts';
import { findEtcdBinary, freePort, startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';
import { cleanups, confdTestbed, eventually, singleResource, tempDir } from './confd-fixture.ts';

let etcd: EtcdCluster;
let client: Etcd3;
confdTestbed((started, startedClient) => {
  etcd = started;
  client = startedClient;
});
const confdir = singleResource;

const onetime = (dir: string, ...extra: string[]) => runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint, ...extra]);

describe('-prefix', () => {
  it('replaces the resource prefix, as confd 0.16; -prefix-join joins them', async () => {
    await client.put('/cmp/global/k').value('replaced');
    await client.put('/cmp/global/own/k').value('joined');
    await client.put('/cmp/own/k').value('resource prefix only');
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nprefix = "/cmp/own"\nkeys = ["/k"]\n', '{{getv "/k"}}');
    const replace = await onetime(dir, '-prefix', '/cmp/global');
    expect(replace.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('replaced');
    writeFileSync(join(dir, 'conf.d', 'app.toml'), readFileSync(join(dir, 'conf.d', 'app.toml'), 'utf8').replace('/cmp/own', 'own'));
    expect((await onetime(dir, '-prefix', '/cmp/global', '-prefix-join')).code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('joined');
    writeFileSync(join(dir, 'conf.d', 'app.toml'), readFileSync(join(dir, 'conf.d', 'app.toml'), 'utf8').replace('"own"', '"/cmp/own"'));
    expect((await onetime(dir)).code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('resource prefix only');
  });
});

describe('templates.prefix and templates.prefix_mode in weft daemon', () => {
  it('replace by default, join with prefix_mode = "join"', async () => {
    await client.put('/dm/global/k').value('replaced');
    await client.put('/dm/global/own/k').value('joined');
    for (const [mode, expected] of [[[], 'replaced'], [['--templates-prefix-mode', 'join'], 'joined']] as const) {
      const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nprefix = "own"\nkeys = ["/k"]\n', '{{getv "/k"}}');
      const daemon = new WeftProcess(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', join(dir, 'weft.sock'), '--etcd-endpoints', etcd.endpoint, '--daemon-state-dir', join(dir, 'state'), '--templates-enabled', '--templates-confdir', dir, '--templates-prefix', '/dm/global', ...mode]);
      await eventually(() => readOr(join(out, 'app.conf')) === expected);
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    }
  });
});

describe('confd 0.16 flags, confd.toml and environment', () => {
  it('refuses -backend etcd with the v2/v3 keyspace explanation, and flags of other backends naming them', async () => {
    const v2 = await runWeft(['confd', '-onetime', '-backend', 'etcd']);
    expect(v2.code).toBe(2);
    expect(v2.stderr).toContain("etcd's v2 API");
    expect(v2.stderr).toContain('not visible through v3');
    expect(v2.stderr).toContain("'etcdctl migrate' (etcd before 3.5)");
    const table = await runWeft(['confd', '-onetime', '-table', 'confd']);
    expect(table.code).toBe(2);
    expect(table.stderr).toContain("-table is used only by confd's dynamodb backend");
  });

  it('reads confd.toml with confd\'s key names in any case (-config-file), and -log-level', async () => {
    await client.put('/cmpfile/k').value('from file');
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/k"]\n', '{{getv "/k"}}');
    const file = join(dir, 'my-confd.toml');
    writeFileSync(file, `Backend = "etcdv3"\nNODES = ["${etcd.endpoint.replace(/^http:\/\//, '')}"]\nPrefix = "/cmpfile"\nconfdir = "${dir}"\nOneTime = true\nLOG-LEVEL = "error"\n`);
    const run = await runWeft(['confd', '-config-file', file]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('from file');
    expect(run.stdout).not.toContain('confd_start');
  });

  it('runs without a -config-file that does not exist, as confd does, and warns', async () => {
    await client.put('/nofile/k').value('without confd.toml');
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/nofile/k"]\n', '{{getv "/nofile/k"}}');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint, '-config-file', join(dir, 'weft-missing-confd.toml')]);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('without confd.toml');
    expect(run.stdout).toContain('confd_toml_missing');
  });

  it('reads CONFD_CLIENT_CAKEYS (nodes without a scheme then use TLS)', async () => {
    const { dir } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/k"]\n', 'x');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint.replace(/^http:\/\//, '')], { CONFD_CLIENT_CAKEYS: '/nonexistent/weft-ca.pem' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/nonexistent/weft-ca.pem');
  });

  it('-keep-stage-file keeps the staged file when the destination is current', async () => {
    await client.put('/keep/k').value('v');
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/keep"]\n', '{{getv "/keep/k"}}');
    expect((await onetime(dir)).code).toBe(0);
    expect(readdirSync(out)).toEqual(['app.conf']);
    expect((await onetime(dir, '-keep-stage-file')).code).toBe(0);
    const staged = readdirSync(out).filter((name) => name.startsWith('.app.conf.'));
    expect(staged).toHaveLength(1);
    expect(readFileSync(join(out, staged[0] ?? ''), 'utf8')).toBe('v');
  });

  it('-basic-auth -username -password log in to an etcd with authentication on; without -basic-auth confd sends no credentials', async () => {
    const secured = await startEtcd();
    cleanups.push(() => secured.destroy());
    const etcdctl = (args: string[]) => execFileSync('etcdctl', ['--endpoints', secured.endpoint, ...args], { timeout: 30_000 });
    etcdctl(['put', '/auth/k', 'behind auth']);
    etcdctl(['user', 'add', 'root', '--new-user-password=pw']);
    etcdctl(['auth', 'enable']);
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/auth"]\n', '{{getv "/auth/k"}}');
    const withoutFlag = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', secured.endpoint, '-username', 'root', '-password', 'pw']);
    expect(withoutFlag.code).toBe(1);
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', secured.endpoint, '-basic-auth', '-username', 'root', '-password', 'pw']);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('behind auth');
  });

  it('-client-cert -client-key -client-ca-keys (or CONFD_CLIENT_*) reach an etcd that demands client certificates', async () => {
    const pki = tempDir('pki');
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=weft-test-ca']);
    for (const [name, usage] of [['server', 'serverAuth'], ['client', 'clientAuth']] as const) {
      writeFileSync(join(pki, `${name}.ext`), `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=weft-${name}`]);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
    }
    const [port, peer] = [await freePort(), await freePort()];
    const child = spawn(findEtcdBinary(), [
      '--name', 'weft-tls', '--data-dir', join(pki, 'data'), '--cert-file', join(pki, 'server.pem'), '--key-file', join(pki, 'server.key'),
      '--client-cert-auth', '--trusted-ca-file', join(pki, 'ca.pem'),
      '--listen-client-urls', `https://127.0.0.1:${port}`, '--advertise-client-urls', `https://127.0.0.1:${port}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `weft-tls=http://127.0.0.1:${peer}`,
    ], { stdio: 'ignore' });
    cleanups.push(async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    });
    const tls = ['--cacert', join(pki, 'ca.pem'), '--cert', join(pki, 'client.pem'), '--key', join(pki, 'client.key')];
    const put = (): boolean => {
      try {
        execFileSync('etcdctl', ['--endpoints', `https://127.0.0.1:${port}`, ...tls, '--command-timeout', '2s', 'put', '/tls/k', 'over mutual TLS'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    await eventually(put, 20_000);
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/tls"]\n', '{{getv "/tls/k"}}');
    const files = { cert: join(pki, 'client.pem'), key: join(pki, 'client.key'), ca: join(pki, 'ca.pem') };
    const flags = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', `127.0.0.1:${port}`, '-client-cert', files.cert, '-client-key', files.key, '-client-ca-keys', files.ca]);
    expect(flags.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('over mutual TLS');
    rmSync(join(out, 'app.conf'));
    const env = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', `127.0.0.1:${port}`], { CONFD_CLIENT_CERT: files.cert, CONFD_CLIENT_KEY: files.key, CONFD_CLIENT_CAKEYS: files.ca });
    expect(env.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('over mutual TLS');
  });

  it('-sync-only writes the file without running check_cmd or reload_cmd', async () => {
    await client.put('/sync/k').value('v');
    const { dir, out } = confdir(`[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/sync"]\ncheck_cmd = "touch @OUT@/checked"\nreload_cmd = "touch @OUT@/reloaded"\n`, '{{getv "/sync/k"}}');
    expect((await onetime(dir, '-sync-only')).code).toBe(0);
    expect(readdirSync(out)).toEqual(['app.conf']);
  });

  it('-interval N renders again every N seconds', async () => {
    await client.put('/interval/k').value('one');
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/interval"]\n', '{{getv "/interval/k"}}');
    const confd = new WeftProcess(['confd', '-interval', '1', '-confdir', dir, '-node', etcd.endpoint]);
    cleanups.push(async () => {
      confd.kill('SIGTERM');
      await confd.exited;
    });
    await eventually(() => readOr(join(out, 'app.conf')) === 'one');
    await client.put('/interval/k').value('two');
    await eventually(() => readOr(join(out, 'app.conf')) === 'two');
  });
});

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

describe('etcd nodes from DNS SRV records', () => {
  it('finds etcd through _etcdv3._tcp.<domain>. (as -srv-domain builds it) and reads keys from it', async () => {
    const port = new URL(etcd.endpoint).port;
    const dns = await Dnsmasq.start('', [`--srv-host=_etcdv3._tcp.weft.test,127.0.0.1,${port},0,10`]);
    cleanups.push(() => dns.stop());
    const { settings } = resolveConfdSettings(parseConfdArgs(['-srv-domain', 'weft.test']), undefined);
    expect(settings.srvRecord).toBe('_etcdv3._tcp.weft.test.');
    const found = withSrvNodes(settings, await discoverSrv(settings.srvRecord, { servers: [`127.0.0.1:${dns.port}`], timeoutMs: 500, tries: 2 }));
    expect(found.nodes).toEqual([`http://127.0.0.1:${port}`]);
    await client.put('/srv/k').value('through SRV');
    const viaSrv = createEtcdClient({ endpoints: found.nodes, dial_timeout: 2000, ca_file: '', cert_file: '', key_file: '', username: '', password: '' });
    cleanups.push(() => viaSrv.close());
    expect(await viaSrv.get('/srv/k').string()).toBe('through SRV');
    await expect(discoverSrv('_etcdv3._tcp.nothing.weft.test.', { servers: [`127.0.0.1:${dns.port}`], timeoutMs: 500, tries: 2 })).rejects.toThrow('cannot get etcd nodes from the SRV record _etcdv3._tcp.nothing.weft.test.');
  });

  it('weft confd -srv-record exits with the reason when the record cannot be found', async () => {
    const { dir } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/k"]\n', 'x');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-srv-record', '_etcdv3._tcp.weft.invalid.']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot get etcd nodes from the SRV record _etcdv3._tcp.weft.invalid.');
  });
});

describe('template resources as confd reads them', () => {
  it('takes keys in any case and warns about an owner that does not exist, writing the file as the effective user', async () => {
    await client.put('/res/k').value('v');
    const { dir, out } = confdir('[TEMPLATE]\nSrc = "app.tmpl"\nDEST = "@OUT@/app.conf"\nKeys = ["/res"]\nOwner = "weft-no-such-user"\nMODE = "0640"\n', '{{getv "/res/k"}}');
    const run = await onetime(dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('resource_warning');
    expect(run.stdout).toContain('owner \\"weft-no-such-user\\" is not a user on this host');
    const info = statSync(join(out, 'app.conf'));
    expect([info.uid, info.mode & 0o777]).toEqual([process.geteuid?.(), 0o640]);
  });
});

describe('cget, cgets, cgetv, cgetvs with -secret-keyring', () => {
  let home = '';
  let keyring = '';
  const gpg = (args: string[], input?: Buffer): Buffer => execFileSync('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', '', ...args], input === undefined ? {} : { input });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'weft-gpg-'));
    gpg(['--quick-generate-key', 'weft test <test@weft.invalid>', 'rsa2048', 'sign,cert', 'never']);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(gpg(['--with-colons', '--list-secret-keys']).toString())?.[1] ?? '';
    gpg(['--quick-add-key', fingerprint, 'rsa2048', 'encr', 'never']);
    keyring = join(home, 'secring.asc');
    writeFileSync(keyring, gpg(['--armor', '--export-secret-keys']));
  });
  afterAll(() => {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(home, { recursive: true, force: true });
  });

  /** crypt's secconf encoding: base64(gpg(gzip(data))), the OpenPGP message binary. */
  const secconf = (plain: string): string => gpg(['--trust-model', 'always', '--encrypt', '--recipient', 'test@weft.invalid'], gzipSync(Buffer.from(plain))).toString('base64');

  it('decrypts values GnuPG encrypted as crypt does, in a template rendered by weft confd -onetime', async () => {
    await client.put('/crypt/db/pass').value(secconf('hunter2'));
    await client.put('/crypt/users/a').value(secconf('alpha'));
    await client.put('/crypt/users/b').value(secconf('beta'));
    const template = '{{(cget "/db/pass").Value}} {{cgetv "/db/pass"}}{{range cgets "/users/*"}} {{.Key}}={{.Value}}{{end}} [{{range cgetvs "/users/*"}}{{.}};{{end}}]\n';
    const { dir, out } = confdir('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nprefix = "/crypt"\nkeys = ["/db", "/users"]\n', template);
    const run = await onetime(dir, '-secret-keyring', keyring);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rendered = readFileSync(join(out, 'app.conf'), 'utf8');
    expect(rendered).toMatch(/^hunter2 hunter2 \/users\/a=alpha \/users\/b=beta \[(alpha;beta;|beta;alpha;)\]\n$/);

    await client.put('/crypt/db/pass').value('plain text');
    const bad = await onetime(dir, '-secret-keyring', keyring);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('not base64');
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe(rendered);

    const missing = await onetime(dir, '-secret-keyring', join(home, 'nonexistent.asc'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read -secret-keyring');
  });
});
