// Undoing an attachment, shared by DEL, GC and a failed ADD: the delegate's DEL with the config
// ADD saved (host-local frees the address, bridge removes the veth if the netns still exists),
// then the DNS names, then the state file. The state file goes last, so a failure half-way
// leaves what a retry needs.
import { unregisterName } from '../daemon.ts';
import { execDelegate } from '../exec.ts';
import { removeState, type AttachmentState } from '../state.ts';

export interface ReleaseTarget {
  readonly state: AttachmentState;
  readonly statePath: string;
  /** CNI_NETNS for the delegate: '' when the namespace is gone or unknown (GC). */
  readonly netns: string;
  readonly adminSocket: string;
  readonly processEnv: NodeJS.ProcessEnv;
  readonly path: readonly string[];
}

export async function releaseAttachment(t: ReleaseTarget): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...t.processEnv, CNI_CONTAINERID: t.state.containerID, CNI_IFNAME: t.state.ifname, CNI_NETNS: t.netns };
  await execDelegate(t.state.delegate.type, 'DEL', t.state.delegate, env, t.path);
  if (t.adminSocket !== '') {
    for (const name of t.state.names) await unregisterName(t.adminSocket, name, t.state.ips);
  }
  removeState(t.statePath);
}
