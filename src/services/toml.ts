// Template values as TOML inline values (what `tomlValue` prints into the route file), and the
// one-service route-file snippet a service config is checked with before it is used.
import { GoInt, type GoMap, type GoValue } from '../gotemplate/index.ts';
import type { ServiceConfig } from './keyspace.ts';

const bareKey = /^[A-Za-z0-9_-]+$/;
const escapes: Readonly<Record<string, string>> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' };

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(text: string): string {
  if (!text.isWellFormed()) throw new Error('string holds a lone UTF-16 surrogate; TOML cannot carry it');
  return `"${text.replace(/["\\\u0000-\u001f\u007f]/g, (c) => escapes[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

export function tomlKey(key: string): string {
  return bareKey.test(key) ? key : tomlString(key);
}

function tomlNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  // A JSON number without a fraction (attempts: 3) means an integer to Traefik's decoder.
  if (Number.isSafeInteger(n)) return String(n);
  const text = String(n);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const isPlainMap = (v: object): v is GoMap => v instanceof Map || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;

/** The TOML inline form of a template value; throws on what TOML cannot say (nil, functions). */
export function tomlValue(value: GoValue, depth = 0): string {
  if (depth > 32) throw new Error('value nests deeper than 32 levels');
  switch (typeof value) {
    case 'string': return tomlString(value);
    case 'bigint': return String(value);
    case 'number': return tomlNumber(value);
    case 'boolean': return String(value);
    case 'undefined': throw new Error('TOML has no nil: <no value> cannot be written');
  }
  if (value === null) throw new Error('TOML has no nil: a nil value cannot be written');
  if (value instanceof GoInt) return String(value.value);
  if (Array.isArray(value)) return `[${(value as readonly GoValue[]).map((item) => tomlValue(item, depth + 1)).join(', ')}]`;
  if (typeof value === 'object' && isPlainMap(value)) {
    const entries: [string, GoValue][] = value instanceof Map ? [...(value as ReadonlyMap<string, GoValue>)] : Object.entries(value as Readonly<Record<string, GoValue>>);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v, depth + 1)}`).join(', ')} }`;
  }
  throw new Error('this value has no TOML form (only strings, numbers, booleans, slices and maps)');
}

/** A route file holding just this service (one placeholder server), for the proxy's own checker. */
export function serviceCheckSnippet(config: ServiceConfig, name = 'weft-check'): string {
  const mwNames = config.middlewares.map((m, i) => `${name}-${i}-${m.type.toLowerCase()}`);
  const lines = [
    `[http.routers.${name}]`,
    `rule = ${tomlString(config.rule)}`,
    `priority = ${config.priority}`,
    `service = ${tomlString(name)}`,
    ...(mwNames.length === 0 ? [] : [`middlewares = ${tomlValue(mwNames)}`]),
  ];
  config.middlewares.forEach((m, i) => lines.push('', `[http.middlewares.${mwNames[i] ?? ''}]`, `${tomlKey(m.type)} = ${tomlValue(m.options as GoMap)}`));
  lines.push('', `[http.services.${name}.loadBalancer]`, `passHostHeader = ${config.passHostHeader}`, 'servers = [{ url = "http://127.0.0.1:9" }]');
  if (config.healthCheck !== undefined) lines.push(`healthCheck = ${tomlValue(config.healthCheck as unknown as GoMap)}`);
  return `${lines.join('\n')}\n`;
}
