import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../etcd/index.ts';
import { PeerSet, type LeaseEvent } from './peers.ts';

const prefix = '/coreos.com/network';
const value = (ip: string, mac = '7a:1b:2c:3d:4e:5f'): string => `{"PublicIP":"${ip}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${mac}"}}`;
function kv(name: string, v: string, rev = 1, lease = '100'): KeyValue {
  return { key: `${prefix}/subnets/${name}`, value: v, lease, modRevision: rev, createRevision: rev, version: 1 };
}

function recorder(): { set: PeerSet; events: string[]; malformed: string[] } {
  const malformed: string[] = [];
  const set = new PeerSet(prefix, { malformed: (key) => malformed.push(key) });
  const events: string[] = [];
  set.subscribe((e: LeaseEvent) => {
    events.push(e.type === 'snapshot' ? `snapshot ${e.leases.map((l) => l.subnet).join(',')}` : `${e.type} ${e.lease.subnet} ${e.lease.publicIP}`);
  });
  return { set, events, malformed };
}

describe('the lease feed', () => {
  it('emits a snapshot, then added/changed/removed', () => {
    const { set, events } = recorder();
    set.snapshot([kv('10.5.2.0-24', value('10.0.0.2')), kv('10.5.1.0-24', value('10.0.0.1'))]);
    set.put(kv('10.5.3.0-24', value('10.0.0.3'), 2));
    set.put(kv('10.5.3.0-24', value('10.0.0.3'), 3));
    set.put(kv('10.5.3.0-24', value('10.0.0.3', '7a:1b:2c:3d:4e:00'), 4));
    set.delete(`${prefix}/subnets/10.5.1.0-24`);
    set.delete(`${prefix}/subnets/10.5.9.0-24`);
    expect(events).toEqual([
      'snapshot 10.5.1.0/24,10.5.2.0/24',
      'added 10.5.3.0/24 10.0.0.3',
      'changed 10.5.3.0/24 10.0.0.3',
      'removed 10.5.1.0/24 10.0.0.1',
    ]);
    expect(set.current().map((l) => l.subnet)).toEqual(['10.5.2.0/24', '10.5.3.0/24']);
  });

  it('ignores garbage keys and values without touching the good peers', () => {
    const { set, events, malformed } = recorder();
    set.snapshot([kv('10.5.1.0-24', value('10.0.0.1')), kv('garbage', 'x'), kv('10.5.2.0-24', 'not json')]);
    set.put(kv('also-garbage', '{}', 2));
    set.put(kv('10.5.1.0-24', '{"PublicIP":"nope"}', 3));
    set.delete(`${prefix}/subnets/garbage`);
    expect(malformed).toEqual([`${prefix}/subnets/garbage`, `${prefix}/subnets/10.5.2.0-24`, `${prefix}/subnets/also-garbage`, `${prefix}/subnets/10.5.1.0-24`]);
    expect(events).toEqual(['snapshot 10.5.1.0/24']);
    expect(set.current()).toEqual([{ subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:5f' }]);
  });

  it('keeps a good lease across a snapshot that shows it overwritten with garbage', () => {
    const { set, events } = recorder();
    set.snapshot([kv('10.5.1.0-24', value('10.0.0.1'))]);
    set.snapshot([kv('10.5.1.0-24', 'garbage', 9)]);
    expect(events).toEqual(['snapshot 10.5.1.0/24', 'snapshot 10.5.1.0/24']);
  });

  it('reports other backends without VXLAN data', () => {
    const { set } = recorder();
    set.snapshot([kv('10.5.4.0-24', '{"PublicIP":"10.0.0.4","PublicIPv6":null,"BackendType":"host-gw"}')]);
    expect(set.current()).toEqual([{ subnet: '10.5.4.0/24', publicIP: '10.0.0.4', backendType: 'host-gw', vni: 0, vtepMAC: '' }]);
  });

  it('replays the current snapshot to a late subscriber, and a throwing listener hurts nobody', () => {
    const failures: unknown[] = [];
    const set = new PeerSet(prefix, { listenerFailed: (e) => failures.push(e) });
    set.subscribe(() => {
      throw new Error('boom');
    });
    set.snapshot([kv('10.5.1.0-24', value('10.0.0.1'), 1, '200')], (id) => (id === '200' ? new Date(5000) : undefined));
    const late: LeaseEvent[] = [];
    const unsubscribe = set.subscribe((e) => late.push(e));
    expect(late).toEqual([{ type: 'snapshot', leases: [{ subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:5f', expires: new Date(5000) }] }]);
    unsubscribe();
    set.delete(`${prefix}/subnets/10.5.1.0-24`);
    expect(late).toHaveLength(1);
    expect(failures).toHaveLength(2);
    expect(set.synced()).toBe(true);
  });
});
