// The services area: etcd keyspace → model, server registration on the admin API, and the
// template functions the shipped confd resource renders the proxy's route file with.
export { createServicesArea, validateServices, ServicesArea, type ServicesAreaOptions } from './area.ts';
export {
  defaultServerId, parseServer, parseServerUrl, parseServiceConfig, parseServiceKey, serverIdProblem, serviceNameProblem,
  type HealthCheck, type Middleware, type Parsed, type Server, type ServiceConfig, type ServiceKey,
} from './keyspace.ts';
export { buildServices, modelCounts, type InvalidValue, type ModelServer, type ModelService, type ServicesModel } from './model.ts';
export { serviceTemplateFuncs, type ServiceTemplateOptions } from './funcs.ts';
export { serviceCheckSnippet, tomlValue } from './toml.ts';
export { listRegistrations, normalizeServer, serverKey, type Registration } from './registration.ts';
