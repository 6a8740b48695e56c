// The delegate's configuration, built as flannel's plugin builds it: the `delegate` options, the
// network's name, `bridge` by default, `ipMasq` only when the daemon does not masquerade, the
// subnet file's MTU, `isGateway` and (weft) `hairpinMode` on for bridge, and an IPAM section
// (host-local by default) whose ranges are this host's subnet and whose routes reach the network.
import type { PluginConfig } from './spec/config.ts';
import { delegateVersion } from './spec/version.ts';
import { gatewayOf, type SubnetEnv } from './subnet-env.ts';

export type DelegateConfig = Record<string, unknown> & { type: string; name: string; cniVersion: string };

export function buildDelegateConfig(config: PluginConfig, env: SubnetEnv): DelegateConfig {
  const d: Record<string, unknown> = { ...config.delegate };
  const type = typeof d.type === 'string' ? d.type : 'bridge';
  d.ipMasq ??= !env.ipMasq;
  d.mtu ??= env.mtu;
  if (type === 'bridge') {
    d.isGateway ??= true;
    d.hairpinMode ??= true;
  }
  const ipam: Record<string, unknown> = { ...config.ipam };
  ipam.type ??= 'host-local';
  ipam.ranges = [env.subnet, env.ip6Subnet].filter((s) => s !== undefined).map((subnet) => [{ subnet }]);
  const routes = Array.isArray(config.ipam.routes) ? [...(config.ipam.routes as unknown[])] : [];
  // The route names its gateway: bridge's CHECK (plugins 1.1) does not match a route without one.
  const gw4 = env.subnet === undefined ? {} : { gw: gatewayOf(env.subnet) };
  const gw6 = env.ip6Subnet === undefined ? {} : { gw: gatewayOf(env.ip6Subnet) };
  ipam.routes = [...routes, ...env.networks.map((dst) => ({ dst, ...gw4 })), ...env.ip6Networks.map((dst) => ({ dst, ...gw6 }))];
  d.ipam = ipam;
  if (config.dnsSettings !== undefined) d.dns ??= config.dnsSettings;
  if (Object.keys(config.runtimeConfig).length > 0) d.runtimeConfig = config.runtimeConfig;
  return { ...d, type, name: config.name, cniVersion: delegateVersion(config.cniVersion) };
}
