export { ConfdEngine, commonPrefix, loadResources, type BuiltinResource, type EngineOptions, type ResourceState } from './engine.ts';
export { matchBuiltin, type BuiltinCommands } from './builtin.ts';
export { ConfdMetrics } from './metrics.ts';
export { processResource, renderResource, storeFor, runShell } from './render.ts';
export { closeShellRunner } from './shell.ts';
export { parseResource, parseConfdMode, parseWait, effectivePrefix, type ResourceSpec } from './resource.ts';
export { backendProblem, ConfdUsageError, defaultConfdStateDir, parseConfdArgs, resolveConfdSettings, type ConfdSettings } from './settings.ts';
export { lookupGroup, lookupUser } from './users.ts';
export { MemKV, type KVPair } from './memkv.ts';
