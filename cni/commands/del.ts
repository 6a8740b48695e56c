// DEL: idempotent, like flannel's: no saved state (nothing was allocated, or an earlier DEL
// finished) is success; a gone namespace or an empty CNI_NETNS is success once the delegate
// released the address; an unusable state file is removed and the DEL succeeds.
import { CniCode, CniError } from '../spec/errors.ts';
import { note } from '../stderr.ts';
import { loadState, removeState, statePath } from '../state.ts';
import type { Invocation } from './context.ts';
import { releaseAttachment } from './release.ts';

export async function del({ env, config, processEnv }: Invocation): Promise<void> {
  const path = statePath(config.dataDir, config.name, env.containerId, env.ifName);
  let state;
  try {
    state = loadState(path);
  } catch (error) {
    throw new CniError(CniCode.ioFailure, `cannot read weft-cni's state ${path}`, (error as Error).message);
  }
  if (state === undefined) return;
  if (state === 'corrupt') {
    note('state_unusable', { path, action: 'removed; the bridge port goes with the container netns' });
    removeState(path);
    return;
  }
  await releaseAttachment({ state, statePath: path, netns: env.netns, adminSocket: config.adminSocket, processEnv, path: env.path });
}
