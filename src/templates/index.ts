export { createTemplatesArea, validateTemplates, type TemplatesDeps } from './area.ts';
export { backendProblem, closeShellRunner, ConfdEngine, ConfdUsageError, lookupGroup, lookupUser, parseConfdArgs, resolveConfdSettings, defaultConfdStateDir, discoverSrv, keyringProblem, withSrvNodes, type ConfdSettings } from './confd/index.ts';
