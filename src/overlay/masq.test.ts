import { describe, expect, it } from 'vitest';
import { chainMatches, ensureMasq, masqChains, type Runner } from './masq.ts';

describe('ip-masq rules', () => {
  const [nat, filter] = masqChains('10.5.0.0/16', '10.5.1.0/24');

  it('keeps cluster-internal traffic, masquerades what leaves, accepts forwarding', () => {
    expect(nat?.rules.map((r) => r.join(' '))).toEqual([
      '-s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN',
      '! -s 10.5.0.0/16 -d 10.5.1.0/24 -j RETURN',
      '-s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully',
      '! -s 10.5.0.0/16 -d 10.5.0.0/16 -j MASQUERADE --random-fully',
    ]);
    expect(filter?.rules.map((r) => r.join(' '))).toEqual(['-s 10.5.0.0/16 -j ACCEPT', '-d 10.5.0.0/16 -j ACCEPT']);
  });

  it('recognises its own chain in iptables -S output, and a tampered one', () => {
    const listing = ['-N WEFT-FORWARD', '-A WEFT-FORWARD -s 10.5.0.0/16 -j ACCEPT', '-A WEFT-FORWARD -d 10.5.0.0/16 -j ACCEPT', ''].join('\n');
    expect(chainMatches(listing, filter!)).toBe(true);
    expect(chainMatches(listing.replace('-d 10.5.0.0/16 -j ACCEPT', '-d 10.5.0.0/16 -j DROP'), filter!)).toBe(false);
    expect(chainMatches('-N WEFT-FORWARD\n', filter!)).toBe(false);
  });

  it('changes nothing when chains and jumps are already in place', async () => {
    const calls: string[][] = [];
    const run: Runner = async (args) => {
      calls.push(args);
      if (args[2] === '-S') {
        const c = args[3] === 'WEFT-FORWARD' ? filter! : nat!;
        return { code: 0, stdout: c.rules.map((r) => ['-A', c.chain, ...r].join(' ')).join('\n'), stderr: '' };
      }
      return { code: 0, stdout: '', stderr: '' };
    };
    expect(await ensureMasq([nat!, filter!], run)).toBe(0);
    expect(calls.every((a) => a[2] === '-S' || a[2] === '-C')).toBe(true);
  });

  it('fails with WEFT_E_OVERLAY_MASQ when iptables refuses a rule', async () => {
    const run: Runner = async (args) => ({ code: args[2] === '-N' ? 4 : 1, stdout: '', stderr: 'iptables: Permission denied' });
    await expect(ensureMasq([nat!], run)).rejects.toMatchObject({ code: 'WEFT_E_OVERLAY_MASQ' });
  });
});
