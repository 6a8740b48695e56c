// Template functions for the confd template that renders services into the proxy's route file:
// values are parsed and checked here, so the template only lays them out. A config that turns bad
// keeps its last good form (per key), so a typo in etcd never empties a running service.
import { defineFunc, type GoFunc, type GoMap, type GoValue } from '../gotemplate/index.ts';
import { parseServer, parseServiceConfig, serviceNameProblem, type ServiceConfig } from './keyspace.ts';
import { serviceCheckSnippet, tomlValue } from './toml.ts';

export interface ServiceTemplateOptions {
  /** The proxy's route-file checker: problems with a one-service route file (none: fine). */
  readonly checkService?: (toml: string) => string[];
  /** Told why a value was refused (the caller logs it); called once per distinct bad value. */
  readonly onInvalid?: (key: string, reason: string) => void;
}

export const maxRemembered = 10_000;

function configMap(config: ServiceConfig): GoMap {
  const h = config.healthCheck;
  const health: GoMap | null = h === undefined ? null : {
    path: h.path,
    ...(h.interval === undefined ? {} : { interval: h.interval }),
    ...(h.timeout === undefined ? {} : { timeout: h.timeout }),
    ...(h.scheme === undefined ? {} : { scheme: h.scheme }),
    ...(h.hostname === undefined ? {} : { hostname: h.hostname }),
    ...(h.port === undefined ? {} : { port: BigInt(h.port) }),
  };
  return {
    rule: config.rule,
    priority: BigInt(config.priority),
    passHostHeader: config.passHostHeader,
    healthCheck: health,
    middlewares: config.middlewares.map((m): GoMap => ({ type: m.type, options: m.options as GoMap })),
  };
}

export function serviceTemplateFuncs(options: ServiceTemplateOptions = {}): Record<string, GoFunc> {
  const lastGood = new Map<string, GoMap>();
  const lastBad = new Map<string, string>();
  const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
    map.delete(key);
    map.set(key, value);
    if (map.size > maxRemembered) map.delete(map.keys().next().value ?? '');
  };
  const check = (text: string): { ok: true; value: ServiceConfig } | { ok: false; reason: string } => {
    const parsed = parseServiceConfig(text);
    if (!parsed.ok || options.checkService === undefined) return parsed;
    let problems: string[];
    try {
      problems = options.checkService(serviceCheckSnippet(parsed.value));
    } catch (error) {
      problems = [(error as Error).message];
    }
    return problems.length === 0 ? parsed : { ok: false, reason: problems.join('; ') };
  };
  return {
    serviceConfig: defineFunc({
      params: ['string', 'string'],
      result: 'map[string]interface {}',
      fn: (key, value) => {
        const k = key as string;
        // The key names the service (`/web/config`, or the full etcd key): a name that is no DNS
        // label would make bad TOML keys and Traefik names, so it is never rendered.
        const name = /([^/]*)\/config$/.exec(k)?.[1];
        const nameProblem = name === undefined ? `${k} is not a <service>/config key` : serviceNameProblem(name);
        const parsed = nameProblem === undefined ? check(value as string) : { ok: false as const, reason: nameProblem };
        if (parsed.ok) {
          const map = configMap(parsed.value);
          remember(lastGood, k, map);
          lastBad.delete(k);
          return map;
        }
        if (lastBad.get(k) !== value) {
          remember(lastBad, k, value as string);
          options.onInvalid?.(k, parsed.reason);
        }
        return lastGood.get(k) ?? null;
      },
    }),
    serviceServer: defineFunc({
      params: ['string'],
      result: 'map[string]interface {}',
      fn: (value) => {
        const parsed = parseServer(value as string);
        return parsed.ok ? { url: parsed.value.url, weight: BigInt(parsed.value.weight) } : null;
      },
    }),
    tomlValue: defineFunc({ params: ['any'], returnsError: true, result: 'string', fn: (value: GoValue) => tomlValue(value) }),
  };
}
