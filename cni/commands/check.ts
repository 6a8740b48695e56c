// CHECK: the delegate checks what it made (bridge: the interfaces and addresses of prevResult;
// host-local: the reservation); weft-cni checks the daemon is ready and that the container's names
// are still registered, writing back any a daemon restart lost (they live on its etcd lease).
import { daemonReadiness, recordTimeoutMs, registerName, request } from '../daemon.ts';
import { execDelegate } from '../exec.ts';
import { CniCode, CniError } from '../spec/errors.ts';
import { convertResult, parseResult } from '../spec/result.ts';
import type { CniVersion } from '../spec/version.ts';
import { loadState, statePath } from '../state.ts';
import type { Invocation } from './context.ts';

export async function check({ env, config, processEnv }: Invocation): Promise<void> {
  if (config.prevResult === undefined) throw new CniError(CniCode.invalidConfig, 'CHECK needs prevResult', 'the runtime passes the result of the ADD as prevResult');
  const path = statePath(config.dataDir, config.name, env.containerId, env.ifName);
  const state = loadState(path);
  if (state === undefined) throw new CniError(CniCode.unknownContainer, `no attachment ${env.containerId}/${env.ifName} on network ${config.name}`, `weft-cni has no state at ${path}`);
  if (state === 'corrupt') throw new CniError(CniCode.invalidConfig, `weft-cni's state ${path} is unusable`, 'DEL and ADD the container again');
  const prevResult = convertResult(parseResult(config.prevResult, 'prevResult'), state.delegate.cniVersion as CniVersion);
  await execDelegate(state.delegate.type, 'CHECK', { ...state.delegate, prevResult }, processEnv, env.path);
  if (config.adminSocket === '' || state.names.length === 0) return;
  const readiness = await daemonReadiness(config.adminSocket);
  if (!readiness.ready) throw new CniError(CniCode.tryAgainLater, 'the weft daemon is not ready', readiness.reason);
  const listed = await request(config.adminSocket, 'GET', '/v1/dns/records', undefined, recordTimeoutMs);
  if (listed instanceof Error || listed.status !== 200) throw new CniError(CniCode.tryAgainLater, "cannot list weft's DNS names", listed instanceof Error ? listed.message : `HTTP ${listed.status}`);
  const have = new Set(((listed.body as { records?: { name: string; ip: string }[] }).records ?? []).map((r) => `${r.name} ${r.ip}`));
  for (const name of state.names) {
    for (const ip of state.ips) {
      const qualified = [...have].some((entry) => entry === `${name} ${ip}` || entry.startsWith(`${name}.`) && entry.endsWith(` ${ip}`));
      if (!qualified) await registerName(config.adminSocket, name, ip);
    }
  }
}
