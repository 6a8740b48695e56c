// What every attachment command gets: the validated CNI_* environment, the plugin config, and the
// environment to hand to delegates (ours, as the spec asks).
import type { PluginConfig } from '../spec/config.ts';
import type { CniEnv } from '../spec/env.ts';

export interface Invocation {
  readonly env: CniEnv;
  readonly config: PluginConfig;
  readonly processEnv: NodeJS.ProcessEnv;
}
