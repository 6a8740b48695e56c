export { defaults, fieldEnv, fieldFlag, schema, type Config, type SectionName } from './schema.ts';
export { configFlags } from './sources.ts';
export { formatProblems, loadConfig, loadConfigOrThrow, type ConfigNotice, type ConfigProblem, type LoadResult } from './load.ts';
export { problem, withLines, type Problem } from './problems.ts';
// The TOML key scanner behind config lines, shared with the proxy's route file lines.
export { readKey as readTomlKey, skipSpace as skipTomlSpace } from './locate.ts';
export { asksVersion, flannelEnv, flannelFlags, type FlannelFlag } from './flannel.ts';
