// The services as a model (pure): every key of the keyspace, parsed, grouped by service. A bad
// value is skipped and listed; it never takes the good values of its service with it.
import { parseServer, parseServiceConfig, parseServiceKey, type ServiceConfig } from './keyspace.ts';

export interface ModelServer {
  readonly id: string;
  readonly url: string;
  readonly weight: number;
  readonly key: string;
}

export interface ModelService {
  readonly name: string;
  /** Undefined when the config key is missing or invalid: the service is listed, not routed. */
  readonly config?: ServiceConfig;
  readonly servers: readonly ModelServer[];
}

export interface InvalidValue {
  readonly key: string;
  readonly reason: string;
}

export interface ServicesModel {
  readonly services: readonly ModelService[];
  readonly invalid: readonly InvalidValue[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildServices(entries: Iterable<readonly [string, string]>, prefix: string): ServicesModel {
  const services = new Map<string, { config?: ServiceConfig; servers: ModelServer[] }>();
  const invalid: InvalidValue[] = [];
  const serviceOf = (name: string): { config?: ServiceConfig; servers: ModelServer[] } => {
    let service = services.get(name);
    if (service === undefined) services.set(name, (service = { servers: [] }));
    return service;
  };
  for (const [key, value] of entries) {
    const parsedKey = parseServiceKey(key, prefix);
    if (!parsedKey.ok) {
      invalid.push({ key, reason: parsedKey.reason });
      continue;
    }
    const { service: name } = parsedKey.value;
    const service = serviceOf(name);
    if (parsedKey.value.kind === 'config') {
      const config = parseServiceConfig(value);
      if (config.ok) service.config = config.value;
      else invalid.push({ key, reason: config.reason });
      continue;
    }
    const server = parseServer(value);
    if (server.ok) service.servers.push({ id: parsedKey.value.id, ...server.value, key });
    else invalid.push({ key, reason: server.reason });
  }
  return {
    services: [...services]
      .sort(([a], [b]) => byString(a, b))
      .map(([name, s]) => ({ name, ...(s.config === undefined ? {} : { config: s.config }), servers: s.servers.sort((a, b) => byString(a.id, b.id)) })),
    invalid: invalid.sort((a, b) => byString(a.key, b.key)),
  };
}

/** Counts for status and metrics. */
export function modelCounts(model: ServicesModel): { services: number; servers: number; invalid: number } {
  return { services: model.services.length, servers: model.services.reduce((n, s) => n + s.servers.length, 0), invalid: model.invalid.length };
}
