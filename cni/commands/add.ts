// ADD: wait for nothing, check everything, then delegate (flannel's way) and register names.
// All or nothing: if the delegate or a registration fails, what was done is undone (delegate
// DEL, names removed, state removed) before the error is returned.
import { daemonReadiness, registerName, type Readiness } from '../daemon.ts';
import { buildDelegateConfig } from '../delegate-config.ts';
import { execDelegate, findPlugin } from '../exec.ts';
import { containerNames } from '../names.ts';
import { CniCode, CniError } from '../spec/errors.ts';
import { containerAddresses, convertResult, parseResult, type Result } from '../spec/result.ts';
import { note } from '../stderr.ts';
import { loadState, saveState, statePath, type AttachmentState } from '../state.ts';
import { readSubnetFile } from '../subnet-env.ts';
import type { Invocation } from './context.ts';
import { releaseAttachment } from './release.ts';

const ready: Readiness = { ready: true };

export async function add({ env, config, processEnv }: Invocation): Promise<Result> {
  const socket = config.adminSocket;
  const [readiness, subnet] = await Promise.all([socket === '' ? ready : daemonReadiness(socket), readSubnetFile(config.subnetFile)]);
  if (!readiness.ready) {
    const detail = subnet === undefined ? `; it has not written ${config.subnetFile} yet` : '';
    throw new CniError(CniCode.tryAgainLater, 'the weft daemon is not ready; try again later', `${readiness.reason}${detail}`);
  }
  if (subnet === undefined) {
    if (socket === '') throw new CniError(CniCode.tryAgainLater, `the subnet file ${config.subnetFile} does not exist yet; try again later`, 'the weft daemon writes it once it holds a subnet lease');
    throw new CniError(CniCode.invalidConfig, `the subnet file ${config.subnetFile} does not exist, but the weft daemon is ready`, "set subnetFile in the conflist to the daemon's subnet.subnet_file");
  }
  const delegate = buildDelegateConfig(config, subnet);
  // Before any state exists: a delegate that is not installed has nothing to undo.
  findPlugin(delegate.type, env.path);
  const { names, skipped } = config.dns ? containerNames(env.args, config.aliases) : { names: [], skipped: [] };
  if (skipped.length > 0) note('names_skipped', { containerID: env.containerId, names: skipped, reason: 'not a host name' });
  const path = statePath(config.dataDir, config.name, env.containerId, env.ifName);
  // A second ADD without DEL must not run: undoing its failure would tear down the first one.
  if (loadState(path) !== undefined) throw new CniError(CniCode.attachmentExists, `${env.containerId}/${env.ifName} is already attached to ${config.name}`, 'DEL it before adding it again');
  const base: AttachmentState = { containerID: env.containerId, ifname: env.ifName, delegate, ips: [], names: [] };
  try {
    saveState(config.dataDir, config.name, base);
  } catch (error) {
    throw new CniError(CniCode.ioFailure, `cannot write weft-cni's state under ${config.dataDir}`, (error as Error).message);
  }
  const undo = async (state: AttachmentState, error: unknown): Promise<never> => {
    try {
      await releaseAttachment({ state, statePath: path, netns: env.netns, adminSocket: socket, processEnv, path: env.path });
    } catch (undoError) {
      note('add_undo_failed', { containerID: env.containerId, error: (undoError as Error).message });
    }
    throw error;
  };
  let result: Result;
  try {
    result = parseResult(await execDelegate(delegate.type, 'ADD', delegate, processEnv, env.path), `${delegate.type} result`);
  } catch (error) {
    return undo(base, error);
  }
  const ips = containerAddresses(result);
  const registered: AttachmentState = { ...base, ips, names };
  try {
    saveState(config.dataDir, config.name, registered);
    const registrations = await Promise.allSettled(names.flatMap((name) => ips.map(async (ip) => ({ name, stored: await registerName(socket, name, ip) }))));
    const failed = registrations.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    for (const r of registrations) {
      if (r.status === 'fulfilled' && r.value.stored === undefined) note('name_refused', { containerID: env.containerId, name: r.value.name, reason: 'the daemon says it is not a host name in its zone' });
    }
  } catch (error) {
    return undo(registered, error instanceof CniError ? error : new CniError(CniCode.ioFailure, 'cannot record the attachment', (error as Error).message));
  }
  return convertResult(result, config.cniVersion);
}
