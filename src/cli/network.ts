// `weft network init` and `weft network show`: the flannel network config at <prefix>/config.
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../etcd/index.ts';
import { isWeftError } from '../errors.ts';
import { configKey, describeNetworkConfig, parseNetworkConfig, readNetworkConfigText, renderNetworkConfig, writeNetworkConfigText, type NetworkInit } from '../subnet/index.ts';
import { takeOption, takeSwitch, type Command, type CommandIo } from './command.ts';
import { spec } from './commands.ts';
import { loadFromArgs } from './config.ts';

/** Runs `body` with an etcd client built from the config flags; WeftErrors become exit 1 with their code. */
export async function withEtcd(args: readonly string[], io: CommandIo, body: (client: Etcd3, prefix: string) => Promise<number>): Promise<number> {
  const loaded = loadFromArgs(args, io);
  if (loaded === undefined) return 2;
  let client: Etcd3 | undefined;
  try {
    client = createEtcdClient(loaded.config.etcd);
    return await body(client, loaded.config.subnet.etcd_prefix);
  } catch (error) {
    if (isWeftError(error)) {
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
    io.err(`WEFT_E_ETCD_UNAVAILABLE: etcd at ${loaded.config.etcd.endpoints.join(', ')} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    client?.close();
  }
}

function integerOption(value: string | undefined, name: string, io: CommandIo): number | undefined | false {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    io.err(`WEFT_E_USAGE: --${name} needs a whole number, got ${JSON.stringify(value)}`);
    return false;
  }
  return Number(value);
}

export const networkInit: Command = {
  ...spec('network init'),
  async run(args, io) {
    const network = takeOption(args, 'network');
    const subnetLen = takeOption(network.rest, 'subnet-len');
    const backend = takeOption(subnetLen.rest, 'backend');
    const vni = takeOption(backend.rest, 'vni');
    const ipv6Network = takeOption(vni.rest, 'ipv6-network');
    const ipv6SubnetLen = takeOption(ipv6Network.rest, 'ipv6-subnet-len');
    const noIpv4 = takeSwitch(ipv6SubnetLen.rest, 'no-ipv4');
    const force = takeSwitch(noIpv4.rest, 'force');
    if (network.value === undefined && !(noIpv4.on && ipv6Network.value !== undefined)) {
      io.err(`WEFT_E_USAGE: --network is required (or --no-ipv4 with --ipv6-network)\nusage: ${this.usage}`);
      return 2;
    }
    const len = integerOption(subnetLen.value, 'subnet-len', io);
    const vniValue = integerOption(vni.value, 'vni', io);
    const len6 = integerOption(ipv6SubnetLen.value, 'ipv6-subnet-len', io);
    if (len === false || vniValue === false || len6 === false) return 2;
    const init: NetworkInit = {
      network: network.value ?? '',
      ...(len === undefined ? {} : { subnetLen: len }),
      ...(backend.value === undefined ? {} : { backend: backend.value }),
      ...(vniValue === undefined ? {} : { vni: vniValue }),
      ...(ipv6Network.value === undefined ? {} : { ipv6Network: ipv6Network.value }),
      ...(len6 === undefined ? {} : { ipv6SubnetLen: len6 }),
      ...(noIpv4.on ? { ipv4: false } : {}),
    };
    return withEtcd(force.rest, io, async (client, prefix) => {
      const text = renderNetworkConfig(init, '(the new config)');
      if (await writeNetworkConfigText(client, prefix, text, force.on)) {
        io.out(`${configKey(prefix)}: ${text}`);
        return 0;
      }
      const existing = await readNetworkConfigText(client, prefix);
      io.err(`WEFT_E_NETWORK_EXISTS: ${configKey(prefix)} already holds ${existing ?? '(a value)'}; not overwritten. Add --force to replace it (hosts keep their leases only if they still fit).`);
      return 1;
    });
  },
};

export const networkShow: Command = {
  ...spec('network show'),
  async run(args, io) {
    const json = takeSwitch(args, 'json');
    return withEtcd(json.rest, io, async (client, prefix) => {
      const key = configKey(prefix);
      const text = await readNetworkConfigText(client, prefix);
      if (text === undefined) {
        io.err(`WEFT_E_NETWORK_CONFIG: no network config at ${key}; create it with 'weft network init --network 10.5.0.0/16'`);
        return 1;
      }
      const resolved = describeNetworkConfig(parseNetworkConfig(text, key));
      if (json.on) io.out(JSON.stringify({ key, raw: text, resolved }, null, 2));
      else {
        io.out(`${key}: ${text}`);
        for (const [name, value] of Object.entries(resolved)) io.out(`  ${name.padEnd(14)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
      }
      return 0;
    });
  },
};
