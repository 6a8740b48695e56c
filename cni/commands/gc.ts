// GC: every attachment weft-cni holds state for on this network and that is not in
// cni.dev/valid-attachments is released as DEL would (the namespace is assumed gone, so the
// delegate gets an empty CNI_NETNS and frees the address), names included. It goes on past
// failures and reports them all at the end; a second GC finds nothing left. Temp files of a
// killed ADD are removed (GC never runs alongside ADD or DEL).
import { CniCode, CniError } from '../spec/errors.ts';
import type { PluginConfig } from '../spec/config.ts';
import { note } from '../stderr.ts';
import { listStates, loadState, removeState } from '../state.ts';
import { execDelegate } from '../exec.ts';
import { releaseAttachment } from './release.ts';
import { speaks110 } from './status.ts';

export async function gc(config: PluginConfig, path: readonly string[], processEnv: NodeJS.ProcessEnv): Promise<void> {
  if (config.validAttachments === undefined) throw new CniError(CniCode.invalidConfig, 'GC needs cni.dev/valid-attachments', 'without the list of attachments still in use, GC would release every one');
  const valid = new Set(config.validAttachments.map((a) => `${a.containerID}@${a.ifname}`));
  const { files, temps } = listStates(config.dataDir, config.name);
  for (const temp of temps) removeState(temp);
  const failures: string[] = [];
  for (const file of files) {
    try {
      const state = loadState(file);
      if (state === undefined) continue;
      if (state === 'corrupt') {
        note('state_unusable', { path: file, action: 'removed by GC' });
        removeState(file);
        continue;
      }
      if (valid.has(`${state.containerID}@${state.ifname}`)) continue;
      await releaseAttachment({ state, statePath: file, netns: '', adminSocket: config.adminSocket, processEnv, path });
      note('gc_released', { containerID: state.containerID, ifname: state.ifname, ips: state.ips, names: state.names });
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  const delegateType = typeof config.delegate.type === 'string' ? config.delegate.type : 'bridge';
  try {
    if (await speaks110(delegateType, path, processEnv)) {
      const ipam = { ...config.ipam, type: typeof config.ipam.type === 'string' ? config.ipam.type : 'host-local' };
      await execDelegate(delegateType, 'GC', { cniVersion: '1.1.0', name: config.name, type: delegateType, ipam, 'cni.dev/valid-attachments': config.validAttachments }, processEnv, path);
    }
  } catch (error) {
    failures.push(`${delegateType} GC: ${(error as Error).message}`);
  }
  if (failures.length > 0) throw new CniError(CniCode.tryAgainLater, `GC could not release ${failures.length} attachment(s); run GC again`, failures.join('\n').slice(0, 4000));
}
