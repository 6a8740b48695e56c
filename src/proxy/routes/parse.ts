// A route file (Traefik v3 dynamic configuration, file provider, TOML) -> RouteConfig, with every
// error and warning at its key path and line. Only values are checked here; references and rules
// are resolved by table.ts (compileRouteTable), which `weft proxy check` runs too.
import { parse, TomlError } from 'smol-toml';
import type { CertificateSpec, MiddlewareSpec, ParseResult, RouteConfig, RouteProblem, RouterSpec } from '../types.ts';
import { indexLines } from './locate.ts';
import { readMiddleware } from './parse-middlewares.ts';
import { readService } from './parse-services.ts';
import { Reader, type Path, type Table } from './reader.ts';
import { compileRule, defaultPriority, RuleError } from './rule.ts';
import { maxRuleLength } from './rule-syntax.ts';

/** Bounds on what one route file may hold (a file rendered from etcd registrations is input, not code). */
export const routeFileLimits = { bytes: 10 * 1024 * 1024, routers: 10_000, services: 10_000, middlewares: 10_000, certificates: 1_000, middlewaresPerRouter: 100, nameLength: 256 };

const namePattern = /^[^@\x00-\x1f\x7f]+$/;

export function parseRouteFile(text: string): ParseResult {
  const { partial, errors, warnings } = readRouteFile(text);
  return errors.length > 0 ? { errors, warnings } : { config: partial, errors, warnings };
}

/** What of a route file was valid, and the names of entries left out for an error of their own. */
export interface PartialRouteFile {
  readonly partial: RouteConfig;
  readonly invalid: { readonly services: ReadonlySet<string>; readonly middlewares: ReadonlySet<string> };
  readonly errors: RouteProblem[];
  readonly warnings: RouteProblem[];
}

/** The file's problems and what of it was valid (`weft proxy check` checks its references too). */
export function readRouteFile(text: string): PartialRouteFile {
  const empty: RouteConfig = { routers: {}, services: {}, middlewares: {}, certificates: [] };
  const invalid = { services: new Set<string>(), middlewares: new Set<string>() };
  if (Buffer.byteLength(text, 'utf8') > routeFileLimits.bytes) return { partial: empty, invalid, errors: [{ path: '(file)', message: `the file is larger than ${routeFileLimits.bytes} bytes` }], warnings: [] };
  let document: Table;
  try {
    document = parse(text, { maxDepth: 32 });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    return { partial: empty, invalid, errors: [{ path: '(file)', message: `not valid TOML: ${error.message.split('\n')[0] ?? ''}`, line: error.line }], warnings: [] };
  }
  const r = new Reader(indexLines(text));
  const top = r.fields(document, [], ['http', 'tls'], { tcp: 'TCP routers and services', udp: 'UDP routers and services' });
  const [httpValue, httpPath] = top.get('http');
  const http = httpValue === undefined ? {} : r.table(httpValue, httpPath);
  const h = r.fields(http ?? {}, httpPath, ['routers', 'services', 'middlewares'], { serversTransports: 'servers transports', models: 'router models' });
  const routers = named(r, h.get('routers'), routeFileLimits.routers, readRouter, new Set());
  const services = named(r, h.get('services'), routeFileLimits.services, readService, invalid.services);
  const middlewares = named<MiddlewareSpec>(r, h.get('middlewares'), routeFileLimits.middlewares, readMiddleware, invalid.middlewares);
  for (const [name, service] of Object.entries(services)) {
    if (service.kind !== 'weighted') continue;
    services[name] = { kind: 'weighted', services: service.services.map((s, i) => ({ ...s, name: reference(r, s.name, [...httpPath, 'services', name, 'weighted', 'services', i, 'name']) ?? s.name })) };
  }
  const [tlsValue, tlsPath] = top.get('tls');
  const tls = tlsValue === undefined ? { certificates: [] } : readTls(r, tlsValue, tlsPath);
  r.finish();
  return { partial: { routers, services, middlewares, ...tls }, invalid, errors: r.errors, warnings: r.warnings };
}

/** A name-keyed section (`[http.routers.*]`): each entry read by `read`, names checked and bounded; names left out for an error go into `invalid`. */
function named<T>(r: Reader, [value, path]: [unknown, Path], max: number, read: (r: Reader, table: Table, path: Path, name: string) => T | undefined, invalid: Set<string>): Record<string, T> {
  const out: [string, T][] = [];
  if (value === undefined) return {};
  const table = r.table(value, path);
  if (table === undefined) return {};
  const entries = Object.entries(table);
  if (entries.length > max) {
    r.error(path, `more than ${max} entries`);
    for (const [name] of entries) invalid.add(name);
    return {};
  }
  for (const [name, body] of entries) {
    if (name.length > routeFileLimits.nameLength || !namePattern.test(name)) {
      r.error([...path, name], `invalid name: 1 to ${routeFileLimits.nameLength} characters, no '@' (Traefik reserves it for providers) and no control characters`);
      continue;
    }
    const errorsBefore = r.errors.length;
    const entry = r.table(body, [...path, name]);
    const spec = entry === undefined ? undefined : read(r, entry, [...path, name], name);
    if (spec !== undefined) out.push([name, spec]);
    else if (r.errors.length > errorsBefore) invalid.add(name);
  }
  return Object.fromEntries(out);
}

/** A reference to a router, service or middleware: `name` or `name@file`; other providers do not exist here. */
function reference(r: Reader, text: string, path: Path): string | undefined {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  if (text.slice(at + 1) === 'file' && at > 0) return text.slice(0, at);
  return r.error(path, `"${text}" names provider ${text.slice(at + 1)}; weft has only the route file (write "${text.slice(0, at)}" or "${text.slice(0, at)}@file")`);
}

function readRouter(r: Reader, table: Table, path: Path, name: string): RouterSpec | undefined {
  const f = r.fields(table, path, ['rule', 'service', 'priority', 'middlewares', 'tls', 'entryPoints', 'ruleSyntax'], {
    observability: 'per-router observability settings',
    parentRefs: 'parentRefs (multi-layer routing)',
  });
  const [ruleValue, rulePath] = f.get('rule');
  let rule = ruleValue === undefined ? r.error(path, 'the router has no rule') : r.string(ruleValue, rulePath, { nonEmpty: true, maxLength: maxRuleLength });
  try {
    if (rule !== undefined) compileRule(rule);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    rule = r.error(rulePath, error.message);
  }
  const [serviceValue, servicePath] = f.get('service');
  const serviceText = serviceValue === undefined ? r.error(path, 'the router has no service') : r.string(serviceValue, servicePath, { nonEmpty: true, maxLength: 300 });
  const service = serviceText === undefined ? undefined : reference(r, serviceText, servicePath);
  const [priorityValue, priorityPath] = f.get('priority');
  // Traefik: priority 0 (or none) means the default, the rule's length.
  const unset = priorityValue === undefined || priorityValue === 0;
  const priority = unset ? defaultPriority(rule ?? '') : r.integer(priorityValue, priorityPath, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const [mwValue, mwPath] = f.get('middlewares');
  const mwNames = mwValue === undefined ? [] : r.stringArray(mwValue, mwPath, routeFileLimits.middlewaresPerRouter);
  const middlewares = mwNames?.map((m, i) => reference(r, m, [...mwPath, i]));
  const [tlsValue, tlsPath] = f.get('tls');
  const tlsTable = tlsValue === undefined ? undefined : r.table(tlsValue, tlsPath);
  if (tlsTable !== undefined) r.fields(tlsTable, tlsPath, [], { options: 'TLS options (weft uses Node defaults: TLS 1.2+)', certResolver: 'certificate resolvers (ACME)', domains: 'domains (certificates come from [[tls.certificates]])' });
  const [epValue, epPath] = f.get('entryPoints');
  if (epValue !== undefined) r.warn(epPath, "entry points are not supported: the router serves weft's listeners (TLS routers the TLS ones)");
  const [syntaxValue, syntaxPath] = f.get('ruleSyntax');
  if (syntaxValue !== undefined && syntaxValue !== 'v3') r.warn(syntaxPath, 'only the v3 rule syntax is supported: the rule is read as v3');
  if (rule === undefined || service === undefined || priority === undefined || middlewares === undefined || middlewares.some((m) => m === undefined)) return undefined;
  if (tlsValue !== undefined && tlsTable === undefined) return undefined;
  return { name, rule, service, priority, middlewares: middlewares as string[], tls: tlsValue !== undefined };
}

function readTls(r: Reader, value: unknown, path: Path): { certificates: CertificateSpec[]; defaultCertificate?: CertificateSpec } {
  const table = r.table(value, path);
  if (table === undefined) return { certificates: [] };
  const f = r.fields(table, path, ['certificates', 'stores'], { options: 'TLS options (weft uses Node defaults: TLS 1.2+)' });
  const certificates: CertificateSpec[] = [];
  const [list, listPath] = f.get('certificates');
  if (list !== undefined && !Array.isArray(list)) r.error(listPath, 'expected [[tls.certificates]] tables');
  else if (list !== undefined && list.length > routeFileLimits.certificates) r.error(listPath, `more than ${routeFileLimits.certificates} certificates`);
  else
    list?.forEach((item: unknown, i) => {
      const cert = readCertificate(r, item, [...listPath, i], true);
      if (cert !== undefined) certificates.push(cert);
    });
  const [storesValue, storesPath] = f.get('stores');
  const stores = storesValue === undefined ? undefined : r.table(storesValue, storesPath);
  let defaultCertificate: CertificateSpec | undefined;
  for (const [store, body] of Object.entries(stores ?? {})) {
    if (store !== 'default') {
      r.warn([...storesPath, store], 'only the default TLS store exists in weft');
      continue;
    }
    const storeTable = r.table(body, [...storesPath, store]);
    if (storeTable === undefined) continue;
    const s = r.fields(storeTable, [...storesPath, store], ['defaultCertificate'], { defaultGeneratedCert: 'generated default certificates (ACME)' });
    const [certValue, certPath] = s.get('defaultCertificate');
    if (certValue !== undefined) defaultCertificate = readCertificate(r, certValue, certPath, false);
  }
  return { certificates, ...(defaultCertificate === undefined ? {} : { defaultCertificate }) };
}

function readCertificate(r: Reader, value: unknown, path: Path, inList: boolean): CertificateSpec | undefined {
  const table = r.table(value, path);
  if (table === undefined) return undefined;
  const f = r.fields(table, path, ['certFile', 'keyFile'], inList ? { stores: 'TLS stores (every certificate is in the default store)' } : {});
  const [certValue, certPath] = f.get('certFile');
  const [keyValue, keyPath] = f.get('keyFile');
  // Traefik accepts a path or the PEM itself in both fields; so do we (the server tells them apart).
  const certFile = certValue === undefined ? r.error(path, 'needs certFile') : r.string(certValue, certPath, { nonEmpty: true, maxLength: 1 << 20 });
  const keyFile = keyValue === undefined ? r.error(path, 'needs keyFile') : r.string(keyValue, keyPath, { nonEmpty: true, maxLength: 1 << 20 });
  return certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile };
}
