export { createTemplatesArea, validateTemplates, type TemplatesDeps } from './area.ts';
export { backendProblem, ConfdEngine, ConfdUsageError, lookupGroup, lookupUser, parseConfdArgs, resolveConfdSettings, type ConfdSettings } from './confd/index.ts';
