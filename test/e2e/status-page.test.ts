// Issue 17 item 2: the status page in a real browser. Two hosts run weft in network namespaces;
// host 1 also runs DNS, the proxy (its route file rendered from the services keyspace) and a confd
// resource of our own, with the read-only admin listener on its underlay address. Headless
// Chromium (Debian's, driven by puppeteer-core over a pipe, started inside host 1's namespace)
// opens http://<admin.listen>/, reads every section, sees a new DNS name appear without a reload,
// reads the page with JavaScript off (and sees it refresh itself), sees the "cannot reach" banner
// over the last status once the daemon stops, and keeps screenshots in test-artifacts/.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';

const chromium = process.env.WEFT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(import.meta.dirname, '..', '..', 'test-artifacts');
const nameServer = join(import.meta.dirname, '..', 'services', 'name-server.ts');
const adminPort = 9180;

let cluster: WeftCluster;
let browser: Browser | undefined;
let backend: ChildProcess | undefined;
let dir: string;
let base: string;
let subnet1: string;
let subnet2: string;

async function weft(args: readonly string[]): Promise<string> {
  const r = await cluster.weft(cluster.hosts[0]!.host, args);
  if (r.code !== 0) throw new Error(`weft ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function etcdPut(key: string, value: string): Promise<void> {
  const r = await cluster.bed.exec(cluster.hosts[0]!.host.ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'put', key, value]);
  if (r.code !== 0) throw new Error(`etcdctl put ${key}: ${r.stderr}`);
}

// Page-side code as strings: the test is compiled without the DOM's types.
const inPage = async (page: Page, expression: string): Promise<string> => String(await page.evaluate(expression));
/** The text of one section of the page, as the browser shows it. */
const section = (page: Page, id: string): Promise<string> => inPage(page, `document.getElementById(${JSON.stringify(id)}).innerText`);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-status-page-'));
  const confdir = join(dir, 'confd');
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'));
  writeFileSync(join(confdir, 'templates', 'app.tmpl'), 'greeting = {{getv "/app/greeting"}}\n');
  writeFileSync(join(confdir, 'templates', 'missing.tmpl'), 'value = {{getv "/app/missing"}}\n');
  writeFileSync(join(confdir, 'conf.d', 'app.toml'), `[template]\nsrc = "app.tmpl"\ndest = "${dir}/app.conf"\nkeys = ["/app"]\n`);
  writeFileSync(join(confdir, 'conf.d', 'missing.toml'), `[template]\nsrc = "missing.tmpl"\ndest = "${dir}/missing.conf"\nkeys = ["/app"]\n`);
  cluster = await startCluster({
    hosts: 2, containersPerHost: 0,
    hostDaemonArgs: (n) => (n !== 1 ? [] : [
      '--admin-listen', `10.213.0.11:${adminPort}`,
      '--dns-enabled', '--dns-listen', '127.0.0.1:5353', '--no-dns-forward',
      '--proxy-enabled', '--proxy-listen', '127.0.0.1:8080', '--proxy-route-file', join(dir, 'routes.toml'),
      '--templates-enabled', '--templates-confdir', confdir,
    ]),
  });
  base = `http://10.213.0.11:${adminPort}`;
  subnet1 = cluster.subnetOf(1);
  subnet2 = cluster.subnetOf(2);
  const bridge1 = subnet1.replace(/\.0\/24$/, '.1');
  await etcdPut('/app/greeting', 'hello');
  await weft(['dns', 'add', 'web.weft.internal', bridge1.replace(/\.1$/, '.7'), '--socket', cluster.hosts[0]!.socket]);
  // A server that answers its health check, and one nobody listens on.
  backend = cluster.bed.spawn(cluster.hosts[0]!.host.ns, process.execPath, [nameServer, 'web-1', '8081']);
  await weft(['service', 'add', 'web', '--rule', 'Host(`web.example.test`)', '--health-path', '/healthz', '--health-interval', '300ms', '--health-timeout', '250ms', '--etcd-endpoints', cluster.etcd.endpoint]);
  await weft(['service', 'register', 'web', `http://${bridge1}:8081`, '--socket', cluster.hosts[0]!.socket]);
  await weft(['service', 'register', 'web', `http://${bridge1}:8082`, '--socket', cluster.hosts[0]!.socket]);
  // Chromium inside host 1's namespace, where admin.listen is; puppeteer talks to it over a pipe.
  const wrapper = join(dir, 'chromium-in-h1');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${cluster.hosts[0]!.host.ns} ${chromium} "$@"\n`);
  chmodSync(wrapper, 0o755);
  browser = await puppeteer.launch({ executablePath: wrapper, pipe: true, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  backend?.kill('SIGKILL');
  await cluster?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('status page in headless Chromium', () => {
  it('shows hosts, routes, DNS names, proxy health, confd resources and readiness, and loads nothing from elsewhere', async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => (message.type() === 'error' ? problems.push(message.text()) : undefined));
    page.on('pageerror', (error) => problems.push(String(error)));
    const answer = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(answer?.status()).toBe(200);
    // Both servers' health is known once a check or two ran; the page refreshes itself until then.
    await until('both servers checked', async () => {
      const text = await section(page, 'proxy');
      return /:8081\s+1\s+up/.test(text) && /:8082\s+1\s+down/.test(text);
    });
    expect(await page.title()).toBe('weft 10.213.0.11: ready');
    const hosts = await section(page, 'hosts');
    expect(hosts).toContain(subnet1);
    expect(hosts).toContain(subnet2);
    expect(hosts).toMatch(new RegExp(`${subnet1.replaceAll('.', '\\.')}\\s+this host\\s+10\\.213\\.0\\.11\\s+vxlan\\s+\\d{4}-\\d\\d-\\d\\dT.*in 23h \\d+m`));
    expect(await section(page, 'routes')).toMatch(new RegExp(`${subnet2.replaceAll('.', '\\.')}\\s+${subnet2.replace(/\/24$/, '').replaceAll('.', '\\.')}\\s+weft\\.1\\s+installed`));
    expect(await section(page, 'dns')).toContain('web.weft.internal');
    const proxy = await section(page, 'proxy');
    expect(proxy).toMatch(/^listen\s+http:\/\/127\.0\.0\.1:8080$/m);
    expect(proxy).toContain('Host(`web.example.test`)');
    expect(proxy).toMatch(/:8081\s+1\s+up/);
    expect(proxy).toMatch(/:8082\s+1\s+down: /);
    const templates = await section(page, 'templates');
    expect(templates).toMatch(/^app\s+\S+\/app\.conf\s+\d{4}-\d\d-\d\dT\S+ \d+s ago\s+\d+\s+\d+\s+ok$/m);
    expect(templates).toMatch(/^missing\s+\S+\/missing\.conf\s+0\s+\d+\s+template: .*key does not exist: \/app\/missing$/m);
    expect(templates).toMatch(/^weft-services\s+\S+\/routes\.toml\s+\d{4}-/m);
    expect(await section(page, 'services')).toMatch(/servers\s+2/);
    const readiness = await section(page, 'readiness');
    for (const area of ['admin', 'subnet', 'overlay', 'dns', 'templates', 'proxy', 'services']) expect(readiness).toMatch(new RegExp(`${area}\\s+ready`));
    expect(requests.filter((url) => !url.startsWith(`${base}/`))).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'status-page.png'), fullPage: true });
    await page.close();
  });

  it('shows a new DNS name without a reload', async () => {
    const page = await browser!.newPage();
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.goto(`${base}/`, { waitUntil: 'load' });
    const loaded = navigations;
    const before = await inPage(page, "document.getElementById('generated').textContent");
    expect(await section(page, 'dns')).not.toContain('late.weft.internal');
    await weft(['dns', 'add', 'late.weft.internal', subnet1.replace(/0\/24$/, '8'), '--socket', cluster.hosts[0]!.socket]);
    await page.waitForFunction("document.getElementById('dns').textContent.includes('late.weft.internal')", { timeout: 30_000 });
    expect(navigations).toBe(loaded);
    expect(await inPage(page, "document.getElementById('generated').textContent")).not.toBe(before);
    await page.close();
  });

  it('is readable with JavaScript off, and refreshes itself', async () => {
    const page = await browser!.newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(await section(page, 'dns')).toContain('web.weft.internal');
    expect(await section(page, 'hosts')).toContain(subnet2);
    expect(Number(await inPage(page, "document.querySelectorAll('table').length"))).toBeGreaterThanOrEqual(6);
    await page.screenshot({ path: join(artifacts, 'status-page-nojs.png'), fullPage: true });
    // The <noscript> meta refresh loads the page again (10 s).
    await page.waitForNavigation({ timeout: 30_000 });
    expect(await section(page, 'dns')).toContain('late.weft.internal');
    await page.close();
  });

  it('says when the daemon cannot be reached, and keeps showing its last status', async () => {
    const page = await browser!.newPage();
    await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(await cluster.stopDaemon(1)).toBe(0);
    await page.waitForFunction("document.body.classList.contains('stale')", { timeout: 30_000 });
    expect(await inPage(page, "document.getElementById('stale').innerText")).toMatch(/^Cannot reach the daemon \(.+\); showing the last status it gave\.$/);
    expect(await section(page, 'dns')).toContain('late.weft.internal');
    await page.screenshot({ path: join(artifacts, 'status-page-unreachable.png') });
    await page.close();
  });
});
