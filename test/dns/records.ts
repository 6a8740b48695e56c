// The record set the DNS suites share (unit and integration): every rule of the SkyDNS/CoreDNS
// semantics has a value here. Keys are relative to the path; the zone is weft.internal.
export const zoneName = 'weft.internal';

export const records: Record<string, unknown> = {
  // plain addresses, one v4-only and one v6-only, one dual-stack
  'internal/weft/web': { host: '10.5.1.2' },
  'internal/weft/v6only': { host: 'fd00::5' },
  'internal/weft/dual/a': { host: '10.5.1.3' },
  'internal/weft/dual/b': { host: 'fd00::3' },
  // several values as child keys; the TTL set on one of them
  'internal/weft/api/x1': { host: '10.5.2.1', ttl: 60 },
  'internal/weft/api/x2': { host: '10.5.2.2', ttl: 60 },
  // subtree: prod answers for everything below it
  'internal/weft/prod/db': { host: '10.5.3.1' },
  'internal/weft/prod/cache': { host: '10.5.3.2' },
  'internal/weft/prod/east/app': { host: '10.5.3.3' },
  'internal/weft/staging/east/app': { host: '10.5.4.3' },
  // aliases: an in-zone chain of two, an out-of-zone target, a loop, and a dangling one
  'internal/weft/www': { host: 'alias.weft.internal' },
  'internal/weft/alias': { host: 'web.weft.internal' },
  'internal/weft/ext': { host: 'example.org' },
  'internal/weft/loop1': { host: 'loop2.weft.internal' },
  'internal/weft/loop2': { host: 'loop1.weft.internal' },
  'internal/weft/dangling': { host: 'nothing.weft.internal' },
  // SRV: two with weights at priority 10, one backup at 20; one target by name
  'internal/weft/svc/_tcp/_http/s1': { host: '10.5.5.1', port: 8080, priority: 10, weight: 30 },
  'internal/weft/svc/_tcp/_http/s2': { host: '10.5.5.2', port: 8080, priority: 10, weight: 10 },
  'internal/weft/svc/_tcp/_http/s3': { host: 'web.weft.internal', port: 9090, priority: 20 },
  // TXT, and TXT through an alias
  'internal/weft/info': { text: 'hello world' },
  'internal/weft/infoalias': { host: 'info.weft.internal' },
  // MX: only mail:true values; one by IP (target synthesised from the key), one by name
  'internal/weft/mail/m1': { host: '10.5.6.1', mail: true, priority: 10 },
  'internal/weft/mail/m2': { host: 'web.weft.internal', mail: true, priority: 20 },
  'internal/weft/mail/notmail': { host: '10.5.6.9' },
  // groups: g1 shortest key sets the group; the g2 value is left out
  'internal/weft/grp/a': { host: '10.5.7.1', group: 'g1' },
  'internal/weft/grp/sub/b': { host: '10.5.7.2', group: 'g1' },
  'internal/weft/grp/sub/c': { host: '10.5.7.3', group: 'g2' },
  'internal/weft/grp/sub/d': { host: '10.5.7.4' },
  // apex: NS from ns.dns, A from apex.dns
  'internal/weft/dns/ns/ns1': { host: '10.5.0.53' },
  'internal/weft/dns/apex/a1': { host: '10.5.0.1' },
  // reverse
  'arpa/in-addr/10/5/1/2': { host: 'web.weft.internal' },
  // big: 30 A records for one name (TC over UDP without EDNS)
  ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`internal/weft/big/n${i}`, { host: `10.6.0.${i + 1}` }])),
  // unknown fields ignored; invalid JSON skipped
  'internal/weft/extra': { host: '10.5.8.1', colour: 'blue', port: 1 },
  'internal/weft/broken': '{not json',
  // Go's encoding/json (CoreDNS): field names in any casing; a field of the wrong type fails the value
  'internal/weft/gocase': '{"Host":"10.5.8.2","TTL":45,"Port":8080}',
  'internal/weft/gotype/ok': { host: '10.5.8.3' },
  'internal/weft/gotype/bad': '{"host":"10.5.8.4","port":"80"}',
};

/** The records as etcd key/value items under `path`. */
export function recordItems(path = '/skydns'): { key: string; value: string }[] {
  return Object.entries(records).map(([key, value]) => ({ key: `${path}/${key}`, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}
