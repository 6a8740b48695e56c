// STATUS: 50 ("cannot service ADD") until the daemon answers ready on its admin socket and its
// subnet file is there; the delegates must be installed; a delegate that speaks 1.1.0 is asked
// for its own STATUS (Debian's 1.1.x plugins stop at 1.0.0 and have none).
import { daemonReadiness } from '../daemon.ts';
import { execDelegate, findPlugin } from '../exec.ts';
import { CniCode, CniError } from '../spec/errors.ts';
import { readSubnetFile } from '../subnet-env.ts';
import type { PluginConfig } from '../spec/config.ts';

/** True when `type` says (VERSION) it speaks 1.1.0. */
export async function speaks110(type: string, path: readonly string[], processEnv: NodeJS.ProcessEnv): Promise<boolean> {
  const answer = (await execDelegate(type, 'VERSION', { cniVersion: '1.1.0' }, { ...processEnv, CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' }, path, 5_000)) as { supportedVersions?: unknown } | undefined;
  return Array.isArray(answer?.supportedVersions) && answer.supportedVersions.includes('1.1.0');
}

export async function status(config: PluginConfig, path: readonly string[], processEnv: NodeJS.ProcessEnv): Promise<void> {
  if (config.adminSocket !== '') {
    const readiness = await daemonReadiness(config.adminSocket);
    if (!readiness.ready) throw new CniError(CniCode.notAvailable, 'the weft daemon is not ready', readiness.reason);
  }
  let subnet;
  try {
    subnet = await readSubnetFile(config.subnetFile);
  } catch (error) {
    throw new CniError(CniCode.notAvailable, `the subnet file ${config.subnetFile} is unusable`, (error as Error).message);
  }
  if (subnet === undefined) throw new CniError(CniCode.notAvailable, `the subnet file ${config.subnetFile} does not exist`, "the weft daemon writes it once it holds a lease; check subnetFile against the daemon's subnet.subnet_file");
  const delegateType = typeof config.delegate.type === 'string' ? config.delegate.type : 'bridge';
  const ipamType = typeof config.ipam.type === 'string' ? config.ipam.type : 'host-local';
  for (const type of [delegateType, ipamType]) {
    try {
      findPlugin(type, path);
    } catch (error) {
      throw new CniError(CniCode.notAvailable, `the delegate plugin ${type} is not installed`, (error as CniError).details);
    }
  }
  if (await speaks110(delegateType, path, processEnv)) {
    await execDelegate(delegateType, 'STATUS', { cniVersion: '1.1.0', name: config.name, type: delegateType, ipam: { ...config.ipam, type: ipamType } }, processEnv, path);
  }
}
