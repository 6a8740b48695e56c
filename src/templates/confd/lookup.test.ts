import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateNames, goIPString, LookupTable, parseHosts, parseResolvConf, sortIPs, sortSrv } from './lookup.ts';
import { renderResource } from './render.ts';
import type { LookupOptions } from './resolve.ts';
import type { ResourceSpec } from './resource.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-lookup-test-'));
const hostsFile = join(dir, 'hosts');
const resolvConf = join(dir, 'resolv.conf');
writeFileSync(hostsFile, '127.0.0.1 localhost\n10.9.9.2 pinned.test\n10.9.9.1 pinned.test # two lines, file order\n');
writeFileSync(resolvConf, 'search svc.test\noptions ndots:2\n');

type Answer = packet.Answer;
/** A DNS server on loopback that answers from `zone` (name -> answers; 'SERVFAIL'; absent: NXDOMAIN). */
function dnsServer(zone: Record<string, Answer[] | 'SERVFAIL'>): Promise<{ socket: Socket; port: number; queries: string[] }> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, peer) => {
    const query = packet.decode(message);
    const question = query.questions?.[0];
    if (question === undefined) return;
    queries.push(`${question.type} ${question.name}`);
    const entry = zone[question.name.toLowerCase()];
    const answers = entry === 'SERVFAIL' || entry === undefined ? [] : entry.filter((a) => a.type === question.type);
    const rcode = entry === 'SERVFAIL' ? 'SERVFAIL' : entry === undefined ? 'NXDOMAIN' : 'NOERROR';
    const reply = packet.encode({ id: query.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (rcode === 'SERVFAIL' ? 2 : rcode === 'NXDOMAIN' ? 3 : 0), questions: [question], answers });
    socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port, queries })));
}

function resource(template: string): ResourceSpec {
  const src = join(dir, `t${Math.random().toString(36).slice(2)}.tmpl`);
  writeFileSync(src, template);
  return { file: join(dir, 'app.toml'), name: 'app', src, dest: join(dir, 'app.conf'), prefix: '/', keys: ['/'], fullKeys: ['/'], mode: undefined, modeLooksOctal: false, uid: undefined, gid: undefined, checkCmd: '', reloadCmd: '', wait: undefined, checkTimeout: 5000, reloadTimeout: 5000, sync: true, unknownKeys: [] };
}

let server: Awaited<ReturnType<typeof dnsServer>>;
let lookup: LookupOptions;
beforeAll(async () => {
  const a = (name: string, data: string): Answer => ({ type: 'A', name, ttl: 5, data });
  const aaaa = (name: string, data: string): Answer => ({ type: 'AAAA', name, ttl: 5, data });
  const srv = (name: string, target: string, port: number, priority: number, weight: number): Answer => ({ type: 'SRV', name, ttl: 5, data: { target, port, priority, weight } });
  server = await dnsServer({
    'web.svc.test': [a('web.svc.test', '10.0.0.9'), a('web.svc.test', '10.0.0.10'), aaaa('web.svc.test', '2001:db8:0:0:0:0:0:1')],
    'v4only.svc.test': [a('v4only.svc.test', '192.0.2.1')],
    'db.example.test': [a('db.example.test', '192.0.2.7')],
    '_http._tcp.svc.test': [srv('_http._tcp.svc.test', 'web.svc.test', 80, 1, 5), srv('_http._tcp.svc.test', 'api.svc.test', 8080, 1, 5), srv('_http._tcp.svc.test', 'api.svc.test', 443, 2, 1)],
    'api.svc.test': [a('api.svc.test', '10.0.0.20')],
    'broken.svc.test': 'SERVFAIL',
  });
  lookup = { servers: [`127.0.0.1:${server.port}`], timeoutMs: 300, tries: 1, deadlineMs: 3000, hostsFile, resolvConf };
});
afterAll(() => {
  server?.socket.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('confd lookup semantics (pure)', () => {
  it('sorts addresses as Go sort.Strings and formats them as net.IP.String', () => {
    expect(sortIPs(['10.0.0.9', '10.0.0.10', '2001:DB8:0:0:0:0:0:1', '::ffff:192.0.2.1'])).toEqual(['10.0.0.10', '10.0.0.9', '192.0.2.1', '2001:db8::1']);
    expect(goIPString('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(goIPString('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(goIPString('fe80::0:1%lo')).toBe('fe80::1'); // confd 0.16.0 printed lookupIP "fe80::1%lo" as [fe80::1]
  });

  it('sorts SRV records by confd\'s Target+Port+Priority+Weight string', () => {
    const r = (Target: string, Port: number, Priority = 1, Weight = 1) => ({ Target, Port, Priority, Weight });
    expect(sortSrv([r('b.', 80), r('a.', 8080), r('a.', 443), r('a.', 80, 2)]).map((x) => `${x.Target}${x.Port}`)).toEqual(['a.443', 'a.80', 'a.8080', 'b.80']) // 'a.8021' < 'a.808011';
  });

  it('tries names as Go\'s resolver does (ndots, search list, rooted names)', () => {
    const conf = parseResolvConf('domain old.test\nsearch a.test b.test.\noptions ndots:2 timeout:1\n', 'host');
    expect(conf).toEqual({ search: ['a.test', 'b.test'], ndots: 2 });
    expect(candidateNames('web', conf)).toEqual(['web.a.test', 'web.b.test', 'web']);
    expect(candidateNames('x.y.z', conf)).toEqual(['x.y.z', 'x.y.z.a.test', 'x.y.z.b.test']);
    expect(candidateNames('web.', conf)).toEqual(['web']);
    expect(parseResolvConf('', 'node1.dc.test').search).toEqual(['dc.test']);
  });

  it('reads hosts files as Go does (case-insensitive names, file order, comments)', () => {
    expect(parseHosts('10.0.0.1 Foo foo.alias # c\n#10.0.0.2 foo\nbad foo\n10.0.0.3 foo\n').get('foo')).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('records misses and limits the number of lookups per render', () => {
    const table = new LookupTable();
    expect(table.ip('a')).toBeUndefined();
    expect(table.srv('http', 'tcp', 'b')).toBeUndefined();
    expect([...table.misses.values()]).toEqual([{ kind: 'ip', name: 'a' }, { kind: 'srv', name: '_http._tcp.b' }]);
    for (let i = 0; i < 254; i++) table.ip(`n${i}`);
    expect(() => table.ip('one-too-many')).toThrow(/more than 256/);
  });
});

describe('lookupIP/lookupSRV in a render (asynchronous pre-pass against a DNS server on loopback)', () => {
  const render = (template: string, options: Partial<LookupOptions> = {}): Promise<string> => renderResource(resource(template), new Map(), { lookup: { ...lookup, ...options } });

  it('renders sorted answers, with the search list applied, IPv4/IPv6 filters, and /etc/hosts first', async () => {
    expect(await render('{{lookupIP "web"}} {{lookupIPV4 "web"}} {{lookupIPV6 "web"}} {{lookupIP "db.example.test"}}')).toBe('[10.0.0.10 10.0.0.9 2001:db8::1] [10.0.0.10 10.0.0.9] [2001:db8::1] [192.0.2.7]');
    expect(await render('{{lookupIP "pinned.test"}} {{lookupIP "10.1.2.3"}}')).toBe('[10.9.9.1 10.9.9.2] [10.1.2.3]');
    expect(server.queries).not.toContain('A pinned.test');
  });

  it('renders a definite no-such-name as an empty list (confd), and lookups that depend on lookups', async () => {
    expect(await render('{{lookupIP "nope.invalid"}}|{{lookupSRV "x" "tcp" "nope.invalid"}}|{{len (lookupIPV6 "v4only")}}')).toBe('[]|[]|0');
    expect(await render('{{range lookupSRV "http" "tcp" "svc.test"}}{{.Target}}:{{.Port}}/{{.Priority}}={{lookupIPV4 .Target}} {{end}}')).toBe('api.svc.test.:443/2=[10.0.0.20] api.svc.test.:8080/1=[10.0.0.20] web.svc.test.:80/1=[10.0.0.10 10.0.0.9] ');
    // Non-constant names: from data, and an index into an answer that is empty until resolved.
    expect(await render('{{index (lookupIP (printf "%s" "web")) 0}}')).toBe('10.0.0.10');
  });

  it('fails the render (WEFT_E_TEMPLATE_LOOKUP) instead of rendering an empty list when the server fails', async () => {
    await expect(render('{{lookupIP "broken"}}')).rejects.toMatchObject({ code: 'WEFT_E_TEMPLATE_LOOKUP' });
  });

  it('keeps the event loop running while a lookup waits on a resolver that never answers, then fails the render', async () => {
    const swallow = createSocket('udp4');
    let swallowed = 0;
    swallow.on('message', () => swallowed++);
    await new Promise<void>((resolve) => swallow.bind(0, '127.0.0.1', () => resolve()));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const begun = Date.now();
      const rendering = render('{{range lookupIP "app.example.test"}}{{.}}{{end}}', { servers: [`127.0.0.1:${swallow.address().port}`], deadlineMs: 1500 });
      const outcome = rendering.then(() => 'rendered', (error: { code?: string }) => error.code);
      // While the lookup is pending, timers fire and the query sits unanswered at the socket.
      while (swallowed === 0 && Date.now() - begun < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
      const ticksAtQuery = ticks;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(swallowed).toBeGreaterThan(0);
      expect(ticks).toBeGreaterThan(ticksAtQuery);
      expect(await outcome).toBe('WEFT_E_TEMPLATE_LOOKUP');
    } finally {
      clearInterval(ticker);
      swallow.close();
    }
  });
});
