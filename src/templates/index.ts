export { createTemplatesArea, validateTemplates, type TemplatesDeps, type TemplatesExtras } from './area.ts';
export type { BuiltinCommands, BuiltinResource } from './confd/index.ts';
export {
  backendProblem, closeShellRunner, ConfdEngine, parseResource, renderResource, ConfdUsageError, lookupGroup, lookupUser, parseConfdArgs, resolveConfdSettings,
  defaultConfdStateDir, discoverSrv, keyringProblem, withSrvNodes, type ConfdSettings,
} from './confd/index.ts';
