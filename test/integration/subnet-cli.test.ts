// `weft network init|show` and `weft lease ls` against a real etcd, through the config flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/command.ts';
import { leaseLs } from '../../src/cli/lease.ts';
import { networkInit, networkShow } from '../../src/cli/network.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcd();
});
afterAll(async () => {
  await cluster.destroy();
});

function io(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {} };
}

const etcdFlags = (prefix: string): string[] => ['--etcd-endpoints', cluster.endpoint, '--etcd-prefix', prefix];

describe('weft network and weft lease', () => {
  it('network init writes the config create-only, refuses to overwrite without --force, and network show prints it', async () => {
    const first = io();
    expect(await networkInit.run(['--network', '10.5.0.0/16', ...etcdFlags('/cli1/network')], first)).toBe(0);
    expect(first.stdout).toEqual(['/cli1/network/config: {"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}']);

    const again = io();
    expect(await networkInit.run(['--network', '10.6.0.0/16', '--subnet-len', '26', '--vni', '2', ...etcdFlags('/cli1/network')], again)).toBe(1);
    expect(again.stderr.join('\n')).toMatch(/^WEFT_E_NETWORK_EXISTS: \/cli1\/network\/config already holds \{"Network":"10.5.0.0\/16".*--force/);

    const forced = io();
    expect(await networkInit.run(['--network', '10.6.0.0/16', '--subnet-len', '26', '--vni', '2', '--force', ...etcdFlags('/cli1/network')], forced)).toBe(0);

    const show = io();
    expect(await networkShow.run(['--json', ...etcdFlags('/cli1/network')], show)).toBe(0);
    expect(JSON.parse(show.stdout.join('\n'))).toEqual({
      key: '/cli1/network/config',
      raw: '{"Network":"10.6.0.0/16","SubnetLen":26,"Backend":{"Type":"vxlan","VNI":2}}',
      resolved: { Network: '10.6.0.0/16', SubnetLen: 26, SubnetMin: '10.6.0.64', SubnetMax: '10.6.255.192', Backend: { Type: 'vxlan', VNI: 2, Port: 8472, DirectRouting: false, GBP: false, Learning: false, MTU: 0 } },
    });
    const text = io();
    expect(await networkShow.run(etcdFlags('/cli1/network'), text)).toBe(0);
    expect(text.stdout.join('\n')).toContain('SubnetMin      10.6.0.64');
  });

  it('network init rejects a bad network before touching etcd; network show explains a missing or bad config', async () => {
    const bad = io();
    expect(await networkInit.run(['--network', '10.5.0.0/30', ...etcdFlags('/cli2/network')], bad)).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/WEFT_E_NETWORK_CONFIG: .*Network \/30 is too small/);
    const usage = io();
    expect(await networkInit.run(etcdFlags('/cli2/network'), usage)).toBe(2);
    const missing = io();
    expect(await networkShow.run(etcdFlags('/cli2/network'), missing)).toBe(1);
    expect(missing.stderr.join('\n')).toMatch(/WEFT_E_NETWORK_CONFIG: no network config at \/cli2\/network\/config/);
    const admin = testClient(cluster.endpoints);
    await admin.put('/cli2/network/config').value('{"Network":"10.5.0.0/16","SubnetMin":"10.5.0.7"}');
    admin.close();
    const invalid = io();
    expect(await networkShow.run(etcdFlags('/cli2/network'), invalid)).toBe(1);
    expect(invalid.stderr.join('\n')).toMatch(/SubnetMin 10.5.0.7 is not on a \/24 boundary/);
  });

  it('lease ls prints a table and JSON, and reports malformed keys on stderr', async () => {
    const admin = testClient(cluster.endpoints);
    const lease = admin.lease(3600);
    await lease.put('/cli3/network/subnets/10.5.34.0-24').value('{"PublicIP":"172.31.4.20","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"ba:5e:11:2f:4c:0d"}}');
    await admin.put('/cli3/network/subnets/10.5.7.0-24').value('{"PublicIP":"172.31.4.21","PublicIPv6":null,"BackendType":"host-gw"}');
    await admin.put('/cli3/network/subnets/junk').value('x');
    const table = io();
    expect(await leaseLs.run(etcdFlags('/cli3/network'), table)).toBe(0);
    const lines = table.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(/^SUBNET\s+PUBLIC IP\s+BACKEND\s+VTEP MAC\s+EXPIRES IN$/);
    expect(lines[1]).toMatch(/^10\.5\.34\.0\/24\s+172\.31\.4\.20\s+vxlan\/1\s+ba:5e:11:2f:4c:0d\s+(59m\d\ds|1h00m)$/);
    expect(lines[2]).toMatch(/^10\.5\.7\.0\/24\s+172\.31\.4\.21\s+host-gw\s+-\s+never$/);
    expect(table.stderr.join('\n')).toMatch(/WEFT_E_LEASE_MALFORMED: ignored: key \/cli3\/network\/subnets\/junk/);
    const json = io();
    expect(await leaseLs.run(['--json', ...etcdFlags('/cli3/network')], json)).toBe(0);
    const parsed = JSON.parse(json.stdout.join('\n')) as Record<string, unknown>[];
    expect(parsed.map((l) => l.subnet)).toEqual(['10.5.34.0/24', '10.5.7.0/24']);
    expect(parsed[0]).toMatchObject({ publicIP: '172.31.4.20', backendType: 'vxlan', vni: 1, vtepMAC: 'ba:5e:11:2f:4c:0d' });
    expect(parsed[0]?.expiresInSeconds).toBeGreaterThan(3500);
    expect(parsed[1]).toMatchObject({ expires: null, expiresInSeconds: null });
    await lease.revoke();
    admin.close();
  });
});
