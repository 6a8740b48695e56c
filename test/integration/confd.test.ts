// `weft confd` as operators run it: real etcd, real files, real check/reload commands, the real CLI.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdCluster } from '../harness/etcd.ts';
import { putWithRetry } from '../harness/etcd-client.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';
import { cleanups, confdTestbed, eventually, singleResource } from './confd-fixture.ts';

const fixtures = new URL('../confd/', import.meta.url).pathname;
let etcd: EtcdCluster;
let client: Etcd3;
confdTestbed((started, startedClient) => {
  etcd = started;
  client = startedClient;
});

/** A confdir made from a fixture, with @OUT@ in the resources replaced by a fresh output dir. */
function confdir(fixture: string): { dir: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-confd-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(fixtures, fixture), dir, { recursive: true });
  const out = join(dir, 'out');
  mkdirSync(out);
  for (const name of readdirSync(join(dir, 'conf.d'))) {
    const file = join(dir, 'conf.d', name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('@OUT@', out));
  }
  return { dir, out };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function watchConfd(dir: string, extra: string[] = []): WeftProcess {
  const confd = new WeftProcess(['confd', '-watch', '-confdir', dir, '-node', etcd.endpoint, '-log-level', 'debug', ...extra]);
  cleanups.push(async () => {
    confd.kill('SIGTERM');
    await confd.exited;
  });
  return confd;
}

describe('weft confd -onetime', () => {
  it('renders every resource exactly as the hand-written expected files', async () => {
    await client.put('/prod/app/name').value('web');
    await client.put('/prod/app/port').value('8080');
    for (const [k, v] of [['web/b', '10.0.1.1'], ['web/c', '10.0.1.2'], ['web/a', '10.0.1.3'], ['db/primary', '10.0.2.1']]) {
      await client.put(`/prod/services/${k}`).value(v ?? '');
    }
    // -prefix /prod replaces prefixed.toml's own prefix "myapp", as in confd 0.16.
    await client.put('/prod/db/host').value('db.prod');
    await client.put('/prod/db/user').value('app');
    await client.put('/prod/myapp/db/host').value('not read: the global prefix replaces the resource prefix');
    await client.put('/prod/json/object').value('{"name":"api","port":8443,"tags":["blue","green"]}');
    await client.put('/prod/json/array').value('["x", 2, true]');
    for (let i = 0; i < 200; i++) await client.put(`/prod/many/k${String(i).padStart(3, '0')}`).value(`v${String(i).padStart(3, '0')}`);

    const { dir, out } = confdir('basic');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '--node', etcd.endpoint, '-prefix', '/prod']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of readdirSync(join(dir, 'expected'))) {
      expect(readFileSync(join(out, name), 'utf8'), name).toBe(readFileSync(join(dir, 'expected', name), 'utf8'));
    }
  });

  it('exits non-zero when a resource fails, and still renders the others', async () => {
    await client.put('/bad/x').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/bad"]\n', '{{getv "/bad/missing"}}');
    writeFileSync(join(dir, 'conf.d', 'good.toml'), `[template]\nsrc = "good.tmpl"\ndest = "${out}/good.conf"\nkeys = ["/bad"]\n`);
    writeFileSync(join(dir, 'templates', 'good.tmpl'), 'x={{getv "/bad/x"}}');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('key does not exist: /bad/missing');
    expect(readFileSync(join(out, 'good.conf'), 'utf8')).toBe('x=1');
    expect(existsSync(join(out, 'app.conf'))).toBe(false);
  });

  it('refuses the etcd v2 backend and unknown flags with a clear error', async () => {
    const v2 = await runWeft(['confd', '-onetime', '-backend', 'etcd']);
    expect(v2.code).toBe(2);
    expect(v2.stderr).toContain("backend 'etcd' (confd's default) is etcd's v2 API");
    const consul = await runWeft(['confd', '-onetime', '-backend=consul']);
    expect(consul.stderr).toContain("backend 'consul' is not supported");
    const unknown = await runWeft(['confd', '-bogus']);
    expect(unknown.stderr).toContain('flag provided but not defined: -bogus');
  });

  it('-noop prints a unified diff and writes nothing', async () => {
    await client.put('/noop/v').value('new');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/noop"]\n', 'value={{getv "/noop/v"}}\n');
    writeFileSync(join(out, 'app.conf'), 'value=old\n');
    const run = await runWeft(['confd', '-onetime', '-noop', '-confdir', dir, '-node', etcd.endpoint]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-value=old');
    expect(run.stdout).toContain('+value=new');
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('value=old\n');
  });
});

describe('check_cmd and reload_cmd', () => {
  it('leaves the destination byte-identical when check_cmd fails, and reloads once per effective change', async () => {
    await client.put('/cr/value').value('good');
    const resource = [
      '[template]',
      'src = "app.tmpl"',
      'dest = "@OUT@/app.conf"',
      'keys = ["/cr"]',
      'check_cmd = "grep -q good {{.src}} && test {{.dest}} = @OUT@/app.conf"',
      'reload_cmd = "echo reload >> @DIR@/reloads"',
    ].join('\n');
    const { dir, out } = singleResource(resource, 'value={{getv "/cr/value"}}\n');
    const dest = join(out, 'app.conf');
    const reloads = join(dir, 'reloads');
    const once = (): Promise<{ code: number | null }> => runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);

    expect((await once()).code).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('value=good\n');
    expect(lines(reloads)).toHaveLength(1);

    expect((await once()).code).toBe(0); // nothing changed: no reload
    expect(lines(reloads)).toHaveLength(1);

    const before = readFileSync(dest);
    await client.put('/cr/value').value('bad');
    const failed = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('WEFT_E_TEMPLATE_CHECK');
    expect(readFileSync(dest).equals(before)).toBe(true);
    expect(lines(reloads)).toHaveLength(1);
    expect(readdirSync(out)).toEqual(['app.conf']); // no staged file left behind

    await client.put('/cr/value').value('good again');
    expect((await once()).code).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('value=good again\n');
    expect(lines(reloads)).toHaveLength(2);
  });

  it('kills a check_cmd that hangs after its timeout and keeps the destination', async () => {
    await client.put('/hang/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/hang"]\ncheck_cmd = "sleep 30"\ncheck_timeout = "300ms"\n', 'v={{getv "/hang/v"}}');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('timed out after 300 ms');
    expect(existsSync(join(out, 'app.conf'))).toBe(false);
  });
});

describe('weft confd -watch', () => {
  it('renders exactly once for 50 puts in 100 ms with wait = "200ms:1s"', async () => {
    await client.put('/burst/n').value('0');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/burst"]\nwait = "200ms:1s"\nreload_cmd = "echo r >> @DIR@/reloads"\n', 'n={{getv "/burst/n"}}\n');
    const confd = watchConfd(dir);
    const dest = join(out, 'app.conf');
    await eventually(() => confd.logEvents().some((e) => e.event === 'render_updated'));
    const rendersBefore = confd.logEvents().filter((e) => e.event === 'render_updated' || e.event === 'render_unchanged').length;

    const begun = Date.now();
    for (let i = 1; i <= 50; i++) {
      await client.put('/burst/n').value(String(i));
      const due = begun + i * 2;
      if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    const putMs = Date.now() - begun;
    await eventually(() => readFileSync(dest, 'utf8') === 'n=50\n');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // anything late would show up here
    const renders = confd.logEvents().filter((e) => e.event === 'render_updated' || e.event === 'render_unchanged').length - rendersBefore;
    expect(putMs).toBeLessThan(1000);
    expect(renders).toBe(1);
    expect(lines(join(dir, 'reloads'))).toHaveLength(2); // the first render and the burst
  });

  it('catches up within a second of etcd returning after an outage', async () => {
    await client.put('/outage/v').value('before');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/outage"]\n', 'v={{getv "/outage/v"}}\n');
    watchConfd(dir);
    const dest = join(out, 'app.conf');
    await eventually(() => existsSync(dest) && readFileSync(dest, 'utf8') === 'v=before\n');
    const member = etcd.members[0]!;
    await member.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await member.start();
    const back = Date.now();
    await putWithRetry(client, '/outage/v', 'after');
    const put = Date.now();
    await eventually(() => readFileSync(dest, 'utf8') === 'v=after\n', 5000);
    const caughtUp = Date.now();
    process.stdout.write(`confd: etcd back -> put ${put - back} ms, put -> file ${caughtUp - put} ms\n`);
    expect(caughtUp - put).toBeLessThan(1000);
  });

  it('retries a failed render with backoff until it succeeds, with no change in etcd', async () => {
    await client.put('/retry/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/retry"]\ncheck_cmd = "test -e @DIR@/allow"\n', 'v={{getv "/retry/v"}}\n');
    const confd = watchConfd(dir);
    await eventually(() => confd.logEvents().filter((e) => e.event === 'render_failed').length >= 2);
    expect(existsSync(join(out, 'app.conf'))).toBe(false);
    writeFileSync(join(dir, 'allow'), '');
    await eventually(() => existsSync(join(out, 'app.conf')), 15_000);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('v=1\n');
    expect(confd.logEvents().some((e) => e.event === 'render_retry')).toBe(true);
  });

  it('re-renders when a key it reads is deleted', async () => {
    await client.put('/del/a').value('1');
    await client.put('/del/b').value('2');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/del"]\n', '{{range gets "/del/*"}}{{base .Key}} {{end}}');
    watchConfd(dir);
    const dest = join(out, 'app.conf');
    await eventually(() => existsSync(dest) && readFileSync(dest, 'utf8') === 'a b ');
    await client.delete().key('/del/a');
    await eventually(() => readFileSync(dest, 'utf8') === 'b ');
  });
});

describe('owner, group and mode', () => {
  const user = 'weftconfd';
  beforeAll(async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `getent passwd ${user} >/dev/null || useradd --system --no-create-home --user-group ${user}`]);
  });
  afterAll(async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('sh', ['-c', `userdel ${user} 2>/dev/null; getent group ${user} >/dev/null && groupdel ${user}; true`]);
  });

  it('writes the file with the owner, group and mode the resource asks for', async () => {
    await client.put('/own/v').value('1');
    const { dir, out } = singleResource(`[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/own"]\nowner = "${user}"\ngroup = "${user}"\nmode = "0640"\n`, 'v={{getv "/own/v"}}');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(run.code).toBe(0);
    const info = statSync(join(out, 'app.conf'));
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))!.split(':');
    expect(info.uid).toBe(Number(passwd[2]));
    expect(info.gid).toBe(Number(passwd[3]));
    expect(info.mode & 0o7777).toBe(0o640);

    // A second run with the file in place changes nothing; a mode change alone is an effective change.
    const again = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint, '-log-level', 'debug']);
    expect(again.stdout).toContain('render_unchanged');
    writeFileSync(join(dir, 'conf.d', 'app.toml'), readFileSync(join(dir, 'conf.d', 'app.toml'), 'utf8').replace('0640', '0600'));
    await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(statSync(join(out, 'app.conf')).mode & 0o7777).toBe(0o600);
  });

  it('reads mode "644" as decimal and applies only permission bits, as confd does', async () => {
    await client.put('/dec/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/dec"]\nmode = "644"\n', 'v');
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('resource_mode_decimal');
    // 644 = 0o1204, of which Go's os.Chmod keeps the permission bits: real confd 0.16.0 wrote 0204.
    expect(statSync(join(out, 'app.conf')).mode & 0o7777).toBe(0o204);
    // Nor does an octal mode set a set-id bit: confd 0.16.0 wrote "04755" as 0755.
    writeFileSync(join(dir, 'conf.d', 'app.toml'), readFileSync(join(dir, 'conf.d', 'app.toml'), 'utf8').replace('"644"', '"04755"'));
    expect((await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint])).code).toBe(0);
    expect(statSync(join(out, 'app.conf')).mode & 0o7777).toBe(0o755);
  });
});

describe('the templates area inside weft daemon', () => {
  it('renders on change, reports readiness and per-resource status, and reloads the confdir on SIGHUP', async () => {
    await client.put('/daemon/v').value('one');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/daemon"]\n', 'v={{getv "/daemon/v"}}\n');
    const socket = join(dir, 'weft.sock');
    const daemon = new WeftProcess(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--etcd-endpoints', etcd.endpoint, '--templates-enabled', '--templates-confdir', dir]);
    cleanups.push(async () => {
      daemon.kill('SIGTERM');
      await daemon.exited;
    });
    const { adminRequest } = await import('../../src/admin/client.ts');
    await eventually(() => existsSync(join(out, 'app.conf')) && readFileSync(join(out, 'app.conf'), 'utf8') === 'v=one\n');
    await client.put('/daemon/v').value('two');
    await eventually(() => readFileSync(join(out, 'app.conf'), 'utf8') === 'v=two\n');

    let ready = await adminRequest(socket, 'GET', '/readyz?verbose');
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await adminRequest(socket, 'GET', '/readyz?verbose');
    }
    expect(ready.body).toMatchObject({ ready: true, areas: { templates: { ready: true }, etcd: { ready: true } } });
    const status = (await adminRequest(socket, 'GET', '/v1/status')).body as { areas: { templates: { status: { resources: Record<string, { renders: number }> } } } };
    expect(status.areas.templates.status.resources.app?.renders).toBe(2);
    const metrics = (await adminRequest(socket, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^weft_templates_renders_total\{resource="app"\} 2$/m);

    // etcd away: readiness goes red and says why; back: green again.
    const member = etcd.members[0]!;
    await member.stop();
    let red = await adminRequest(socket, 'GET', '/readyz?verbose');
    for (let i = 0; i < 100 && red.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      red = await adminRequest(socket, 'GET', '/readyz?verbose');
    }
    expect(red.status).toBe(503);
    expect((red.body as { areas: { templates: { reason?: string } } }).areas.templates.reason).toMatch(/disconnected/);
    await member.start();
    let green = await adminRequest(socket, 'GET', '/readyz?verbose');
    for (let i = 0; i < 150 && green.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      green = await adminRequest(socket, 'GET', '/readyz?verbose');
    }
    expect(green.status).toBe(200);

    writeFileSync(join(dir, 'conf.d', 'second.toml'), `[template]\nsrc = "app.tmpl"\ndest = "${out}/second.conf"\nkeys = ["/daemon"]\n`);
    daemon.kill('SIGHUP');
    await eventually(() => existsSync(join(out, 'second.conf')) && readFileSync(join(out, 'second.conf'), 'utf8') === 'v=two\n');
  });
});

/** PIDs of every live descendant of `root`, from /proc (ppid links). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = [...parent].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...children);
    frontier = children;
  }
  return found;
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\u0000', ' ').trim();
  } catch {
    return undefined;
  }
}

/** The live descendants of `root` running `sleep 30`. */
const sleepsUnder = (root: number): number[] => descendants(root).filter((pid) => commandLine(pid) === 'sleep 30');
const alive = (pid: number): boolean => commandLine(pid) === 'sleep 30';

describe('a failed reload_cmd stays pending until it succeeds', () => {
  it('runs the reload again on the next run although the file is already in place, across restarts', async () => {
    await client.put('/rp/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/rp"]\nreload_cmd = "test -e @DIR@/allow && echo r >> @DIR@/reloads"\n', 'v={{getv "/rp/v"}}\n');
    // state_dir in confd.toml (weft's key): where the pending reload is remembered between runs.
    writeFileSync(join(dir, 'confd.toml'), `state_dir = "${dir}/state"\n`);
    const once = (): Promise<{ code: number | null; stdout: string }> => runWeft(['confd', '-onetime', '-confdir', dir, '-config-file', join(dir, 'confd.toml'), '-node', etcd.endpoint]);

    const first = await once();
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('WEFT_E_TEMPLATE_RELOAD');
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('v=1\n');
    const second = await once(); // a new process: the destination is current, the reload still owed
    expect(second.stdout).toContain('WEFT_E_TEMPLATE_RELOAD');
    expect(second.code).toBe(1);
    writeFileSync(join(dir, 'allow'), '');
    expect((await once()).code).toBe(0);
    expect(lines(join(dir, 'reloads'))).toHaveLength(1);
    expect((await once()).code).toBe(0); // paid: not run again
    expect(lines(join(dir, 'reloads'))).toHaveLength(1);
  });

  it('in the daemon: retried with backoff, and /v1/status shows the failure until the reload succeeds', async () => {
    await client.put('/rpd/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/rpd"]\nreload_cmd = "test -e @DIR@/allow && echo r >> @DIR@/reloads"\n', 'v={{getv "/rpd/v"}}\n');
    const socket = join(dir, 'weft.sock');
    const daemon = new WeftProcess(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--etcd-endpoints', etcd.endpoint, '--templates-enabled', '--templates-confdir', dir, '--daemon-state-dir', join(dir, 'state')]);
    cleanups.push(async () => {
      daemon.kill('SIGTERM');
      await daemon.exited;
    });
    const { adminRequest } = await import('../../src/admin/client.ts');
    type Status = { areas: { templates: { status: { resources: Record<string, { lastError?: string; reloadPending?: boolean; failures: number }> } } } };
    const resourceStatus = async (): Promise<{ lastError?: string; reloadPending?: boolean; failures: number } | undefined> => ((await adminRequest(socket, 'GET', '/v1/status')).body as Status).areas.templates.status.resources.app;
    await eventually(() => existsSync(join(out, 'app.conf')));
    // The first retry finds the file in place: it must run reload_cmd again, not report success.
    await eventually(() => daemon.logEvents().filter((e) => e.event === 'render_failed' && e.code === 'WEFT_E_TEMPLATE_RELOAD').length >= 2, 15_000);
    const failing = await resourceStatus();
    expect(failing?.reloadPending).toBe(true);
    expect(failing?.lastError).toContain('reload_cmd');
    writeFileSync(join(dir, 'allow'), '');
    await eventually(() => lines(join(dir, 'reloads')).length === 1, 20_000);
    let healed = await resourceStatus();
    for (let i = 0; i < 50 && healed?.lastError !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      healed = await resourceStatus();
    }
    expect(healed?.lastError).toBeUndefined();
    expect(healed?.reloadPending).toBe(false);
  });
});

describe('stopping with a check_cmd running', () => {
  it('weft daemon on SIGTERM kills the command\'s process group, removes the staged file and exits before the deadline', async () => {
    await client.put('/stop/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/stop"]\ncheck_cmd = "sleep 30"\n', 'v={{getv "/stop/v"}}\n');
    const socket = join(dir, 'weft.sock');
    const daemon = new WeftProcess(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--etcd-endpoints', etcd.endpoint, '--templates-enabled', '--templates-confdir', dir, '--daemon-state-dir', join(dir, 'state'), '--daemon-shutdown-timeout', '5s']);
    cleanups.push(async () => {
      daemon.kill('SIGKILL');
      await daemon.exited;
    });
    const pid = daemon.child.pid!;
    let sleeps: number[] = [];
    await eventually(() => (sleeps = sleepsUnder(pid)).length > 0, 20_000);
    expect(readdirSync(out).filter((n) => n.startsWith('.app.conf.'))).toHaveLength(1); // staged, being checked
    const begun = Date.now();
    daemon.kill('SIGTERM');
    const exit = await daemon.exited;
    const tookMs = Date.now() - begun;
    process.stdout.write(`templates: SIGTERM with check_cmd running -> exit in ${tookMs} ms\n`);
    expect(exit.code).toBe(0);
    expect(tookMs).toBeLessThan(5000);
    expect(readdirSync(out)).toEqual([]);
    await eventually(() => !sleeps.some(alive), 5000);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('weft confd -watch on %s: same, and its private command directory is gone', async (signal) => {
    await client.put('/stopc/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/stopc"]\ncheck_cmd = "sleep 30"\n', 'v={{getv "/stopc/v"}}\n');
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const confd = new WeftProcess(['confd', '-watch', '-confdir', dir, '-node', etcd.endpoint, '-state-dir', join(dir, 'state')], { TMPDIR: temp });
    cleanups.push(async () => {
      confd.kill('SIGKILL');
      await confd.exited;
    });
    let sleeps: number[] = [];
    await eventually(() => (sleeps = sleepsUnder(confd.child.pid!)).length > 0, 20_000);
    const [commandDir] = readdirSync(temp);
    expect(commandDir).toMatch(/^weft-cmd-[A-Za-z0-9]{6}$/);
    expect(statSync(join(temp, commandDir!)).mode & 0o777).toBe(0o700);
    const begun = Date.now();
    confd.kill(signal);
    const exit = await confd.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - begun).toBeLessThan(10_000);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
    await eventually(() => !sleeps.some(alive), 5000);
  });

  it('weft confd -onetime removes its command directory when it exits', async () => {
    await client.put('/tmpc/v').value('1');
    const { dir, out } = singleResource('[template]\nsrc = "app.tmpl"\ndest = "@OUT@/app.conf"\nkeys = ["/tmpc"]\ncheck_cmd = "true"\nreload_cmd = "true"\n', 'v={{getv "/tmpc/v"}}\n');
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const run = await runWeft(['confd', '-onetime', '-confdir', dir, '-node', etcd.endpoint, '-state-dir', join(dir, 'state')], { TMPDIR: temp });
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe('v=1\n');
    expect(readdirSync(temp)).toEqual([]);
  });
});
