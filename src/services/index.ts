// The services area: etcd keyspace → model, server registration on the admin API, and the
// template functions the shipped confd resource renders the proxy's route file with.
export { createServicesArea, validateServices, ServicesArea, type ServicesAreaOptions } from './area.ts';
export {
  defaultServerId, parseServer, parseServerUrl, parseServiceConfig, parseServiceKey, serverIdProblem, serviceNameProblem,
  type HealthCheck, type Middleware, type Parsed, type Server, type ServiceConfig, type ServiceKey,
} from './keyspace.ts';
export { buildServices, modelCounts, type InvalidValue, type ModelServer, type ModelService, type ServicesModel } from './model.ts';
export type { ServiceTemplateOptions } from './funcs.ts';

/**
 * The template functions, loaded on demand: they bring the Go template library, which a host that
 * only registers servers (the default daemon) never loads (docs/startup.md).
 */
export async function loadServiceTemplateFuncs(options?: import('./funcs.ts').ServiceTemplateOptions): Promise<Record<string, import('../gotemplate/index.ts').GoFunc>> {
  return (await import('./funcs.ts')).serviceTemplateFuncs(options);
}
export { listRegistrations, normalizeServer, serverKey, type Registration } from './registration.ts';
