// The iptables shell: runs `iptables` and `iptables-restore`, finds out what this iptables can do
// (as go-iptables does for flannel: `--random-fully` and restore's `--wait` from v1.6.2 on), and
// keeps the overlay's chains (masq.ts) in place across reconcile passes.
import { execFile } from 'node:child_process';
import { WeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ensureChains, forwardChain, masqChain, removeChains, type RuleChain } from './masq.ts';

export type Runner = (command: 'iptables' | 'iptables-restore' | 'ip6tables' | 'ip6tables-restore', args: string[], input?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

export const runIptables: Runner = (command, args, input) =>
  new Promise((resolve, reject) => {
    const argv = command === 'iptables' || command === 'ip6tables' ? ['-w', '5', ...args] : args;
    const child = execFile(command, argv, { timeout: 15_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new WeftError('WEFT_E_OVERLAY_MASQ', `the overlay's iptables rules need '${command}'; install the Debian package iptables`, { cause: error }));
        return;
      }
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });

export interface IptablesFeatures {
  /** MASQUERADE --random-fully (iptables ≥ 1.6.2). */
  randomFully: boolean;
  /** iptables-restore --wait (≥ 1.6.2). */
  restoreWait: boolean;
}

/** Pure: features from `iptables --version` output ("iptables v1.8.9 (nf_tables)"). */
export function featuresOf(versionOutput: string): IptablesFeatures {
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(versionOutput);
  const [a, b, c] = m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const atLeast162 = a > 1 || (a === 1 && (b > 6 || (b === 6 && c >= 2)));
  return { randomFully: atLeast162, restoreWait: atLeast162 };
}

export interface RuleKeeperOptions {
  network: string;
  ipMasq: boolean;
  forwardRules: boolean;
  /** MASQUERADE --random-fully where iptables has it (flanneld --ip-masq-fully-random-disable turns it off). */
  randomFully?: boolean;
  run: Runner;
  log: Logger;
  /** 6: the same chains through ip6tables for `IPv6Network`, as flannel does with EnableIPv6. */
  family?: 6;
}

export interface RuleKeeper {
  /** Installs or repairs the chains for our current `subnet`; throws only for ip-masq (asked for explicitly). */
  ensure(subnet: string): Promise<void>;
  /** Removes the chains it installed (config `overlay.ip_masq_cleanup`). */
  remove(): Promise<void>;
}

/** `run` with ip6tables in place of iptables (the chains and rules are the same shape). */
export function ip6Runner(run: Runner): Runner {
  return (command, args, input) => run(command === 'iptables' ? 'ip6tables' : command === 'iptables-restore' ? 'ip6tables-restore' : command, args, input);
}

export function createRuleKeeper(options: RuleKeeperOptions): RuleKeeper {
  const o = options.family === 6 ? { ...options, run: ip6Runner(options.run) } : options;
  let features: Promise<IptablesFeatures> | undefined;
  let installed: RuleChain[] = [];
  let forwardError: string | undefined;
  const detect = (): Promise<IptablesFeatures> => {
    features ??= o.run('iptables', ['--version']).then((r) => featuresOf(r.stdout)).catch((error: unknown) => {
      features = undefined;
      throw error;
    });
    return features;
  };
  const apply = async (chains: RuleChain[], f: IptablesFeatures): Promise<void> => {
    const changed = await ensureChains(chains, o.run, f.restoreWait ? ['--noflush', '--wait'] : ['--noflush']);
    if (changed.length > 0) o.log.info({ event: 'iptables_ensured', chains: changed, network: o.network });
  };
  return {
    async ensure(subnet) {
      if (o.ipMasq) {
        const f = await detect();
        const chain = masqChain(o.network, subnet, f.randomFully && o.randomFully !== false, o.family === 6 ? 'ff00::/8' : '224.0.0.0/4');
        installed = [chain, ...installed.filter((c) => c.chain !== chain.chain)];
        await apply([chain], f);
      }
      if (!o.forwardRules) return;
      // As flanneld: a host without a working iptables still gets its overlay, with a warning.
      try {
        const chain = forwardChain(o.network);
        if (!installed.some((c) => c.chain === chain.chain)) installed.push(chain);
        await apply([chain], await detect());
        forwardError = undefined;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== forwardError) o.log.warn({ event: 'forward_rules_failed', code: 'WEFT_E_OVERLAY_MASQ', err: message }, 'FORWARD accepts for the cluster network not in place; retrying on the next resync');
        forwardError = message;
      }
    },
    async remove() {
      await removeChains(installed, o.run);
      installed = [];
    },
  };
}
