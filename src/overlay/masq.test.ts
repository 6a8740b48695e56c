import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { createRuleKeeper, featuresOf } from './iptables.ts';
import { chainMatches, ensureChains, forwardChain, masqChain, restorePayload, restoreSection } from './masq.ts';
import { createMemoryIptables } from './memory-iptables.ts';

const NET = '10.5.0.0/16';
const OWN = '10.5.1.0/24';

describe("iptables rules as flannel's trafficmngr/iptables lays them out", () => {
  it('masq: kube-proxy mark RETURN, no NAT inside the network, MASQUERADE (--random-fully) for what leaves', () => {
    const lines = (c: ReturnType<typeof masqChain>) => restoreSection(c, 0);
    expect(lines(masqChain(NET, OWN, true))).toEqual([
      ':WEFT-POSTROUTING - [0:0]',
      '-A POSTROUTING -m comment --comment "weft ip-masq" -j WEFT-POSTROUTING',
      '-A WEFT-POSTROUTING -m mark --mark 0x4000/0x4000 -m comment --comment "weft ip-masq" -j RETURN',
      '-A WEFT-POSTROUTING -s 10.5.1.0/24 -d 10.5.0.0/16 -m comment --comment "weft ip-masq" -j RETURN',
      '-A WEFT-POSTROUTING -s 10.5.0.0/16 -d 10.5.1.0/24 -m comment --comment "weft ip-masq" -j RETURN',
      '-A WEFT-POSTROUTING ! -s 10.5.0.0/16 -d 10.5.1.0/24 -m comment --comment "weft ip-masq" -j RETURN',
      '-A WEFT-POSTROUTING -s 10.5.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "weft ip-masq" -j MASQUERADE --random-fully',
      '-A WEFT-POSTROUTING ! -s 10.5.0.0/16 -d 10.5.0.0/16 -m comment --comment "weft ip-masq" -j MASQUERADE --random-fully',
    ]);
    expect(lines(masqChain(NET, OWN, false)).filter((l) => l.includes('MASQUERADE')).every((l) => l.endsWith('-j MASQUERADE'))).toBe(true);
  });

  it('forward: two accepts for the cluster network, the jump appended to FORWARD', () => {
    expect(restoreSection(forwardChain(NET), 2)).toEqual([
      ':WEFT-FORWARD - [0:0]',
      '-D FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD',
      '-D FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD',
      '-A FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD',
      '-A WEFT-FORWARD -s 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT',
      '-A WEFT-FORWARD -d 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT',
    ]);
    expect(restorePayload([{ table: 'filter', lines: ['a'] }, { table: 'nat', lines: ['b'] }, { table: 'filter', lines: ['c'] }]))
      .toBe('*filter\na\nc\nCOMMIT\n*nat\nb\nCOMMIT\n');
  });

  it('recognises its own chain in iptables -S output, and a tampered one', () => {
    const c = forwardChain(NET);
    const listing = ['-N WEFT-FORWARD', ...restoreSection(c, 0).slice(2), ''].join('\n');
    expect(chainMatches(listing, c)).toBe(true);
    expect(chainMatches(listing.replace('-d 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT', '-d 10.5.0.0/16 -j DROP'), c)).toBe(false);
    expect(chainMatches('-N WEFT-FORWARD\n', c)).toBe(false);
  });

  it.each([
    ['iptables v1.8.9 (nf_tables)', true],
    ['iptables v1.6.2', true],
    ['iptables v1.6.1', false],
    ['iptables v1.4.21', false],
    ['garbage', false],
  ])('%s: --random-fully and restore --wait %s', (version, yes) => {
    expect(featuresOf(version)).toEqual({ randomFully: yes, restoreWait: yes });
  });
});

describe('keeping the rules', () => {
  it('writes all chains in one iptables-restore --noflush, then changes nothing while they are in place', async () => {
    const ipt = createMemoryIptables();
    const chains = [masqChain(NET, OWN, true), forwardChain(NET)];
    expect(await ensureChains(chains, ipt.run)).toEqual(['WEFT-POSTROUTING', 'WEFT-FORWARD']);
    expect(ipt.calls.filter((c) => c.startsWith('iptables-restore'))).toEqual(['iptables-restore --noflush']);
    ipt.calls.length = 0;
    expect(await ensureChains(chains, ipt.run)).toEqual([]);
    expect(ipt.calls.every((c) => / -S /.test(c))).toBe(true);
  });

  it('repairs a tampered chain and a doubled jump, leaving one jump', async () => {
    const ipt = createMemoryIptables();
    const c = forwardChain(NET);
    await ensureChains([c], ipt.run);
    await ipt.run('iptables', ['-A', 'FORWARD', '-m', 'comment', '--comment', 'weft forward', '-j', 'WEFT-FORWARD']);
    await ipt.run('iptables', ['-D', 'WEFT-FORWARD', '-s', NET, '-m', 'comment', '--comment', 'weft forward', '-j', 'ACCEPT']);
    expect(await ensureChains([c], ipt.run)).toEqual(['WEFT-FORWARD']);
    expect(ipt.chain('filter', 'FORWARD')).toEqual(['-A FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD']);
    expect(ipt.chain('filter', 'WEFT-FORWARD')).toHaveLength(2);
  });

  it('forward rules without ip-masq, appended after rules already in FORWARD (as flannel, whatever --ip-masq says)', async () => {
    const ipt = createMemoryIptables();
    await ipt.run('iptables', ['-A', 'FORWARD', '-j', 'DOCKER-USER']);
    const keeper = createRuleKeeper({ network: NET, ipMasq: false, forwardRules: true, run: ipt.run, log: silentLogger });
    await keeper.ensure(OWN);
    expect(ipt.chain('filter', 'FORWARD')).toEqual(['-A FORWARD -j DOCKER-USER', '-A FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD']);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')).toBeUndefined();
  });

  it('uses plain MASQUERADE where iptables is older than 1.6.2, and restore --wait only where it has it', async () => {
    const ipt = createMemoryIptables();
    ipt.version = 'iptables v1.4.21';
    const keeper = createRuleKeeper({ network: NET, ipMasq: true, forwardRules: false, run: ipt.run, log: silentLogger });
    await keeper.ensure(OWN);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.some((l) => l.includes('--random-fully'))).toBe(false);
    expect(ipt.calls).toContain('iptables-restore --noflush');
  });

  it('leaves --random-fully off when told to (flanneld --ip-masq-fully-random-disable), even where iptables has it', async () => {
    const ipt = createMemoryIptables();
    const on = createRuleKeeper({ network: NET, ipMasq: true, forwardRules: false, run: ipt.run, log: silentLogger });
    await on.ensure(OWN);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.some((l) => l.includes('--random-fully'))).toBe(true);
    const off = createRuleKeeper({ network: NET, ipMasq: true, forwardRules: false, randomFully: false, run: ipt.run, log: silentLogger });
    await off.ensure(OWN);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.some((l) => l.includes('MASQUERADE'))).toBe(true);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.some((l) => l.includes('--random-fully'))).toBe(false);
  });

  it('follows a new subnet of ours (the masq rules name it) and removes both chains when asked', async () => {
    const ipt = createMemoryIptables();
    const keeper = createRuleKeeper({ network: NET, ipMasq: true, forwardRules: true, run: ipt.run, log: silentLogger });
    await keeper.ensure(OWN);
    await keeper.ensure('10.5.9.0/24');
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.filter((l) => l.includes('10.5.1.0/24'))).toEqual([]);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')?.filter((l) => l.includes('10.5.9.0/24'))).toHaveLength(3);
    expect(ipt.chain('nat', 'POSTROUTING')).toHaveLength(1);
    expect(ipt.calls).toContain('iptables-restore --noflush --wait');
    await keeper.remove();
    expect([ipt.chain('nat', 'WEFT-POSTROUTING'), ipt.chain('filter', 'WEFT-FORWARD')]).toEqual([undefined, undefined]);
    expect([ipt.chain('nat', 'POSTROUTING'), ipt.chain('filter', 'FORWARD')]).toEqual([[], []]);
  });

  it('fails with WEFT_E_OVERLAY_MASQ when iptables-restore refuses ip-masq; forward rules only warn', async () => {
    const ipt = createMemoryIptables();
    const refuse: typeof ipt.run = async (command, args, input) => (command === 'iptables-restore' ? { code: 1, stdout: '', stderr: 'Permission denied' } : ipt.run(command, args, input));
    const masq = createRuleKeeper({ network: NET, ipMasq: true, forwardRules: true, run: refuse, log: silentLogger });
    await expect(masq.ensure(OWN)).rejects.toMatchObject({ code: 'WEFT_E_OVERLAY_MASQ' });
    const forward = createRuleKeeper({ network: NET, ipMasq: false, forwardRules: true, run: refuse, log: silentLogger });
    await expect(forward.ensure(OWN)).resolves.toBeUndefined();
  });
});
